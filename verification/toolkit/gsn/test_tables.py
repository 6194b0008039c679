"""Tests of the default tables (safety_case/gsn/_tables.py).

Covers: TCL from TI and TD per ISO 26262-8 Table 3 for every combination;
the decomposed ASIL applies (``B(D)`` -> B, ``QM(D)`` -> QM); methods grow
with the ASIL and fault injection is required per requirement at D only;
every default tool has a justification and a valid classification; the
defaults equal the rule checks' table (safety_case.rules).
"""

import itertools

import pytest

from safety_case.gsn import (
    DEFAULT_METHOD_PLAN,
    DEFAULT_TOOLS,
    base_asil,
    tool_confidence_level,
    tool_key,
)


@pytest.mark.parametrize(
    ("impact", "detection", "tcl"),
    [
        ("TI1", "TD1", "TCL1"),
        ("TI1", "TD3", "TCL1"),
        ("TI2", "TD1", "TCL1"),
        ("TI2", "TD2", "TCL2"),
        ("TI2", "TD3", "TCL3"),
    ],
)
def test_tool_confidence_level(impact: str, detection: str, tcl: str) -> None:
    assert tool_confidence_level(impact, detection) == tcl


@pytest.mark.parametrize(
    ("asil", "base"), [("D", "D"), ("B(D)", "B"), ("QM(D)", "QM"), (None, "QM"), ("", "QM")]
)
def test_base_asil(asil: str | None, base: str) -> None:
    assert base_asil(asil) == base


def test_methods_grow_with_the_asil() -> None:
    order = ("QM", "A", "B", "C", "D")
    for table in (DEFAULT_METHOD_PLAN.per_requirement, DEFAULT_METHOD_PLAN.per_project):
        for lower, higher in itertools.pairwise(order):
            assert set(table[lower]) <= set(table[higher])
    assert "fault_injection" in DEFAULT_METHOD_PLAN.per_requirement["D"]
    assert "fault_injection" not in DEFAULT_METHOD_PLAN.per_requirement["C"]


def test_default_tools_are_classified() -> None:
    for rating in DEFAULT_TOOLS.values():
        assert rating.impact in {"TI1", "TI2"}
        assert rating.detection in {"TD1", "TD2", "TD3"}
        assert len(rating.justification) > 20


def test_defaults_equal_the_rule_checks_table() -> None:
    from safety_case.rules import DEFAULT_PER_PROJECT, DEFAULT_PER_REQUIREMENT  # noqa: PLC0415

    assert {a.name: m for a, m in DEFAULT_PER_REQUIREMENT.items()} == dict(
        DEFAULT_METHOD_PLAN.per_requirement
    )
    assert {a.name: m for a, m in DEFAULT_PER_PROJECT.items()} == dict(
        DEFAULT_METHOD_PLAN.per_project
    )


def test_the_toolkits_own_tools_have_defaults() -> None:
    for name in ("safety-case", "safety-case-mcdc", "safety-case-subset", "ruff-mccabe"):
        assert name in DEFAULT_TOOLS
    assert tool_key("ruff-mccabe(limit=10)", DEFAULT_TOOLS) == "ruff-mccabe"
    assert tool_key("pytest", DEFAULT_TOOLS) == "pytest"
    assert tool_key("unknown(x)", DEFAULT_TOOLS) is None
