"""Usage history files for the prognosis: the format, its pydantic model and a parser.

ASIL: QM(D) (prognosis input; never in the protection path). Requirements: SWR_AGE_004.

A usage history is CSV (or JSON) with one row per period of use, in time
order and without gaps (each row starts where the previous one ended):

=====================  ========  ===============================================
column                 required  meaning
=====================  ========  ===============================================
start_s, end_s         yes       period start and end, seconds since beginning of life
temperature_degc       yes       mean cell temperature
soc_mean_pct           yes       mean state of charge
dod_pct                yes       depth of discharge (max - min SoC) within the period
efc                    yes       equivalent full cycles (throughput / nominal capacity)
c_rate                 yes       mean absolute C-rate while current flows (0 at rest)
capacity_pct           no        measured capacity at ``end_s``, % of nominal
capacity_sigma_pct     with it   its 1-sigma uncertainty, percentage points
resistance_pct         no        measured resistance at ``end_s``, % of initial
resistance_sigma_pct   with it   its 1-sigma uncertainty, percentage points
=====================  ========  ===============================================

An empty cell leaves an optional value out. JSON is either a list of row
objects with these keys or ``{"rows": [...]}``. A bad file raises
:class:`~bms.errors.ConfigError` naming the file, the line (CSV) or row
index (JSON) and the field: an unknown column, a missing value, a value
that is not a finite number (NaN, inf), a time that does not increase, a
gap or overlap between rows, a measurement without its sigma. Parsing uses
the standard library's ``csv`` and ``json`` and pydantic.
"""

import csv
import io
import json
import math
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bms.aging._model import PatternRow
from bms.errors import ConfigError, ConfigProblem

__all__ = [
    "GAP_TOLERANCE_S",
    "HISTORY_COLUMNS",
    "HistoryRow",
    "UsageHistory",
    "load_history",
    "parse_history",
    "write_history",
]

REQUIRED = ("start_s", "end_s", "temperature_degc", "soc_mean_pct", "dod_pct", "efc", "c_rate")
OPTIONAL = ("capacity_pct", "capacity_sigma_pct", "resistance_pct", "resistance_sigma_pct")
HISTORY_COLUMNS = REQUIRED + OPTIONAL
"""Every column a history may have, required ones first."""
_PAIRS = (("capacity_pct", "capacity_sigma_pct"), ("resistance_pct", "resistance_sigma_pct"))
GAP_TOLERANCE_S = 1.0
"""How far a row's start may be from the previous row's end before it is a gap."""


class HistoryRow(BaseModel):
    """One period of a usage history, with optional measurements at its end."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True
    )

    start_s: float = Field(ge=0.0)
    """Start of the period, seconds since beginning of life."""
    end_s: float = Field(ge=0.0)
    """End of the period; > ``start_s``."""
    temperature_degc: float = Field(ge=-40.0, le=80.0)
    """Mean cell temperature."""
    soc_mean_pct: float = Field(ge=0.0, le=100.0)
    """Mean state of charge."""
    dod_pct: float = Field(ge=0.0, le=100.0)
    """Depth of discharge within the period."""
    efc: float = Field(ge=0.0, le=1000.0)
    """Equivalent full cycles in the period."""
    c_rate: float = Field(ge=0.0, le=20.0)
    """Mean absolute C-rate while current flows."""
    capacity_pct: float | None = Field(default=None, gt=0.0, le=150.0)
    """Measured capacity at ``end_s``, % of nominal."""
    capacity_sigma_pct: float | None = Field(default=None, gt=0.0, le=50.0)
    """1-sigma uncertainty of ``capacity_pct``."""
    resistance_pct: float | None = Field(default=None, gt=0.0, le=1000.0)
    """Measured resistance at ``end_s``, % of initial."""
    resistance_sigma_pct: float | None = Field(default=None, gt=0.0, le=500.0)
    """1-sigma uncertainty of ``resistance_pct``."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.end_s > self.start_s:
            raise ValueError(f"end_s={self.end_s:g} must be > start_s={self.start_s:g}")
        if (self.capacity_pct is None) != (self.capacity_sigma_pct is None):
            raise ValueError("capacity_pct and capacity_sigma_pct go together")
        if (self.resistance_pct is None) != (self.resistance_sigma_pct is None):
            raise ValueError("resistance_pct and resistance_sigma_pct go together")
        return self

    def usage(self) -> PatternRow:
        """The period as the aging model reads it."""
        return PatternRow(
            duration_s=self.end_s - self.start_s,
            temperature_degc=self.temperature_degc,
            soc_mean_pct=self.soc_mean_pct,
            dod_pct=self.dod_pct,
            efc=self.efc,
            c_rate=self.c_rate,
        )


