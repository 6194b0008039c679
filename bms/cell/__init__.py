"""Cell model: chemistry files (equivalent-circuit tables) and the equivalent-circuit model.

ASIL: QM(D) (estimation channel; the D(D) voltage monitor does not depend on it).

A chemistry file (:class:`Chemistry`) is data, fitted to a physics model by
``bms calibrate``; :func:`load_chemistry` finds it by registry name
(:func:`chemistry_names`) or path. :func:`cell_tables` and :func:`lookup`
evaluate its tables for many cells at once; :func:`ecm_step` and
:func:`terminal_voltage` are the two-RC equivalent circuit with its lumped
thermal model (:func:`thermal_step`) and its series drop bent by Butler-Volmer
kinetics (:func:`series_overpotential_v`), pure functions over numpy arrays.
:func:`surface_lag_voltage` is the particles' surface lag read through each
electrode's potential (a file's optional ``electrodes`` section).
"""

from bms.cell._chemistry import (
    ChargeCircuit,
    Chemistry,
    ChemistrySource,
    ElectrodePotential,
    Electrodes,
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
from bms.cell._surface_lag import (
    DIFFUSION_EIGENVALUES,
    SurfaceLagModel,
    advance_surface_lag,
    electrodes_lag_model,
    initial_surface_lag,
    surface_lag_along,
    surface_lag_factors,
    surface_lag_gradient,
    surface_lag_model,
    surface_lag_response,
    surface_lag_step,
    surface_lag_voltage,
    surface_offset,
)
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
    "DIFFUSION_EIGENVALUES",
    "LINEAR_CURVATURE_PER_A",
    "CellModel",
    "CellParameters",
    "CellTables",
    "ChargeCircuit",
    "Chemistry",
    "ChemistrySource",
    "EcmState",
    "ElectrodePotential",
    "Electrodes",
    "FitReport",
    "PlatingMap",
    "Row",
    "SurfaceLagModel",
    "ThermalParameters",
    "advance_surface_lag",
    "cell_model",
    "cell_tables",
    "chemistry_names",
    "chemistry_path",
    "ecm_step",
    "electrodes_lag_model",
    "heat_generation_w",
    "initial_surface_lag",
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
    "surface_lag_along",
    "surface_lag_factors",
    "surface_lag_gradient",
    "surface_lag_model",
    "surface_lag_response",
    "surface_lag_step",
    "surface_lag_voltage",
    "surface_offset",
    "temperature_bracket",
    "terminal_voltage",
    "thermal_step",
]
