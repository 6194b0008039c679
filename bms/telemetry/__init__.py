"""Open telemetry: a versioned, documented record of what the BMS logs and reports.

ASIL: D (SWR_TEL_001 to SWR_TEL_003 are ASIL D: they serve TSR_FAULT_MEMORY; the
control path never reads telemetry). Requirements:
SWR_TEL_* (``requirements/swr/telemetry.rst``).

    from bms.telemetry import TelemetryRecorder, read_telemetry, telemetry_json_schema
    recorder = TelemetryRecorder(period_ms=1000)
    records = recorder.observe(inputs, outputs)          # after each controller step
    records = read_telemetry(Path("run.telemetry.jsonl"))  # TelemetryError on another version

``bms schema telemetry`` prints the JSON Schema; ``bms replay ... --telemetry
OUT.jsonl`` writes the records of a replay.
"""

from bms.telemetry._from_outputs import CellEstimates, TelemetryRecorder, TelemetryTap
from bms.telemetry._model import (
    TELEMETRY_SCHEMA_VERSION,
    Bounded,
    CellRange,
    Counters,
    Limits,
    LoggedFault,
    PeriodicRecord,
    SessionRecord,
    telemetry_json_schema,
)
from bms.telemetry._reader import (
    READABLE_VERSIONS,
    TelemetryError,
    read_telemetry,
    write_telemetry,
)

__all__ = [
    "READABLE_VERSIONS",
    "TELEMETRY_SCHEMA_VERSION",
    "Bounded",
    "CellEstimates",
    "CellRange",
    "Counters",
    "Limits",
    "LoggedFault",
    "PeriodicRecord",
    "SessionRecord",
    "TelemetryError",
    "TelemetryRecorder",
    "TelemetryTap",
    "read_telemetry",
    "telemetry_json_schema",
    "write_telemetry",
]