class UsageHistory(BaseModel):
    """A whole usage history: rows in time order, without gaps, from 0 s."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    rows: tuple[HistoryRow, ...] = Field(min_length=1)
    """The periods, in time order."""

    @model_validator(mode="after")
    def _contiguous(self) -> Self:
        problem = _sequence_problem(self.rows)
        if problem is not None:
            raise ValueError(f"rows[{problem[0]}]: {problem[2]}")
        return self


def _sequence_problem(rows: tuple[HistoryRow, ...]) -> tuple[int, str, str] | None:
    """(index, field, message) of the first time-order problem, or None."""
    previous_end = 0.0
    for index, row in enumerate(rows):
        if index > 0 and not row.start_s > rows[index - 1].start_s:
            return (
                index,
                "start_s",
                (
                    f"{row.start_s:g} must be > the previous start {rows[index - 1].start_s:g} "
                    "(time must increase)"
                ),
            )
        if abs(row.start_s - previous_end) > GAP_TOLERANCE_S:
            kind = "a gap" if row.start_s > previous_end else "an overlap"
            return (
                index,
                "start_s",
                (
                    f"{row.start_s:g} leaves {kind} after the previous end {previous_end:g} "
                    f"(rows must be contiguous within {GAP_TOLERANCE_S:g} s, the first from 0)"
                ),
            )
        previous_end = row.end_s
    return None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _row_values(
    raw: dict[str, Any], source: str | Path, line: int | None, where: str
) -> dict[str, float]:
    """Known names, finite numbers, required values present: the row's floats."""
    known = ", ".join(HISTORY_COLUMNS)
    for name, value in raw.items():
        if name not in HISTORY_COLUMNS:
            message = f"unknown column (known: {known})"
            raise ConfigError(source, [ConfigProblem(f"{where}{name}", message, line)])
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            message = f"{value!r} is not a finite number"
            raise ConfigError(source, [ConfigProblem(f"{where}{name}", message, line)])
    for name in REQUIRED:
        if raw.get(name) is None:
            raise ConfigError(source, [ConfigProblem(f"{where}{name}", "value missing", line)])
    return {k: float(v) for k, v in raw.items() if v is not None}


def _validate_row(
    raw: dict[str, Any], source: str | Path, line: int | None, where: str
) -> HistoryRow:
    values = _row_values(raw, source, line, where)
    if not values["end_s"] > values["start_s"]:
        message = f"{values['end_s']:g} must be > start_s={values['start_s']:g}"
        raise ConfigError(source, [ConfigProblem(f"{where}end_s", message, line)])
    for value, sigma in _PAIRS:
        if (value in values) != (sigma in values):
            message = f"{value} and {sigma} go together (a measurement needs its sigma)"
            raise ConfigError(source, [ConfigProblem(f"{where}{sigma}", message, line)])
    try:
        return HistoryRow.model_validate(values)
    except ValidationError as error:
        item = error.errors()[0]
        field = ".".join(str(p) for p in item["loc"]) or "<row>"
        message = item["msg"].removeprefix("Value error, ")
        raise ConfigError(source, [ConfigProblem(f"{where}{field}", message, line)]) from None


