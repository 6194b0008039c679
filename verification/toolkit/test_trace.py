"""Tests of safety_case/trace.py: traces read from source without importing it.

Covers: Implements tags in function, method and class docstrings; several ids
in one tag and over several lines; every id of a multi-id marker kept (the
LOBSTER pitfall); qualified names for nested definitions; a syntax error in
one file reported without hiding the others; a non-literal marker argument.
"""

from pathlib import Path

from safety_case.trace import extract, module_name

from .conftest import MiniProject


def test_tags_markers_and_qualified_names(mini_project: MiniProject) -> None:
    root = mini_project(
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": '''
                def plain():
                    """No trace here."""

                def guard():
                    """Check the thing.

                    Implements: SWR_AAA_001, SWR_AAA_002
                    """

                class Machine:
                    """Implements: SWR_BBB_001"""

                    def step(self):
                        """Implements: SWR_BBB_002
                        SWR_BBB_003"""
            ''',
            "tests/test_mod.py": """
                import pytest

                @pytest.mark.verifies("SWR_AAA_001", "SWR_AAA_002", "SWR_AAA_001")
                def test_guard():
                    pass
            """,
        }
    )
    targets, errors = extract([root / "pkg", root / "tests"], root)
    assert errors == []
    found = {(t.kind, t.qualified_name): t.requirement_ids for t in targets}
    assert found == {
        ("code", "pkg.mod.guard"): ("SWR_AAA_001", "SWR_AAA_002"),
        ("code", "pkg.mod.Machine"): ("SWR_BBB_001",),
        ("code", "pkg.mod.Machine.step"): ("SWR_BBB_002", "SWR_BBB_003"),
        ("test", "tests.test_mod.test_guard"): ("SWR_AAA_001", "SWR_AAA_002"),
    }


def test_bad_file_is_reported_and_others_still_read(mini_project: MiniProject) -> None:
    root = mini_project(
        {
            "pkg/broken.py": "def oops(:\n",
            "pkg/fine.py": 'def f():\n    """Implements: SWR_CCC_001"""\n',
        }
    )
    targets, errors = extract([root / "pkg"], root)
    assert [t.qualified_name for t in targets] == ["pkg.fine.f"]
    assert len(errors) == 1
    assert errors[0].path.name == "broken.py"
    assert errors[0].line == 1


def test_non_literal_marker_argument_is_an_error(mini_project: MiniProject) -> None:
    root = mini_project(
        {
            "tests/test_x.py": (
                "import pytest\nID='SWR_X_001'\n@pytest.mark.verifies(ID)\ndef test_x(): pass\n"
            )
        }
    )
    targets, errors = extract([root / "tests"], root)
    assert targets == []
    assert "literal string ids" in errors[0].message
    assert errors[0].line == 3


def test_module_name_of_package_init(tmp_path: Path) -> None:
    assert module_name(tmp_path / "a" / "b" / "__init__.py", tmp_path) == "a.b"
    assert module_name(tmp_path / "a" / "c.py", tmp_path) == "a.c"
