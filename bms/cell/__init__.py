"""Cell model: chemistry files (equivalent-circuit tables) and the equivalent-circuit model.

ASIL: QM(D) (estimation channel; the D(D) voltage monitor does not depend on it).

A chemistry file (:class:`Chemistry`) is data, fitted to a physics model by
``bms calibrate``; :func:`load_chemistry` finds it by registry name
(:func:`chemistry_names`) or path. :func:`cell_tables` and :func:`lookup`
evaluate its tables for many cells at once; :func:`ecm_step` and
:func:`terminal_voltage` are the two-RC equivalent circuit with its lumped
thermal model (:func:`thermal_step`) and its series drop bent by Butler-Volmer
kinetics (:func:`series_overpotential_v`), pure functions over numpy arrays.
"""

from bms.cell._chemistry import (
    ChargeCircuit,
    Chemistry,
    ChemistrySource,
    FitReport,
    PlatingMap,
    ThermalParameters,
)
from bms.cell._ecm import (
    CellModel,
    EcmState,
    cell_model,
    ecm_step,
    heat_generation_w,
    terminal_voltage,
)
from bms.cell._kinetics import LINEAR_CURVATURE_PER_A, series_overpotential_v, series_slope
from bms.cell._loader import chemistry_names, chemistry_path, load_chemistry, parse_chemistry
from bms.cell._tables import (
    CellParameters,
    CellTables,
    Row,
    cell_tables,
    lookup,
    lookup_rows,
    lookup_rows_at,
    ocv,
    ocv_at,
    ocv_rows,
    soc_bracket,
    temperature_bracket,
)
from bms.cell._thermal import thermal_step

__all__ = [
    "LINEAR_CURVATURE_PER_A",
    "CellModel",
    "CellParameters",
    "CellTables",
    "ChargeCircuit",
    "Chemistry",
    "ChemistrySource",
    "EcmState",
    "FitReport",
    "PlatingMap",
    "Row",
    "ThermalParameters",
    "cell_model",
    "cell_tables",
    "chemistry_names",
    "chemistry_path",
    "ecm_step",
    "heat_generation_w",
    "load_chemistry",
    "lookup",
    "lookup_rows",
    "lookup_rows_at",
    "ocv",
    "ocv_at",
    "ocv_rows",
    "parse_chemistry",
    "series_overpotential_v",
    "series_slope",
    "soc_bracket",
    "temperature_bracket",
    "terminal_voltage",
    "thermal_step",
]
