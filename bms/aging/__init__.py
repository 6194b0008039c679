"""Aging prognosis: a semi-empirical calendar and cycle aging model fitted per chemistry.

ASIL: QM(D) (prognosis; never in the protection path).
Requirements: SWR_AGE_001, SWR_AGE_002, SWR_AGE_003, SWR_AGE_004, SWR_AGE_005.

The parameters are fitted to NREL BLAST-Lite simulations and shipped in
``bms/aging/data`` (made by ``nox -s aging_data``); nothing here needs
BLAST-Lite or scipy at run time.
"""

from bms.aging._history import (
    GAP_TOLERANCE_S,
    HISTORY_COLUMNS,
    HistoryRow,
    UsageHistory,
    load_history,
    parse_history,
    write_history,
)
from bms.aging._model import (
    GAS_CONSTANT_J_MOL_K,
    HOT_STORAGE_DEGC,
    REFERENCE_TEMPERATURE_DEGC,
    AgingParameters,
    FitQuality,
    PatternRow,
    Term,
    UsagePattern,
    load_parameters,
    row_increments,
    term_loss,
    worst_calendar_fade,
)
from bms.aging._prognosis import (
    Prognosis,
    PrognosisConfig,
    RemainingLife,
    ScaleEstimate,
    initial_estimate,
    nominal_losses,
    prognose,
    update_scales,
)
from bms.aging._usage import REST_C_RATE, ROW_S, park_row, usage_rows

__all__ = [
    "GAP_TOLERANCE_S",
    "GAS_CONSTANT_J_MOL_K",
    "HISTORY_COLUMNS",
    "HOT_STORAGE_DEGC",
    "REFERENCE_TEMPERATURE_DEGC",
    "REST_C_RATE",
    "ROW_S",
    "AgingParameters",
    "FitQuality",
    "HistoryRow",
    "PatternRow",
    "Prognosis",
    "PrognosisConfig",
    "RemainingLife",
    "ScaleEstimate",
    "Term",
    "UsageHistory",
    "UsagePattern",
    "initial_estimate",
    "load_history",
    "load_parameters",
    "nominal_losses",
    "park_row",
    "parse_history",
    "prognose",
    "row_increments",
    "term_loss",
    "update_scales",
    "usage_rows",
    "worst_calendar_fade",
    "write_history",
]
