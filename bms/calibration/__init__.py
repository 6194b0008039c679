"""Calibration and back-to-back validation against PyBaMM's physics models.

ASIL: QM (offline tools; never in the control path). Requirements: SWR_CAL_001,
SWR_CAL_002.

The BMS never imports this package. PyBaMM, scipy and matplotlib (the
``plant`` extra) are imported inside the functions that need them, so the
package imports without them.
"""

from bms.calibration._calibrate import CalibrationResult, calibrate
from bms.calibration._ecm_fit import EcmParameters, PulseFit, fit_ecm, simulate_ecm_voltage
from bms.calibration._physics import CellTestRecord, PhysicsCell

__all__ = [
    "CalibrationResult",
    "CellTestRecord",
    "EcmParameters",
    "PhysicsCell",
    "PulseFit",
    "calibrate",
    "fit_ecm",
    "simulate_ecm_voltage",
]
