"""Run mypy, ruff and a complexity check over a project's code; findings per file.

Layer 4 (producers). Each tool runs once over all the code (a run per
module would repeat the import analysis for each) and its findings are
split per file, so that each module gets its own evidence record. Tools run
in subprocesses of the current interpreter (``python -m mypy``,
``python -m ruff``), so the versions recorded are those that ran.
"""

import importlib.metadata
import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

__all__ = ["DEFAULT_COMPLEXITY_LIMIT", "ToolRun", "run_complexity", "run_mypy", "run_ruff"]

DEFAULT_COMPLEXITY_LIMIT: Final = 10
"""McCabe cyclomatic complexity above which a function fails the check (a common limit,
as in ruff's and the project's configuration)."""

_MYPY_LINE = re.compile(r"^(?P<path>[^:\n]+\.py):(?P<line>\d+):(?:\d+:)? error: (?P<msg>.*)$")
_COMPLEXITY = re.compile(r"^`(?P<name>[^`]+)` is too complex \((?P<value>\d+) > \d+\)$")


@dataclass(frozen=True)
class ToolRun:
    """One tool's findings, per file relative to the project root."""

    name: str
    """Tool name (its distribution name)."""
    version: str
    """Installed version."""
    command: tuple[str, ...]
    """The command that ran."""
    findings: dict[str, list[str]] = field(default_factory=dict)
    """``file -> ["line: message", ...]``; a file absent here had no finding."""
    measures: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per file, figures beyond the findings (such as each function's complexity)."""


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _relative(path: str, root: Path) -> str:
    candidate = Path(path)
    absolute = candidate if candidate.is_absolute() else root / candidate
    try:
        return absolute.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return candidate.as_posix()


def _run(command: Sequence[str], root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), cwd=root, capture_output=True, text=True, check=False)


def run_mypy(paths: Sequence[Path], root: Path) -> ToolRun:
    """``mypy --strict`` over ``paths`` with the project's own configuration file.

    Raises:
        RuntimeError: if mypy crashed instead of reporting (exit code 2).
    """
    command = (
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-error-summary",
        "--show-error-codes",
        "--no-color-output",
        "--no-pretty",
        *(str(p) for p in paths),
    )
    result = _run(command, root)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"mypy failed (exit {result.returncode}):\n{result.stderr.strip()}")
    findings: dict[str, list[str]] = defaultdict(list)
    for line in result.stdout.splitlines():
        match = _MYPY_LINE.match(line)
        if match:
            relative = _relative(match["path"], root)
            findings[relative].append(f"{match['line']}: {match['msg']}")
    return ToolRun("mypy", _version("mypy"), command, dict(findings))


def _ruff_json(command: Sequence[str], root: Path) -> list[dict[str, object]]:
    result = _run(command, root)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"ruff failed (exit {result.returncode}):\n{result.stderr.strip()}")
    data: list[dict[str, object]] = json.loads(result.stdout or "[]")
    return data


def _row(item: dict[str, object]) -> int:
    location = item.get("location")
    row = location.get("row") if isinstance(location, dict) else None
    return row if isinstance(row, int) else 0


def run_ruff(paths: Sequence[Path], root: Path) -> ToolRun:
    """``ruff check`` over ``paths`` with the project's own configuration."""
    command = (
        sys.executable,
        "-m",
        "ruff",
        "check",
        "--no-cache",
        "--output-format",
        "json",
        *(str(p) for p in paths),
    )
    findings: dict[str, list[str]] = defaultdict(list)
    for item in _ruff_json(command, root):
        relative = _relative(str(item["filename"]), root)
        findings[relative].append(f"{_row(item)}: {item['code']} {item['message']}")
    return ToolRun("ruff", _version("ruff"), command, dict(findings))


def run_complexity(
    paths: Sequence[Path], root: Path, limit: int = DEFAULT_COMPLEXITY_LIMIT
) -> ToolRun:
    """McCabe complexity of every function (ruff's C901 with a limit of 0 reports them all).

    A function above ``limit`` is a finding; ``measures`` holds each file's
    ``max_complexity`` and ``functions``.
    """
    command = (
        sys.executable,
        "-m",
        "ruff",
        "check",
        "--isolated",
        "--no-cache",
        "--select",
        "C901",
        "--config",
        "lint.mccabe.max-complexity = 0",
        "--output-format",
        "json",
        *(str(p) for p in paths),
    )
    findings: dict[str, list[str]] = defaultdict(list)
    measures: dict[str, dict[str, int]] = defaultdict(lambda: {"max_complexity": 0, "functions": 0})
    for item in _ruff_json(command, root):
        match = _COMPLEXITY.match(str(item["message"]))
        if match is None:
            continue
        relative = _relative(str(item["filename"]), root)
        value = int(match["value"])
        figures = measures[relative]
        figures["functions"] += 1
        figures["max_complexity"] = max(figures["max_complexity"], value)
        if value > limit:
            findings[relative].append(
                f"{_row(item)}: {match['name']} has complexity {value} > {limit}"
            )
    return ToolRun(
        f"ruff-mccabe(limit={limit})", _version("ruff"), command, dict(findings), dict(measures)
    )
