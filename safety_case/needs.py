"""Export and read the project's requirements through sphinx-needs.

Layer 2 (sources). sphinx-needs is the single reader of the ``.rst``
sources: the toolkit asks its ``needs`` builder for ``needs.json`` instead of
parsing reStructuredText itself. The build runs in the calling process
(:mod:`safety_case._needs_build`) on Sphinx's persistent environment, so a
re-export after an edit re-reads and re-validates only what the edit can
affect.

Two ways to ask: :func:`export_needs` for the ``needs.json`` file (other
tools, the evidence bundle), :func:`export_needs_data` for the needs
themselves (the check). The second skips serialising and parsing 10,000
needs as JSON: the builder hands its export over in memory, and it is kept
beside the environment (:data:`EXPORT_CACHE`), from which a later
:func:`export_needs` writes ``needs.json`` without running Sphinx: the file
is written lazily, when someone asks for it. :class:`NeedsSession` keeps
the Sphinx application between exports (``safety-case check --watch``); it
keeps its last export in memory and writes :data:`EXPORT_CACHE` when it
closes. The next build hands the last export to the builder, which exports
again only the needs the edit can change and re-uses the others
(:class:`safety_case._needs_delta.LinkIndex`).
"""

import gc
import json
import marshal
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safety_case.errors import NeedsBuildError

if TYPE_CHECKING:
    from safety_case._needs_build import Built, NeedsApp

__all__ = [
    "EXPORT_CACHE",
    "SCHEMA_REPORT",
    "WARNINGS_FILE",
    "NeedsSession",
    "export_needs",
    "export_needs_data",
    "load_needs",
]

