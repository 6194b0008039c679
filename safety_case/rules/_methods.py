"""Verification methods per ASIL: ISO 26262-6:2018 Tables 7 to 9 as defaults, and the policy.

Layer 3 (judgement). Methods are split by where their evidence lives:

* per requirement: a test that names the requirement in its ``verifies``
  marker with that method (requirements-based test at every ASIL, fault
  injection at D);
* per project: analyses of the code as a whole, run by the evidence runners
  (static analysis, control and data flow, inspection, semi-formal
  verification, interface test, resource usage, back-to-back, structural
  coverage); the check lists them as obligations of the evidence bundle.

Only the highly recommended (++) entries are defaults; the project may add
methods (tighten) or leave defaults out (relax) in ``safety_case.toml``, and
each relaxation needs a written justification.
"""

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from safety_case.asil import Asil
from safety_case.policy import VerificationPolicy
from safety_case.rules._model import Finding, Location, RuleId, Severity

__all__ = [
    "DEFAULT_PER_PROJECT",
    "DEFAULT_PER_REQUIREMENT",
    "KNOWN_METHODS",
    "MethodTable",
    "method_table",
]

KNOWN_METHODS: Final = (
    "requirements_based_test",
    "interface_test",
    "fault_injection",
    "resource_usage",
    "back_to_back",
    "static_analysis",
    "control_data_flow",
    "semi_formal",
    "formal",
    "inspection",
    "structural_coverage",
)
"""Method names (the values the evidence records and ``verifies(method=...)`` use)."""

_BASE_PROJECT = ("static_analysis", "interface_test", "structural_coverage")

DEFAULT_PER_REQUIREMENT: Final = MappingProxyType(
    {
        Asil.QM: (),
        Asil.A: ("requirements_based_test",),
        Asil.B: ("requirements_based_test",),
        Asil.C: ("requirements_based_test",),
        Asil.D: ("requirements_based_test", "fault_injection"),
    }
)
"""Table 7 entries 1j (++ at A-D) and 1l (++ at D), shown by tests per requirement."""

DEFAULT_PER_PROJECT: Final = MappingProxyType(
    {
        Asil.QM: (),
        Asil.A: _BASE_PROJECT,
        Asil.B: (*_BASE_PROJECT, "inspection"),
        Asil.C: (
            *_BASE_PROJECT,
            "inspection",
            "semi_formal",
            "control_data_flow",
            "back_to_back",
        ),
        Asil.D: (
            *_BASE_PROJECT,
            "inspection",
            "semi_formal",
            "control_data_flow",
            "back_to_back",
            "resource_usage",
        ),
    }
)
"""Table 7 entries 1c, 1d, 1f-1h, 1k, 1m, 1n and Table 9 (++ entries), shown per project."""


@dataclass(frozen=True)
class MethodTable:
    """The methods in force per ASIL after the project's policy is applied."""

    per_requirement: dict[Asil, tuple[str, ...]]
    """Methods a test must show for each requirement of the ASIL."""
    per_project: dict[Asil, tuple[str, ...]]
    """Methods the evidence of the whole code must show."""
    relaxations: dict[str, str]
    """``"ASIL:method"`` of each justified relaxation, with its justification."""


def method_table(policy: VerificationPolicy, policy_file: str) -> tuple[MethodTable, list[Finding]]:
    """Apply the project's policy to the defaults; a finding per unjustified relaxation."""
    findings: list[Finding] = []
    where = Location(policy_file, 0)
    tables: list[dict[Asil, tuple[str, ...]]] = []
    relaxations: dict[str, str] = {}
    for name, defaults, configured in (
        ("per_requirement", DEFAULT_PER_REQUIREMENT, policy.per_requirement),
        ("per_project", DEFAULT_PER_PROJECT, policy.per_project),
    ):
        table = dict(defaults)
        for asil_name, methods in configured.items():
            if asil_name not in Asil.__members__:
                findings.append(_policy(where, f"verification.{name}: {asil_name!r} is no ASIL"))
                continue
            asil = Asil[asil_name]
            findings += [
                _policy(where, f"verification.{name}.{asil_name}: unknown method {m!r}")
                for m in methods
                if m not in KNOWN_METHODS
            ]
            for missing in sorted(set(defaults[asil]) - set(methods)):
                key = f"{asil_name}:{missing}"
                reason = policy.justifications.get(key, "").strip()
                if reason:
                    relaxations[key] = reason
                else:
                    findings.append(
                        _policy(
                            where,
                            f"verification.{name}.{asil_name} leaves out {missing!r}, which "
                            f"ISO 26262-6 highly recommends at ASIL {asil_name}, without a "
                            f"justification (verification.justifications[{key!r}])",
                        )
                    )
            table[asil] = tuple(dict.fromkeys(methods))
        tables.append(table)
    return MethodTable(tables[0], tables[1], relaxations), findings


def _policy(where: Location, message: str) -> Finding:
    return Finding(RuleId.POLICY, Severity.CONFIG_ERROR, "", where, message)
