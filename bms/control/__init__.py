"""Control: passive balancing, current derating and thermal management requests.

ASIL: D. Requirements: SWR_BAL_*, SWR_DER_*, SWR_THM_* (``requirements/swr/control.rst``).

Every function is pure (no clock, no I/O, no exception for any measurement)
and reads its thresholds from :class:`bms.config.ControlConfig`. Use, once
per protection or estimation step::

    from bms.control import (BalancingState, ThermalState, derate,
                             step_balancing, step_thermal)

    balancing = step_balancing(balancing, cell_voltages_v, temperatures_degc,
                               enabled=at_rest_and_no_fault,
                               limits=config.control.balancing)
    # on SoC (issue 9): add cell_soc=..., cell_soc_sigma=... (one per cell)
    balancing.bleeding       # tuple[bool, ...], one per series cell
    limits = derate(cell_voltages_v, temperatures_degc, pack_soc,
                    config.control.derating)
    limits.charge_a, limits.discharge_a   # both in [0, configured maximum]
    thermal = step_thermal(thermal, temperatures_degc, config.control.thermal)
    thermal.request          # ThermalRequest.OFF / HEAT / COOL
"""

from bms.control._balancing import (
    BalancingInhibit,
    BalancingState,
    SocBalancingTuning,
    step_balancing,
)
from bms.control._derating import CurrentLimits, derate, table_factor
from bms.control._thermal import ThermalRequest, ThermalState, step_thermal

__all__ = [
    "BalancingInhibit",
    "BalancingState",
    "CurrentLimits",
    "SocBalancingTuning",
    "ThermalRequest",
    "ThermalState",
    "derate",
    "step_balancing",
    "step_thermal",
    "table_factor",
]
