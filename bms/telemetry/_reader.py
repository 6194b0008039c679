"""Read and write telemetry files (JSON lines), rejecting another schema version clearly.

ASIL: D (SWR_TEL_001 and SWR_TEL_002 are ASIL D: they serve TSR_FAULT_MEMORY).
Requirements: SWR_TEL_001 (writing), SWR_TEL_002 (reading).

A line of an earlier version (1 or 2) is read as the current one (3) with
the fields its version lacked set to ``null`` (not recorded;
:data:`READABLE_VERSIONS`). A line of any
other ``schema_version`` is rejected before its other fields are read, with
a message naming the file, the line, the field and the versions read; a
line that does not follow the schema is rejected naming the file, the line
and the first bad field.
"""

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any, Final

from pydantic import ValidationError

from bms.errors import BmsError
from bms.telemetry._model import (
    RECORD_ADAPTER,
    TELEMETRY_SCHEMA_VERSION,
    PeriodicRecord,
    SessionRecord,
)

__all__ = ["READABLE_VERSIONS", "TelemetryError", "read_telemetry", "write_telemetry"]

READABLE_VERSIONS: Final = (1, 2, TELEMETRY_SCHEMA_VERSION)
"""Schema versions the reader reads: the current one, and the earlier ones (upgraded as read)."""

_ADDED: Final = MappingProxyType(
    {
        2: MappingProxyType(
            {
                "periodic": ("soc_started_from", "limits.charge_limited_by"),
                "session": ("plating_limited_s",),
            }
        ),
        3: MappingProxyType({"periodic": ("state_of_health",)}),
    }
)
"""Fields each version added, by record kind (``parent.name``: inside a nested object)."""

_MAX_PROBLEMS = 20
"""Problems listed at most (a file of another version would otherwise list every line)."""


class TelemetryError(BmsError, ValueError):
    """A telemetry file cannot be read; names the file, and each bad line and field."""

    def __init__(self, source: Path | str, problems: Sequence[tuple[int, str, str]]) -> None:
        self.source = str(source)
        """The file being read."""
        self.problems = tuple(problems)
        """``(line, field, message)`` of each problem, in file order (line 0: the whole file)."""
        super().__init__(
            "\n".join(
                f"{self.source}{f':{line}' if line else ''}: {field}: {text}"
                for line, field, text in problems
            )
        )


def _problem(number: int, text: str) -> tuple[int, str, str] | PeriodicRecord | SessionRecord:
    """The record on one line, or ``(line, field, message)`` of what is wrong with it."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        return (number, "<line>", f"not JSON: {error.msg} at column {error.colno}")
    if not isinstance(raw, dict):
        return (number, "<line>", f"expected a JSON object, got {type(raw).__name__}")
    version = raw.get("schema_version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        found = "missing" if "schema_version" not in raw else f"{version!r}"
        *earlier, last = (str(v) for v in READABLE_VERSIONS)
        readable = f"{', '.join(earlier)} and {last}"
        return (
            number,
            "schema_version",
            f"{found} is not supported: this reader reads schema versions {readable} "
            "(read it with the BMS release that wrote it)",
        )
    if version != TELEMETRY_SCHEMA_VERSION:
        upgraded = _upgraded(raw, version)
        if isinstance(upgraded, str):
            return (number, upgraded, f"not a field of schema version {version}")
        text = json.dumps(upgraded)
    try:
        return RECORD_ADAPTER.validate_json(text)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "<record>"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        return (number, where, f"{first['msg']}{more}")


def _upgraded(raw: dict[str, Any], version: int) -> dict[str, Any] | str:
    """An earlier version's record as the current one, the fields added since null.

    Or the added field it already has (``parent.name``), which its version did not know.
    """
    record = {**raw, "schema_version": TELEMETRY_SCHEMA_VERSION}
    kind = str(raw.get("kind"))
    for later in range(version + 1, TELEMETRY_SCHEMA_VERSION + 1):
        for dotted in _ADDED[later].get(kind, ()):
            parent, _, name = dotted.rpartition(".")
            holder = record
            if parent:  # one level down; copied, so that raw stays as read
                nested = record.get(parent)
                if not isinstance(nested, dict):
                    continue  # malformed: the schema check names it
                holder = record[parent] = dict(nested)
            if name in holder:
                return dotted
            holder[name] = None
    return record


def read_telemetry(path: Path) -> tuple[PeriodicRecord | SessionRecord, ...]:
    """Every record of a telemetry file, in order; blank lines are skipped.

    Implements: SWR_TEL_002

    Raises:
        TelemetryError: the file cannot be read, or a line is not JSON, is of
            a schema version it does not read or does not follow the schema
            (up to 20 problems, each with its line and field).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise TelemetryError(path, [(0, "<file>", str(error))]) from None
    records: list[PeriodicRecord | SessionRecord] = []
    problems: list[tuple[int, str, str]] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        result = _problem(number, text)
        if isinstance(result, tuple):
            problems.append(result)
            if len(problems) >= _MAX_PROBLEMS:
                break
        else:
            records.append(result)
    if problems:
        raise TelemetryError(path, problems)
    return tuple(records)


def write_telemetry(sink: IO[str], records: Iterable[PeriodicRecord | SessionRecord]) -> int:
    """Write each record as one JSON line; returns how many were written.

    Implements: SWR_TEL_001
    """
    count = 0
    for record in records:
        sink.write(record.model_dump_json() + "\n")
        count += 1
    return count
