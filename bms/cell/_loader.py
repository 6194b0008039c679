"""Find and load chemistry files: the registry of shipped files and the JSON loader.

ASIL: QM(D) (estimation channel). Requirements: SWR_CELL_001.

Shipped chemistry files live in ``bms/cell/chemistries/<NAME>.json``; the
registry name is the file stem. :func:`load_chemistry` takes a registry name
or a path; an unknown name lists the shipped ones (as PyBaMM does for its
parameter sets) and a bad file raises :class:`~bms.errors.ConfigError` with one
problem per field, each naming the file, the field and, where it can be found,
the line.
"""

import difflib
import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bms.cell._chemistry import Chemistry
from bms.errors import ConfigError, ConfigProblem

__all__ = ["chemistry_names", "chemistry_path", "load_chemistry", "parse_chemistry"]

_SUFFIX = ".json"
_BLAMED_FIELD = re.compile(r"^([a-z_][a-z0-9_]*)(?:[=:\[ ])")
_KEY_LINE = re.compile(r'^\s*"([A-Za-z0-9_]+)"\s*:')


def _shipped_folder() -> Path:
    """Folder of the shipped chemistry files inside the installed package."""
    return Path(str(resources.files("bms.cell").joinpath("chemistries")))


def chemistry_names() -> tuple[str, ...]:
    """Registry names of the shipped chemistry files, sorted."""
    folder = _shipped_folder()
    if not folder.is_dir():
        return ()
    return tuple(sorted(path.stem for path in folder.glob(f"*{_SUFFIX}")))


def chemistry_path(name: str) -> Path:
    """Path of the shipped chemistry file registered as ``name``.

    Raises:
        ConfigError: if no shipped file has that name; the message lists the
            shipped names and the closest matches.
    """
    names = chemistry_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        shipped = ", ".join(names) if names else "none are shipped yet"
        raise ConfigError(
            name,
            [ConfigProblem("name", f"unknown chemistry {name!r}{hint} (shipped: {shipped})")],
        )
    return _shipped_folder() / f"{name}{_SUFFIX}"


def load_chemistry(name_or_path: str | Path) -> Chemistry:
    """Load a chemistry file by registry name or by path.

    A :class:`~pathlib.Path`, or a string that ends in ``.json`` or contains a
    path separator, is read as a file; any other string is a registry name.

    Implements: SWR_CELL_001

    Raises:
        ConfigError: unknown name, unreadable file, invalid JSON, or a field
            that breaks the contract (one problem per field, with file and line).
    """
    text_form = str(name_or_path)
    is_path = (
        isinstance(name_or_path, Path)
        or text_form.endswith(_SUFFIX)
        or "/" in text_form
        or "\\" in text_form
    )
    path = Path(name_or_path) if is_path else chemistry_path(text_form)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:  # a binary file is not JSON text either
        raise ConfigError(path, [ConfigProblem("<file>", f"cannot be read: {error}")]) from None
    chemistry = parse_chemistry(text, path)
    if not is_path and chemistry.name != text_form:
        raise ConfigError(
            path,
            [
                ConfigProblem(
                    "name",
                    f"name={chemistry.name!r} must equal the file stem {text_form!r} "
                    "of a shipped chemistry file",
                    _field_lines(text).get("name"),
                )
            ],
        )
    return chemistry


def parse_chemistry(text: str, source: Path | str = "<string>") -> Chemistry:
    """Validate chemistry JSON text; ``source`` names it in messages.

    Raises:
        ConfigError: invalid JSON or a field that breaks the contract.
    """
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            source, [ConfigProblem("<syntax>", f"invalid JSON: {error.msg}", error.lineno)]
        ) from None
    try:
        return Chemistry.model_validate_json(text)
    except ValidationError as error:
        lines = _field_lines(text)
        problems = [
            problem
            for detail in error.errors(include_url=False)
            for problem in _problems(detail, lines)
        ]
        problems.sort(key=lambda problem: problem.line or 0)
        raise ConfigError(source, problems) from None


def _problems(detail: ErrorDetails, lines: Mapping[str, int]) -> list[ConfigProblem]:
    """One pydantic error as problems naming the field (cross-field rules name theirs)."""
    loc = [str(part) for part in detail["loc"]]
    kind = detail["type"]
    if kind == "value_error":
        message = str(detail["msg"]).removeprefix("Value error, ")
        problems = []
        for part in message.split("; "):
            blamed = _BLAMED_FIELD.match(part)
            field = ".".join([*loc, blamed.group(1)]) if blamed else ".".join(loc)
            top = field.split(".")[0]
            problems.append(ConfigProblem(field or "<top level>", part, lines.get(top)))
        return problems
    if kind == "missing":
        message = "is required but missing"
    elif kind == "extra_forbidden":
        valid = ", ".join(sorted(Chemistry.model_fields))
        message = f"is not a known field (top-level fields: {valid})"
    else:
        message = f"{detail['msg']} (got {detail['input']!r})"
    field = ".".join(loc) or "<top level>"
    return [ConfigProblem(field, message, lines.get(loc[0]) if loc else None)]


def _field_lines(text: str) -> dict[str, int]:
    """Line of the first occurrence of each quoted key, to point a person at it."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        key = _KEY_LINE.match(line)
        if key:
            lines.setdefault(key.group(1), number)
    return lines
