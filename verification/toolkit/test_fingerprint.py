"""Tests of safety_case/fingerprint.py: what changes a fingerprint and what does not.

Covers: a unit's fingerprint ignores comments, blank lines and its position
in the file but changes with its code or docstring; nested units; a missing
unit, a missing file and a file that does not parse give ``None``; the batch
form parses each file once and agrees with the single form; a requirement's
fingerprint follows its text, fields and links, not its location; a unit's
module is the longest tail of its path its name starts with; a test sees
the conftests of its folder and of every folder above it up to the root,
nearest first; a test's procedure fingerprint ignores comments and helpers
it does not use, and is the module's for a whole-module test; an absolute
import resolves from the folder above the test's packages, as pytest's
prepend mode puts it on ``sys.path``, before the root.
"""

from pathlib import Path

import pytest

from safety_case import fingerprint
from safety_case.fingerprint import (
    code_unit_fingerprint,
    code_unit_fingerprints,
    conftests,
    module_of,
    procedure,
    procedure_fingerprint,
    requirement_fingerprint,
)

SOURCE = '''
def limit(value):
    """Implements: SWR_LIMIT_001"""
    return min(value, 4.25)


class Machine:
    def step(self):
        return 1
'''


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mod.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_layout_and_comments_do_not_count_but_code_and_docstring_do(tmp_path: Path) -> None:
    base = code_unit_fingerprint(_write(tmp_path, SOURCE), "mod.limit", "mod")
    moved = "\n\n# a comment\n" + SOURCE.replace("    return min", "    # why\n    return min")
    assert code_unit_fingerprint(_write(tmp_path, moved), "mod.limit", "mod") == base
    changed = SOURCE.replace("4.25", "4.3")
    assert code_unit_fingerprint(_write(tmp_path, changed), "mod.limit", "mod") != base
    retagged = SOURCE.replace("SWR_LIMIT_001", "SWR_LIMIT_002")
    assert code_unit_fingerprint(_write(tmp_path, retagged), "mod.limit", "mod") != base


@pytest.mark.parametrize(
    ("text", "name"),
    [(SOURCE, "mod.gone"), (SOURCE, "other.limit"), ("def broken(:\n", "mod.broken")],
    ids=["missing-unit", "wrong-module", "syntax-error"],
)
def test_absent_units_have_no_fingerprint(tmp_path: Path, text: str, name: str) -> None:
    assert code_unit_fingerprint(_write(tmp_path, text), name, "mod") is None
    assert code_unit_fingerprint(tmp_path / "none.py", name, "mod") is None


def test_batch_parses_each_file_once_and_agrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, SOURCE)
    names = ["mod.limit", "mod.Machine", "mod.Machine.step", "mod.gone"]
    single = {name: code_unit_fingerprint(path, name, "mod") for name in names}
    parsed: list[Path] = []
    real_parse = fingerprint._parse

    def counting_parse(source: Path) -> object:
        parsed.append(source)
        return real_parse(source)

    monkeypatch.setattr(fingerprint, "_parse", counting_parse)
    assert code_unit_fingerprints((path, name, "mod") for name in names) == single
    assert parsed == [path]
    assert single["mod.gone"] is None
    assert None not in [single[n] for n in names[:3]]


def test_requirement_fingerprint_follows_content_not_location() -> None:
    need = {
        "id": "SWR_A_001",
        "type": "swr",
        "title": "T",
        "content": "x",
        "asil": "D",
        "satisfies": ["TSR_A"],
        "docname": "a",
        "lineno": 3,
    }
    base = requirement_fingerprint(need)
    assert requirement_fingerprint({**need, "docname": "b", "lineno": 90}) == base
    for key, value in (("content", "y"), ("asil", "C"), ("satisfies", ["TSR_B"]), ("title", "U")):
        assert requirement_fingerprint({**need, key: value}) != base


@pytest.mark.parametrize(
    ("path", "name", "module"),
    [
        ("pkg/mod.py", "pkg.mod.f", "pkg.mod"),
        ("src/pkg/mod.py", "pkg.mod.C.m", "pkg.mod"),
        ("pkg/__init__.py", "pkg.f", "pkg"),
        ("pkg/mod.py", "pkg.mod", "pkg.mod"),
        ("pkg/mod.py", "other.f", None),
    ],
)
def test_the_module_of_a_unit_is_the_tail_of_its_path(
    path: str, name: str, module: str | None
) -> None:
    assert module_of(path, name) == module


def test_a_test_sees_the_conftests_of_its_folder_and_above(tmp_path: Path) -> None:
    test = tmp_path / "a" / "b" / "test_x.py"
    assert conftests(test, tmp_path) == [
        tmp_path / "a" / "b" / "conftest.py",
        tmp_path / "a" / "conftest.py",
        tmp_path / "conftest.py",
    ]


def test_a_procedure_ignores_comments_and_unused_helpers(tmp_path: Path) -> None:
    source = "def _used():\n    return 1\n\n\ndef _other():\n    return 2\n\n\n"
    source += "def test_x():\n    assert _used() == 1\n"
    path = _write(tmp_path, source)
    base = procedure_fingerprint(path, "mod.test_x", "mod", tmp_path)
    _write(
        tmp_path,
        source.replace("return 2", "return 3").replace("\n\n\ndef test", "\n# c\ndef test"),
    )
    assert procedure_fingerprint(path, "mod.test_x", "mod", tmp_path) == base
    _write(tmp_path, source.replace("return 1", "return 0"))
    assert procedure_fingerprint(path, "mod.test_x", "mod", tmp_path) != base
    assert procedure_fingerprint(path, "mod", "mod", tmp_path) == code_unit_fingerprint(
        path, "mod", "mod"
    )
    assert procedure_fingerprint(path, "mod.test_gone", "mod", tmp_path) is None


@pytest.mark.parametrize(("package", "shadowed"), [(True, False), (False, True)])
def test_an_absolute_import_resolves_where_pytest_puts_the_test_on_the_path(
    tmp_path: Path, package: bool, shadowed: bool
) -> None:
    tests = tmp_path / "tests"
    (tests / "pkg").mkdir(parents=True)
    (tests / "pkg" / "__init__.py").write_text("X = 2\n", encoding="utf-8")
    if package:  # tests/ is a package: the root goes on sys.path, and pkg is the root's
        (tests / "__init__.py").write_text("", encoding="utf-8")
    test = tests / "test_m.py"
    test.write_text("from pkg import X\n\n\ndef test_m():\n    assert X\n", encoding="utf-8")
    module = "tests.test_m" if package else "test_m"
    found = procedure(test, f"{module}.test_m", module, tmp_path)
    assert found is not None
    assert (tests / "pkg" / "__init__.py" in found.files) is shadowed
