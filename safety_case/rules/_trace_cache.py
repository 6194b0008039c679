"""The traces of the Python files, re-read only for the files that changed.

Layer 3 (judgement), the check's reading of the traces
(:func:`safety_case.trace.extract`, one :mod:`ast` parse per file). A cache
keyed by each file's path, size and modification time (the import root with
it) gives the traces of the unchanged files without parsing them: within one
process for the watch mode, and from one check to the next through a file
in the build folder (10,000 traces in 100 files: about 0.7 s of parsing
saved per one-shot check). The file holds the extractor's own fingerprint
(the size and modification time of :mod:`safety_case.trace` and the Python
version): a changed extractor discards it. A damaged or foreign file counts
as no cache.

ASIL: tool (ISO 26262-8 clause 11); no requirement of the item.
"""

import pickle
import sys
from collections.abc import Iterable
from pathlib import Path

from safety_case import trace
from safety_case.trace import TraceError, TraceTarget, python_files

__all__ = ["TraceCache"]

_Entry = tuple[int, int, list[TraceTarget], list[TraceError]]
"""Size, modification time (ns), traces and errors of one file."""
_FORMAT = 1


def _fingerprint() -> tuple[object, ...]:
    source = Path(trace.__file__)
    stat = source.stat()
    return (_FORMAT, sys.version_info[:2], str(source), stat.st_size, stat.st_mtime_ns)


class TraceCache:
    """:func:`safety_case.trace.extract`, re-reading only the files changed since last time."""

    def __init__(self, file: Path | None = None) -> None:
        """Start empty, or from what ``file`` keeps (see :meth:`save`)."""
        self.file = file
        self._files: dict[tuple[Path, Path], _Entry] = {}
        self._used: set[tuple[Path, Path]] = set()
        self._dirty = False
        if file is not None:
            self._files = _load(file)

    def extract(
        self, paths: Iterable[Path], root: Path
    ) -> tuple[list[TraceTarget], list[TraceError]]:
        """As :func:`safety_case.trace.extract` (same traces, same order)."""
        targets: list[TraceTarget] = []
        errors: list[TraceError] = []
        for file in python_files(paths):
            try:
                stat = file.stat()
            except OSError:
                stat = None
            key = (file, root)
            cached = self._files.get(key)
            if stat is None or cached is None or cached[:2] != (stat.st_size, stat.st_mtime_ns):
                found, failed = trace.extract([file], root)
                if stat is not None:
                    self._files[key] = (stat.st_size, stat.st_mtime_ns, found, failed)
                    self._dirty = True
            else:
                found, failed = cached[2], cached[3]
            self._used.add(key)
            targets += found
            errors += failed
        return targets, errors

    def save(self) -> None:
        """Write the traces of the files read since this cache was made, if any changed."""
        if self.file is None or not (self._dirty or set(self._files) - self._used):
            return
        kept = {key: entry for key, entry in self._files.items() if key in self._used}
        self.file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.file.with_name(f"{self.file.name}.partial")
        partial.write_bytes(pickle.dumps((_fingerprint(), kept), pickle.HIGHEST_PROTOCOL))
        partial.replace(self.file)
        self._files, self._dirty = kept, False


def _load(file: Path) -> dict[tuple[Path, Path], _Entry]:
    try:
        fingerprint, files = pickle.loads(file.read_bytes())  # noqa: S301 (our own file)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError, TypeError):
        return {}
    if fingerprint != _fingerprint() or not isinstance(files, dict):
        return {}
    return files