def _check_header(header: list[str], source: str | Path) -> None:
    for name in header:
        if name not in HISTORY_COLUMNS:
            known = ", ".join(HISTORY_COLUMNS)
            raise ConfigError(
                source, [ConfigProblem(name or "<empty>", f"unknown column (known: {known})", 1)]
            )
    for name in REQUIRED:
        if name not in header:
            raise ConfigError(source, [ConfigProblem(name, "required column missing", 1)])


def _csv_rows(text: str, source: str | Path) -> tuple[list[HistoryRow], list[int]]:
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise ConfigError(source, [ConfigProblem("<header>", "empty file", 1)])
    header = [cell.strip() for cell in rows[0]]
    _check_header(header, source)
    parsed: list[HistoryRow] = []
    lines: list[int] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ConfigError(
                source,
                [ConfigProblem("<row>", f"expected {len(header)} columns, got {len(row)}", number)],
            )
        raw: dict[str, Any] = {
            name: (None if not cell.strip() else _number(cell.strip()))
            for name, cell in zip(header, row, strict=True)
        }
        for name, cell in zip(header, row, strict=True):
            value = raw[name]
            if value is not None and not math.isfinite(value):
                raise ConfigError(
                    source,
                    [ConfigProblem(name, f"{cell.strip()!r} is not a finite number", number)],
                )
        parsed.append(_validate_row(raw, source, number, ""))
        lines.append(number)
    return parsed, lines


def _json_rows(text: str, source: str | Path) -> tuple[list[HistoryRow], list[int | None]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            source, [ConfigProblem("<file>", f"not JSON: {error.msg}", error.lineno)]
        ) from None
    if isinstance(document, dict) and set(document) == {"rows"}:
        document = document["rows"]
    if not isinstance(document, list):
        raise ConfigError(
            source, [ConfigProblem("<root>", "expected a list of rows or {'rows': [...]}")]
        )
    parsed: list[HistoryRow] = []
    for index, raw in enumerate(document):
        if not isinstance(raw, dict):
            raise ConfigError(source, [ConfigProblem(f"rows[{index}]", "expected an object")])
        parsed.append(_validate_row(raw, source, None, f"rows[{index}]."))
    return parsed, [None] * len(parsed)


def parse_history(text: str, source: str | Path, kind: str = "csv") -> UsageHistory:
    """Parse a usage history (``kind``: ``csv`` or ``json``).

    Implements: SWR_AGE_004

    Raises:
        ConfigError: naming the file, the line (CSV) or row (JSON) and the field.
    """
    parsed, lines = _json_rows(text, source) if kind == "json" else _csv_rows(text, source)
    if not parsed:
        raise ConfigError(source, [ConfigProblem("<rows>", "no rows")])
    rows = tuple(parsed)
    problem = _sequence_problem(rows)
    if problem is not None:
        index, field, message = problem
        where = field if kind != "json" else f"rows[{index}].{field}"
        raise ConfigError(source, [ConfigProblem(where, message, lines[index])])
    return UsageHistory(rows=rows)


def load_history(path: Path) -> UsageHistory:
    """Read a usage history file (``.json`` is JSON, anything else CSV).

    Implements: SWR_AGE_004

    Raises:
        ConfigError: unreadable file or a bad row (file, line, field).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, [ConfigProblem("<file>", f"cannot be read: {error}")]) from None
    return parse_history(text, path, "json" if path.suffix.lower() == ".json" else "csv")


def _history_csv(history: UsageHistory) -> str:
    """The history as CSV, every column named (an empty cell: no measurement).

    Implements: SWR_AGE_005
    """
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for row in history.rows:
        values = row.model_dump()
        writer.writerow(
            ["" if values[name] is None else repr(values[name]) for name in HISTORY_COLUMNS]
        )
    return text.getvalue()


def write_history(path: Path, history: UsageHistory) -> None:
    """Write the history to ``path`` as CSV, whole or not at all (a temporary file renamed).

    Implements: SWR_AGE_005

    Raises:
        OSError: if the file cannot be written.
    """
    partial = path.with_name(path.name + ".partial")
    partial.write_text(_history_csv(history), encoding="utf-8")
    partial.replace(path)