EXPORT_CACHE = "needs_export.marshal"
"""File in the output folder with the content of ``needs.json``, when the file was not
written (:func:`export_needs_data`); it belongs to the same sources as ``needs.json``."""

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
    file) the build is skipped; when the last export kept its content in
    :data:`EXPORT_CACHE` instead of writing ``needs.json``, the file is
    written from it. Warnings (broken reStructuredText, unknown
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
    needs_json = out_dir / "needs.json"
    if _current(source_dir, out_dir, dependencies):
        if needs_json.is_file():
            return needs_json
        cached = _load_cache(out_dir)
        if cached is not None:
            needs_json.write_text(json.dumps(cached, sort_keys=True), encoding="utf-8")
            return needs_json
    _export(source_dir, out_dir, dependencies, None, write_json=True)
    return needs_json


def export_needs_data(
    source_dir: Path, out_dir: Path, dependencies: Sequence[Path] = ()
) -> dict[str, dict[str, Any]]:
    """:func:`export_needs`, giving the needs by id (as :func:`load_needs` reads them).

    ``needs.json`` is not written: the builder's export is taken in memory and
    kept in :data:`EXPORT_CACHE`, and a later :func:`export_needs` writes the
    file from it.
    """
    return NeedsSession(source_dir, out_dir, dependencies, keep_app=False).needs()


class NeedsSession:
    """Exports of one project in one process, the Sphinx application kept between them.

    Each :meth:`needs` is :func:`export_needs_data`; with ``keep_app`` the
    application (and its environment) stays in memory, so that an export
    after an edit costs neither Sphinx's start nor loading the environment.
    """

    def __init__(
        self,
        source_dir: Path,
        out_dir: Path,
        dependencies: Sequence[Path] = (),
        *,
        keep_app: bool = True,
    ) -> None:
        self.source_dir = source_dir
        self.out_dir = out_dir
        self.dependencies = tuple(dependencies)
        self._keep_app = keep_app
        self._app: NeedsApp | None = None
        self._needs: dict[str, dict[str, Any]] | None = None

    def needs(self) -> dict[str, dict[str, Any]]:
        """The needs by id, exported again only when a source changed since the last export.

        With ``keep_app`` the first call builds (on the persistent environment)
        even when nothing changed, so that the application is ready for the
        next change.
        """
        ready = not self._keep_app or self._app is not None
        if ready and _current(self.source_dir, self.out_dir, self.dependencies):
            if self._needs is not None:
                return self._needs
            cached = _load_cache(self.out_dir)
            if cached is not None:
                self._needs = _current_needs(cached)
                return self._needs
            needs_json = self.out_dir / "needs.json"
            if needs_json.is_file():
                self._needs = load_needs(needs_json)
                return self._needs
        if self._keep_app and self._app is None:
            from safety_case._needs_build import NeedsApp  # noqa: PLC0415 (imports Sphinx)

            self._app = NeedsApp(self.source_dir, self.out_dir, defer_save=True)
        self._needs = None
        built = _export(
            self.source_dir, self.out_dir, self.dependencies, self._app, write_json=False
        )
        if self._app is not None:
            # kept in memory until close(): a later export in this process reads it there
            _PENDING[self.out_dir.resolve()] = built.needs_list
        else:
            _write_cache(self.out_dir, built.needs_list)
        self._needs = _current_needs(built.needs_list)
        return self._needs

    def close(self) -> None:
        """Write the last export's :data:`EXPORT_CACHE`; drop the kept application."""
        pending = _PENDING.pop(self.out_dir.resolve(), None)
        if pending is not None:
            _write_cache(self.out_dir, pending)
        if self._app is not None:
            self._app.close()
        self._app = None


def _export(
    source_dir: Path,
    out_dir: Path,
    dependencies: Sequence[Path],
    app: "NeedsApp | None",
    *,
    write_json: bool,
) -> "Built":
    """Build; write the warnings, the stamp and ``needs.json`` (or return the export)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp_file = out_dir / _STAMP
    stamp = _stamp(source_dir, dependencies)
    previous = _read(out_dir / WARNINGS_FILE)
    stamp_file.unlink(missing_ok=True)
    # the last export, for the builder to re-use
    pending = _PENDING.pop(out_dir.resolve(), None)
    cache = b"" if pending is not None else _read_bytes(out_dir / EXPORT_CACHE)

    def previous_export() -> dict[str, dict[str, Any]] | None:
        content = pending if pending is not None else _unmarshal(cache)
        return None if content is None else _current_needs(content)

    for stale in (out_dir / "needs.json", out_dir / EXPORT_CACHE):
        stale.unlink(missing_ok=True)
    from safety_case._needs_build import build  # noqa: PLC0415 (imports Sphinx)

    try:
        if app is not None:
            built = app.build(write_json=write_json, previous_export=previous_export)
        else:
            built = build(
                source_dir, out_dir, write_json=write_json, previous_export=previous_export
            )
    except Exception as error:  # any Sphinx failure is reported, with its message
        raise NeedsBuildError(
            f"exporting requirements from {source_dir} failed:\n{type(error).__name__}: {error}"
        ) from error
    if write_json and not (out_dir / "needs.json").is_file():
        raise NeedsBuildError(f"exporting requirements from {source_dir} wrote no needs.json")
    reread = {source_dir.resolve() / name for name in built.read}
    merged = _merge_warnings(previous, _ANSI.sub("", built.warnings), reread)
    (out_dir / WARNINGS_FILE).write_text(merged, encoding="utf-8")
    stamp_file.write_text(stamp, encoding="utf-8")
    return built


def _write_cache(out_dir: Path, needs_list: dict[str, Any]) -> None:
    """Keep the export in :data:`EXPORT_CACHE` (``marshal``: JSON's types, 4x faster than pickle).

    A value ``marshal`` cannot write leaves no file: the next export builds.
    """
    try:
        data = marshal.dumps(needs_list)
    except ValueError:
        return
    (out_dir / EXPORT_CACHE).write_bytes(data)


def _current(source_dir: Path, out_dir: Path, dependencies: Sequence[Path]) -> bool:
    """Whether the last export's stamp matches the sources and the toolkit now."""
    return _read(out_dir / _STAMP) == _stamp(source_dir, dependencies)


def _load_cache(out_dir: Path) -> dict[str, Any] | None:
    pending = _PENDING.get(out_dir.resolve())
    if pending is not None:
        return pending
    return _unmarshal(_read_bytes(out_dir / EXPORT_CACHE))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _unmarshal(data: bytes) -> dict[str, Any] | None:
    """The content of :data:`EXPORT_CACHE` (``None`` when there is none or it is damaged)."""
    # marshal makes no cycles: the collector, which would walk every object of a loaded
    # Sphinx environment several times while 10,000 needs are made, waits
    enabled = gc.isenabled()
    gc.disable()
    try:
        content = marshal.loads(data)  # noqa: S302 (our own file)
        _current_needs(content)
    except (EOFError, ValueError, TypeError, KeyError):
        return None
    finally:
        if enabled:
            gc.enable()
    return content if isinstance(content, dict) else None


def _current_needs(needs_list: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Needs of the current version of the content of a ``needs.json``, by id."""
    needs: dict[str, dict[str, Any]] = needs_list["versions"][needs_list["current_version"]][
        "needs"
    ]
    return needs


_PENDING: dict[Path, dict[str, Any]] = {}
"""The exports of the kept :class:`NeedsSession` s of this process by output folder, written
to :data:`EXPORT_CACHE` when the session closes (``marshal``: about 0.2 s for 10,000 needs,
which a re-check in the watch mode does not pay)."""
_STAMP = "sources.stamp"
_TRACES_DIRECTIVE = ".. safety-traces::"
_CARRIED = ("[docutils]", "[needs.directive]", "[needs.create_need]")
"""Warnings of the read phase, which Sphinx repeats only for the documents it re-reads."""
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LOCATED = re.compile(r"^(?P<file>/.+?):\d*:? ?(?:WARNING|ERROR|CRITICAL|SEVERE): ")


def _read(path: Path) -> str:
    """A source's text for the stamp's directive scan; '' if unreadable (Sphinx says why)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
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
    return _current_needs(json.loads(needs_json.read_text(encoding="utf-8")))
