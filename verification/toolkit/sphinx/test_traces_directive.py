"""Tests of the ``safety-traces`` directive: traced code and tests become linked needs.

Covers: one ``code_unit`` need per ``Implements:`` tag and one ``test`` need
per ``verifies`` marker, with ids from qualified names, the Python file and
line in ``source``, the verification method, ``implements``/``verifies``
links to the requirement and the back links on it; a trace to an unknown
id allowed as a dead link (the check's trace rule reports it instead).
"""

import json
from pathlib import Path
from typing import Any

import pytest

from safety_case.needs import export_needs, load_needs

from ..conftest import write_project

FILES = {
    "reqs/index.rst": """\
        Traces
        ======

        .. swr:: A requirement
           :id: SWR_TRC_001
           :asil: D
           :satisfies: TSR_NONE

        .. safety-traces::
        """,
    "pkg/__init__.py": "",
    "pkg/mod.py": '''\
        def guard():
            """Implements: SWR_TRC_001, SWR_TRC_UNKNOWN"""
        ''',
    "tests/test_mod.py": """\
        import pytest

        @pytest.mark.verifies("SWR_TRC_001", method="fault_injection")
        def test_guard():
            pass
        """,
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], Path]:
    root = write_project(tmp_path_factory.mktemp("traces"), FILES)
    needs_json = export_needs(root / "reqs", root / "build")
    return load_needs(needs_json), root / "build"


def test_code_and_test_needs(exported: tuple[dict[str, dict[str, Any]], Path]) -> None:
    needs, _ = exported
    code = needs["CODE_PKG_MOD_GUARD"]
    assert code["type"] == "code_unit"
    assert code["source"] == "pkg/mod.py:1"
    assert code["implements"] == ["SWR_TRC_001", "SWR_TRC_UNKNOWN"]
    test = needs["TEST_TESTS_TEST_MOD_TEST_GUARD"]
    assert test["type"] == "test"
    assert test["verifies"] == ["SWR_TRC_001"]
    assert test["method"] == "fault_injection"
    assert needs["SWR_TRC_001"]["implements_back"] == ["CODE_PKG_MOD_GUARD"]
    assert needs["SWR_TRC_001"]["verifies_back"] == ["TEST_TESTS_TEST_MOD_TEST_GUARD"]


def test_dead_trace_link_is_no_build_warning(
    exported: tuple[dict[str, dict[str, Any]], Path],
) -> None:
    _, build = exported
    warnings = (build / "warnings.txt").read_text(encoding="utf-8")
    assert "SWR_TRC_UNKNOWN" not in warnings
    assert "TSR_NONE" in warnings  # a dead link of an authored need is still reported
    report = json.loads((build / "schema_violations.json").read_text(encoding="utf-8"))
    assert "CODE_PKG_MOD_GUARD" not in report["validation_warnings"]
