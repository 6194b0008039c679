"""Tests of safety_case/rules/_trace_cache.py: traces re-read only for changed files.

Covers: the cache gives the same traces and errors, in the same order, as
:func:`safety_case.trace.extract`; within one cache and from a saved cache
file, only new or changed files are parsed again; a file removed since is
dropped from the saved cache; a damaged cache file, or one another
extractor wrote, counts as no cache.
"""

import pickle
import time
from pathlib import Path

import pytest

from safety_case import trace
from safety_case.rules._trace_cache import TraceCache

from ..conftest import write_project

EXTRACT = trace.extract
"""The extractor itself (the tests spy on the name the cache calls)."""

CODE = '''\
def unit():
    """Implements: SWR_ONE_001"""
'''
TEST = """\
import pytest


@pytest.mark.verifies("SWR_ONE_001")
def test_unit():
    pass
"""


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []

    def spy(paths: list[Path], root: Path) -> object:
        names.extend(p.name for p in paths)
        return EXTRACT(paths, root)

    monkeypatch.setattr(trace, "extract", spy)
    return names


def test_same_traces_and_only_changed_files_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(
        tmp_path, {"pkg/a.py": CODE, "pkg/b.py": CODE.replace("unit", "other"), "t/t.py": TEST}
    )
    paths = [root / "pkg", root / "t"]
    expected = EXTRACT(paths, root)
    parsed = _parsed(monkeypatch)
    file = root / "build" / "traces.pickle"
    cache = TraceCache(file)
    assert cache.extract(paths, root) == expected
    assert sorted(parsed) == ["a.py", "b.py", "t.py"]
    parsed.clear()
    assert cache.extract(paths, root) == expected
    assert parsed == []
    time.sleep(0.01)
    write_project(root, {"pkg/b.py": "def broken(:\n"})
    changed = cache.extract(paths, root)
    assert changed == EXTRACT(paths, root)
    assert len(changed[1]) == 1  # the syntax error
    assert parsed == ["b.py"]
    cache.save()
    # a new cache from the file: nothing parsed; a removed file is forgotten
    parsed.clear()
    (root / "pkg" / "a.py").unlink()
    again = TraceCache(file)
    assert again.extract(paths, root) == EXTRACT(paths, root)
    assert parsed == []
    again.save()
    _, kept = pickle.loads(file.read_bytes())
    assert {path.name for path, _ in kept} == {"b.py", "t.py"}


def test_damaged_or_foreign_cache_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path, {"pkg/a.py": CODE})
    file = root / "build" / "traces.pickle"
    cache = TraceCache(file)
    cache.extract([root / "pkg"], root)
    cache.save()
    fingerprint, files = pickle.loads(file.read_bytes())
    parsed = _parsed(monkeypatch)
    file.write_bytes(pickle.dumps((("another", "extractor"), files)))
    assert TraceCache(file).extract([root / "pkg"], root) == EXTRACT([root / "pkg"], root)
    assert parsed == ["a.py"]
    parsed.clear()
    file.write_bytes(b"not a pickle")
    assert TraceCache(file).extract([root / "pkg"], root) == EXTRACT([root / "pkg"], root)
    assert parsed == ["a.py"]
    assert fingerprint[0] == 1
