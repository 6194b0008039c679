"""Whole-repository invariants (as hypothesis' whole_repo_tests).

Covers: bms/ never imports the toolkit nor the suites, the toolkit never
imports the BMS; every package's ``__all__`` is exactly its public names;
every module imports alone with warnings as errors; every bms module has a
mirrored test module; bms/ keeps the toolkit's language subset (no recursion,
no mutable module state, ...), so that a break shows in the tests and not
only in the main job's static-analysis evidence.
"""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bms", "safety_case")


def _modules(package: str) -> list[str]:
    return sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / package).rglob("*.py")
        if "__pycache__" not in p.parts and p.name != "__main__.py"
    )


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("bms", {"safety_case", "verification"}), ("safety_case", {"bms", "verification"})],
)
def test_layering(package: str, forbidden: set[str]) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & forbidden)
        for path in (ROOT / package).rglob("*.py")
        if _imported_roots(path) & forbidden
    }
    assert offenders == {}


def _packages() -> list[str]:
    return [m for p in PACKAGES for m in _modules(p) if (ROOT / m.replace(".", "/")).is_dir()]


@pytest.mark.parametrize("package", _packages())
def test_all_matches_public_names(package: str) -> None:
    module = importlib.import_module(package)
    public = {
        name
        for name, value in vars(module).items()
        if (not name.startswith("_") or name == "__version__")
        and getattr(value, "__module__", package).startswith(package)
        and not isinstance(value, type(sys))
    }
    assert set(module.__all__) == public


@pytest.mark.parametrize("module", [m for p in PACKAGES for m in _modules(p)])
def test_module_imports_alone_without_warnings(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_every_bms_module_has_a_mirrored_test() -> None:
    missing = []
    for path in (ROOT / "bms").rglob("*.py"):
        relative = path.relative_to(ROOT / "bms")
        if path.name.startswith("__") or path.name == "_version.py" or "cli" in relative.parts:
            continue
        test = (
            ROOT
            / "verification"
            / "bms"
            / "unit"
            / relative.parent
            / ("test_" + path.name.removeprefix("_"))
        )
        if not test.is_file():
            missing.append(str(relative))
    assert missing == []


def test_bms_keeps_the_language_subset() -> None:
    from safety_case.runners.static._subset import check_paths  # noqa: PLC0415

    findings = [
        f"{f.path}:{f.line}: {f.rule.value} {f.message}"
        for found in check_paths([ROOT / "bms"], ROOT).values()
        for f in found
    ]
    assert findings == []
