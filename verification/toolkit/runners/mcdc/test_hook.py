"""Tests of safety_case/runners/mcdc/_hook.py: the import hook.

Covers: only the configured package is instrumented (a sibling package is
not), sub-modules are, the instrumented code records evaluations, cached
bytecode is neither used nor written, a package imported before the hook is
refused with a message naming it, uninstall removes the finder, a second
``get_code`` call does not detach the running module from its measurement.
"""

import importlib
import importlib.machinery
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_case.runners.mcdc import Measurement, install, uninstall


@pytest.fixture
def packages(tmp_path: Path) -> Iterator[Path]:
    for name in ("mcdcpkg", "mcdcother"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("", encoding="utf-8")
        (tmp_path / name / "mod.py").write_text(
            "def f(a, b):\n    return a and b\n", encoding="utf-8"
        )
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in list(sys.modules):
        if name.split(".")[0] in {"mcdcpkg", "mcdcother"}:
            del sys.modules[name]


def test_only_configured_packages_are_instrumented(packages: Path) -> None:
    measurement = Measurement()
    finder = install(["mcdcpkg"], measurement)
    try:
        mod = importlib.import_module("mcdcpkg.mod")
        other = importlib.import_module("mcdcother.mod")
    finally:
        uninstall(finder)
    assert finder not in sys.meta_path
    assert mod.f(True, False) is False
    other.f(True, True)
    assert set(measurement.modules) == {"mcdcpkg", "mcdcpkg.mod"}
    data = measurement.modules["mcdcpkg.mod"]
    assert dict(data.observed[0]) == {((True, False), False): 1}
    assert data.path == str(packages / "mcdcpkg" / "mod.py")
    assert not (packages / "mcdcpkg" / "__pycache__").exists()


def test_a_package_imported_too_early_is_refused(packages: Path) -> None:
    del packages
    importlib.import_module("mcdcpkg.mod")
    with pytest.raises(ValueError, match=r"mcdcpkg, mcdcpkg\.mod imported before"):
        install(["mcdcpkg"], Measurement())


def test_a_second_get_code_does_not_detach_the_module(packages: Path) -> None:
    del packages
    measurement = Measurement()
    finder = install(["mcdcpkg"], measurement)
    try:
        mod = importlib.import_module("mcdcpkg.mod")
        data = measurement.modules["mcdcpkg.mod"]
        assert mod.__spec__ is not None
        loader = mod.__spec__.loader
        assert isinstance(loader, importlib.machinery.SourceFileLoader)
        loader.get_code("mcdcpkg.mod")
    finally:
        uninstall(finder)
    mod.f(False, True)
    assert measurement.modules["mcdcpkg.mod"] is data
    assert dict(data.observed[0]) == {((False, None), False): 1}
