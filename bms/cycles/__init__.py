"""Drive cycles: shipped FASTSim-derived current profiles and a CSV loader.

ASIL: QM (test and validation input). Requirements: SWR_CAL_003.
"""

from bms.cycles._loader import (
    DriveCycle,
    cell_current_from_power,
    cycle_names,
    load_cycle,
    load_cycle_power,
    parse_cycle_csv,
)

__all__ = [
    "DriveCycle",
    "cell_current_from_power",
    "cycle_names",
    "load_cycle",
    "load_cycle_power",
    "parse_cycle_csv",
]
