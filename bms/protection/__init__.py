"""Protection: detect faults within their fault tolerant time and latch them.

ASIL: D.
"""

from bms.protection._over_voltage import (
    Level,
    OverVoltageState,
    classify_cell_over_voltage,
    step_cell_over_voltage,
)

__all__ = ["Level", "OverVoltageState", "classify_cell_over_voltage", "step_cell_over_voltage"]
