"""Export and read the project's requirements through sphinx-needs.

Layer 2 (sources). sphinx-needs is the single reader of the ``.rst``
sources: the toolkit asks its ``needs`` builder for ``needs.json`` instead of
parsing reStructuredText itself. The build runs in the calling process
(:mod:`safety_case._needs_build`) on Sphinx's persistent environment, so a
re-export after an edit re-reads and re-validates only what the edit can
affect.
"""

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safety_case.errors import NeedsBuildError

__all__ = ["SCHEMA_REPORT", "WARNINGS_FILE", "export_needs", "load_needs"]

WARNINGS_FILE = "warnings.txt"
"""File in the output folder where the build writes its warnings (with file and line)."""
SCHEMA_REPORT = "schema_violations.json"
"""File in the output folder where sphinx-needs writes its schema validation results."""


def export_needs(source_dir: Path, out_dir: Path, dependencies: Sequence[Path] = ()) -> Path:
    """Run the sphinx-needs ``needs`` builder on ``source_dir``; return ``needs.json``.

    The sources need no ``conf.py``: the build uses this toolkit's Sphinx
    extension alone, exactly as every project that adopts it would. It runs
    in this process (:func:`safety_case._needs_build.build`). The doctrees
    and Sphinx's environment stay in ``out_dir`` so that the next export
    re-reads only the files that changed and schema-validates only the needs
    those changes can affect, and when no source file and no part of the toolkit
    changed since the last export (same size and modification time of every
    file) the build is skipped. Warnings (broken reStructuredText, unknown
    options, duplicate ids) go to :data:`WARNINGS_FILE` and schema results to
    :data:`SCHEMA_REPORT` beside ``needs.json``; neither stops the export.

    Sphinx reports the warnings of a document only when it reads it, so the
    warnings of documents an incremental build did not re-read are carried
    over from the previous export: the file always lists them all.

    Args:
        source_dir: folder of the requirement sources.
        out_dir: folder for ``needs.json``, the doctrees and the reports.
        dependencies: files or folders the sources read besides themselves
            (the code and tests a ``safety-traces`` directive scans); they
            count for skipping the build only when a source uses that directive.

    Raises:
        NeedsBuildError: with Sphinx's own messages when the build fails.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    needs_json = out_dir / "needs.json"
    stamp_file = out_dir / _STAMP
    stamp = _stamp(source_dir, dependencies)
    if needs_json.is_file() and _read(stamp_file) == stamp:
        return needs_json
    previous = _read(out_dir / WARNINGS_FILE)
    stamp_file.unlink(missing_ok=True)
    from safety_case._needs_build import build  # noqa: PLC0415 (imports Sphinx)

    try:
        read, warnings = build(source_dir, out_dir)
    except Exception as error:  # any Sphinx failure is reported, with its message
        raise NeedsBuildError(
            f"exporting requirements from {source_dir} failed:\n{type(error).__name__}: {error}"
        ) from error
    if not needs_json.is_file():
        raise NeedsBuildError(f"exporting requirements from {source_dir} wrote no needs.json")
    reread = {source_dir.resolve() / name for name in read}
    merged = _merge_warnings(previous, _ANSI.sub("", warnings), reread)
    (out_dir / WARNINGS_FILE).write_text(merged, encoding="utf-8")
    stamp_file.write_text(stamp, encoding="utf-8")
    return needs_json


_STAMP = "sources.stamp"
_TRACES_DIRECTIVE = ".. safety-traces::"
_CARRIED = ("[docutils]", "[needs.directive]", "[needs.create_need]")
"""Warnings of the read phase, which Sphinx repeats only for the documents it re-reads."""
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LOCATED = re.compile(r"^(?P<file>/.+?):\d*:? ?(?:WARNING|ERROR|CRITICAL|SEVERE): ")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _stamp(source_dir: Path, dependencies: Sequence[Path]) -> str:
    """Size and modification time of every source and toolkit file, and the tool versions."""
    from importlib.metadata import version  # noqa: PLC0415

    toolkit = Path(__file__).parent
    files = sorted(p for p in source_dir.rglob("*") if p.is_file())
    if any(_TRACES_DIRECTIVE in _read(p) for p in files if p.suffix == ".rst"):
        for folder in dependencies:
            files += sorted(folder.rglob("*.py")) if folder.is_dir() else [folder]
    files += sorted(toolkit.rglob("*.py"))
    lines = [f"sphinx {version('sphinx')} sphinx-needs {version('sphinx-needs')}"]
    for path in files:
        stat = path.stat()
        lines.append(f"{path} {stat.st_size} {stat.st_mtime_ns}")
    return "\n".join(lines)


def _entries(text: str) -> list[str]:
    """Warning entries of a warnings file (an entry spans its continuation lines)."""
    entries: list[str] = []
    for line in text.splitlines():
        if re.match(r"^(?:\S.*?: )?(?:WARNING|ERROR|CRITICAL|SEVERE): ", line) or not entries:
            entries.append(line)
        else:
            entries[-1] += "\n" + line
    return entries


def _merge_warnings(previous: str, current: str, reread: set[Path]) -> str:
    """``current`` plus the located warnings of ``previous`` in files not re-read (still there)."""
    kept = []
    for entry in _entries(previous):
        match = _LOCATED.match(entry)
        if match is None:
            continue
        file = Path(match.group("file"))
        if file.resolve().with_suffix("") in reread or not file.is_file():
            continue
        if not entry.rstrip().endswith(_CARRIED):
            continue
        kept.append(entry)
    fresh = _entries(current)
    return "".join(f"{entry}\n" for entry in dict.fromkeys([*kept, *fresh]))


def load_needs(needs_json: Path) -> dict[str, dict[str, Any]]:
    """Needs of the current version in a ``needs.json`` file, by id."""
    data = json.loads(needs_json.read_text(encoding="utf-8"))
    version = data["current_version"]
    needs: dict[str, dict[str, Any]] = data["versions"][version]["needs"]
    return needs
