"""Load a pack configuration file (TOML) into :class:`BmsConfig`.

ASIL: D. A bad file must give one clear message per problem, naming the
file, the line and the field, and never a traceback: the person fixing it is
a calibration engineer, not a Python developer.
"""

import difflib
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bms.config._bms import BmsConfig
from bms.errors import ConfigError, ConfigProblem

__all__ = [
    "DEFAULT_PACK_NAME",
    "default_pack_path",
    "load_config",
    "pack_file",
    "parse_config",
    "shipped_pack_path",
]

DEFAULT_PACK_NAME = "nmc_96s.toml"
"""File name of the shipped default pack (96 series NMC), used when no file is given."""

_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_TOML_ERROR_LINE = re.compile(r"at line (\d+)")
_BLAMED_FIELD = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)(?:=|:)")
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_.\"-]+)\s*=")


def default_pack_path() -> Path:
    """Path of the shipped default pack file inside the installed package."""
    return Path(str(resources.files("bms.config").joinpath(DEFAULT_PACK_NAME)))


def shipped_pack_path(name: str) -> Path | None:
    """Path of a pack file shipped with the package by its name (``lfp_96s``), or None."""
    if not name.isidentifier():  # a bare name, never a path
        return None
    path = Path(str(resources.files("bms.config").joinpath(f"{name}.toml")))
    return path if path.is_file() else None


def pack_file(name_or_path: str) -> Path:
    """A pack file by a shipped pack's name (``nmc_96s``, ``lfp_96s``) or by its path.

    As :func:`bms.cell.load_chemistry` takes a chemistry's: a bare name that is not a
    shipped pack is read as a path, whose loading then says it cannot be read.
    """
    return shipped_pack_path(name_or_path) or Path(name_or_path)


def load_config(path: Path | None = None) -> BmsConfig:
    """Read and validate a pack configuration file.

    Args:
        path: the TOML file; the shipped default pack when ``None``.

    Returns:
        The validated, frozen configuration.

    Raises:
        ConfigError: listing every problem, each with file, line and field.
    """
    source = path if path is not None else default_pack_path()
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:  # a binary file is not TOML text either
        raise ConfigError(source, [ConfigProblem("<file>", f"cannot be read: {error}")]) from None
    return parse_config(text, source)


def parse_config(text: str, source: Path | str = "<string>") -> BmsConfig:
    """Validate configuration TOML text; ``source`` names it in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at_line = _TOML_ERROR_LINE.search(str(error))
        line = int(at_line.group(1)) if at_line else None
        raise ConfigError(
            source, [ConfigProblem("<syntax>", f"invalid TOML: {error}", line)]
        ) from None
    try:
        return BmsConfig.model_validate(_arrays_as_tuples(data))
    except ValidationError as error:
        lines = _field_lines(text)
        problems = [
            problem
            for detail in error.errors(include_url=False)
            for problem in _problems(detail, lines)
        ]
        problems.sort(key=lambda problem: problem.line or 0)
        raise ConfigError(source, problems) from None


def _arrays_as_tuples(data: dict[str, Any]) -> dict[str, Any]:
    """TOML arrays become tuples: the models are frozen, so sequences are tuples.

    Iterative rather than recursive (the BMS language subset forbids
    recursion): every container slot is listed parents-first, then lists are
    frozen children-first, so each list holds tuples before it is frozen.
    """
    root: dict[str, Any] = {"": data}
    slots: list[tuple[Any, Any]] = []
    pending: list[tuple[Any, Any]] = [(root, "")]
    while pending:  # loop-bound: one pass per value of the parsed TOML document
        parent, key = pending.pop()
        slots.append((parent, key))
        value = parent[key]
        if isinstance(value, dict):
            pending.extend((value, child) for child in value)
        elif isinstance(value, list):
            pending.extend((value, index) for index in range(len(value)))
    for parent, key in reversed(slots):
        if isinstance(parent[key], list):
            parent[key] = tuple(parent[key])
    result: dict[str, Any] = root[""]
    return result


def _problems(detail: ErrorDetails, lines: Mapping[tuple[str, ...], int]) -> list[ConfigProblem]:
    """Turn one pydantic error into messages in the project's style.

    A cross-field rule reports at the model that holds the fields; its
    message starts with the field it blames (``over_fault_v=4.35 must be...``),
    so the problem is moved to that field and its line. A rule that found
    several problems joined them with ``"; "``; each becomes its own.
    """
    loc = tuple(str(part) for part in detail["loc"])
    kind = detail["type"]
    if kind == "value_error":
        message = str(detail["msg"]).removeprefix("Value error, ")
        problems = []
        for part in message.split("; "):
            blamed = _BLAMED_FIELD.match(part)
            field_loc = loc + tuple(blamed.group(1).split(".")) if blamed else loc
            problems.append(
                ConfigProblem(_dotted(field_loc), part, _nearest_line(field_loc, lines))
            )
        return problems
    if kind == "missing":
        message = "is required but missing"
    elif kind == "extra_forbidden":
        message = _unknown_field_message(loc)
    else:
        message = f"{detail['msg']} (got {detail['input']!r})"
    return [ConfigProblem(_dotted(loc), message, _nearest_line(loc, lines))]


def _dotted(loc: tuple[str, ...]) -> str:
    return ".".join(loc) or "<top level>"


def _unknown_field_message(loc: tuple[str, ...]) -> str:
    """Name the unknown key and the closest valid ones, as PyBaMM does for its options."""
    valid = sorted(_model_at(loc[:-1]).model_fields)
    close = difflib.get_close_matches(loc[-1], valid, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"valid fields: {', '.join(valid)}"
    return f"is not a known field; {hint}"


def _model_at(loc: tuple[str, ...]) -> type[BaseModel]:
    """The model class that holds the field at ``loc`` (tuple indices are skipped)."""
    model: type[BaseModel] = BmsConfig
    for part in loc:
        if part.isdigit() or part not in model.model_fields:
            continue
        annotation: Any = model.model_fields[part].annotation
        candidates = getattr(annotation, "__args__", None) or (annotation,)
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if nested:
            model = nested[0]
    return model


def _field_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each table and key path of a TOML text to the line that defines it.

    A small scanner, not a TOML parser: it only needs to point a person at a
    line. Arrays of tables are numbered as pydantic numbers them.
    """
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    array_counts: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE_HEADER.match(line)
        if header:
            table = tuple(part.strip().strip('"') for part in header.group(1).split("."))
            if line.lstrip().startswith("[["):
                index = array_counts.get(table, 0)
                array_counts[table] = index + 1
                table = (*table, str(index))
            lines.setdefault(table, number)
            continue
        key = _KEY_LINE.match(line)
        if key:
            path = table + tuple(part.strip('"') for part in key.group(1).split("."))
            lines.setdefault(path, number)
    return lines


def _nearest_line(loc: tuple[str, ...], lines: Mapping[tuple[str, ...], int]) -> int | None:
    """The line of ``loc``, or of its closest enclosing table present in the file."""
    for length in range(len(loc), 0, -1):
        if loc[:length] in lines:
            return lines[loc[:length]]
    return None
