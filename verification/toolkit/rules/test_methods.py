"""Tests of the verification policy: defaults, tightening, and relaxations that need a reason.

Covers: the defaults at ASIL D (requirements-based test and fault injection
per requirement); a tightening needs no justification; a relaxation without
one is a config_error finding naming the method, with one it is recorded;
unknown methods and ASIL names are config errors.
"""

from safety_case.asil import Asil
from safety_case.policy import VerificationPolicy
from safety_case.rules import RuleId, Severity, method_table


def test_defaults() -> None:
    table, findings = method_table(VerificationPolicy(), "safety_case.toml")
    assert findings == []
    assert table.per_requirement[Asil.D] == ("requirements_based_test", "fault_injection")
    assert "structural_coverage" in table.per_project[Asil.A]


def test_tightening_needs_no_reason() -> None:
    policy = VerificationPolicy(
        per_requirement={"B": ("requirements_based_test", "interface_test")}
    )
    table, findings = method_table(policy, "safety_case.toml")
    assert findings == []
    assert table.per_requirement[Asil.B] == ("requirements_based_test", "interface_test")


def test_relaxation_without_reason_is_a_config_error() -> None:
    policy = VerificationPolicy(per_requirement={"D": ("requirements_based_test",)})
    _, findings = method_table(policy, "safety_case.toml")
    assert [(f.rule, f.severity) for f in findings] == [(RuleId.POLICY, Severity.CONFIG_ERROR)]
    assert "fault_injection" in findings[0].message
    assert findings[0].location.file == "safety_case.toml"


def test_relaxation_with_reason_is_recorded() -> None:
    policy = VerificationPolicy(
        per_requirement={"D": ("requirements_based_test",)},
        justifications={"D:fault_injection": "covered by mutation testing at project level"},
    )
    table, findings = method_table(policy, "safety_case.toml")
    assert findings == []
    assert table.relaxations == {
        "D:fault_injection": "covered by mutation testing at project level"
    }


def test_unknown_names_are_config_errors() -> None:
    policy = VerificationPolicy(per_requirement={"E": (), "A": ("guessing",)})
    _, findings = method_table(policy, "safety_case.toml")
    messages = " ".join(f.message for f in findings)
    assert "'E' is no ASIL" in messages
    assert "unknown method 'guessing'" in messages
    assert "requirements_based_test" in messages  # A left out its default, unjustified
