"""Default tables the argument rests on: methods per ASIL and tool confidence.

Layer 4 (producers). Both are defaults a project's policy may override
(``[safety_case.argument]`` in ``safety_case.toml``); the clause each rests on
is named next to it. ASIL: tool for ASIL D development.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "DEFAULT_METHOD_PLAN",
    "DEFAULT_TOOLS",
    "METHOD_TITLES",
    "MethodPlan",
    "ToolRating",
    "base_asil",
    "tool_confidence_level",
]

_PROJECT_A = ("static_analysis", "interface_test", "structural_coverage")
_PROJECT_C = (*_PROJECT_A, "inspection", "semi_formal", "control_data_flow", "back_to_back")


@dataclass(frozen=True)
class MethodPlan:
    """Verification methods required per ASIL, split by where their evidence lives."""

    per_requirement: Mapping[str, tuple[str, ...]]
    """ASIL (``QM``, ``A``-``D``) to the methods shown by tests naming each requirement."""
    per_project: Mapping[str, tuple[str, ...]]
    """ASIL to the methods shown by analyses of the whole code."""


DEFAULT_METHOD_PLAN: Final = MethodPlan(
    per_requirement=MappingProxyType(
        {
            "QM": (),
            "A": ("requirements_based_test",),
            "B": ("requirements_based_test",),
            "C": ("requirements_based_test",),
            "D": ("requirements_based_test", "fault_injection"),
        }
    ),
    per_project=MappingProxyType(
        {
            "QM": (),
            "A": _PROJECT_A,
            "B": (*_PROJECT_A, "inspection"),
            "C": _PROJECT_C,
            "D": (*_PROJECT_C, "resource_usage"),
        }
    ),
)
"""Methods highly recommended (++) by ISO 26262-6:2018 Table 7 (and Table 9, coverage).

The same split and entries as :mod:`safety_case.rules`' defaults (which,
with the project's policy, :func:`safety_case.gsn.method_plan` uses); this
copy is the default of :func:`safety_case.gsn.generate` called without a
policy, and a test keeps the two equal. Walk-through (++ at A only) has no
evidence method and is left out.
"""


METHOD_TITLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "requirements_based_test": "requirements-based test",
        "interface_test": "interface test",
        "fault_injection": "fault injection test",
        "resource_usage": "resource usage evaluation",
        "back_to_back": "back-to-back comparison between model and code",
        "static_analysis": "static code analysis",
        "control_data_flow": "control-flow and data-flow analysis",
        "semi_formal": "semi-formal verification",
        "formal": "formal verification",
        "inspection": "inspection",
        "structural_coverage": "structural coverage",
    }
)
"""Names of the methods as ISO 26262-6:2018 Tables 7 and 9 write them."""


def base_asil(asil: str | None) -> str:
    """The ASIL whose methods apply: ``B(D)`` -> ``B``, ``QM(D)`` -> ``QM``, none -> ``QM``.

    A decomposed requirement is developed at its decomposed ASIL
    (ISO 26262-9:2018 clause 5.4.2); the bracket only names the original.
    """
    if not asil:
        return "QM"
    return asil.split("(", 1)[0].strip() or "QM"


@dataclass(frozen=True)
class ToolRating:
    """A tool's classification (ISO 26262-8:2018 clause 11.4.5)."""

    impact: str
    """TI1 (a malfunction cannot violate a requirement or miss an error) or TI2."""
    detection: str
    """TD1 (high confidence a malfunction is prevented or detected) to TD3."""
    justification: str
    """Why these classes, in words an assessor reads."""
    qualification: str = ""
    """How the tool is qualified when its TCL is 2 or 3; empty when it is not."""


def tool_confidence_level(impact: str, detection: str) -> str:
    """TCL from TI and TD (ISO 26262-8:2018 Table 3): TI1 -> TCL1; TI2 with TDn -> TCLn."""
    if impact == "TI1":
        return "TCL1"
    return {"TD1": "TCL1", "TD2": "TCL2", "TD3": "TCL3"}.get(detection, "TCL3")


DEFAULT_TOOLS: Final[Mapping[str, ToolRating]] = MappingProxyType(
    {
        "pytest": ToolRating(
            "TI2",
            "TD2",
            "A malfunction could report a failing requirements-based test as passing (TI2). "
            "Failures are seen when tests are written red first and by mutation testing, "
            "but not for every malfunction (TD2).",
        ),
        "hypothesis": ToolRating(
            "TI2",
            "TD2",
            "Too few or biased examples could miss an error (TI2); example counts are "
            "recorded in the evidence and checked, but their adequacy is not proven (TD2).",
        ),
        "crosshair": ToolRating(
            "TI2",
            "TD3",
            "A wrong 'no counterexample' claim could hide an error (TI2); floats are "
            "reasoned about as reals, so no check detects that malfunction (TD3).",
        ),
        "coverage": ToolRating(
            "TI2",
            "TD2",
            "Over-reported coverage could hide untested code (TI2); coverage is "
            "cross-checked on the cases another measurement understands (TD2).",
        ),
        "mypy": ToolRating(
            "TI2",
            "TD2",
            "A missed type error could let a defect through (TI2); tests and review "
            "catch most such defects independently (TD2).",
        ),
        "ruff": ToolRating(
            "TI2",
            "TD2",
            "A missed rule violation could let a defect through (TI2); review and the "
            "language-subset checker overlap with it (TD2).",
        ),
        "safety-case": ToolRating(
            "TI2",
            "TD3",
            "The toolkit judges evidence and builds this argument; a malfunction could "
            "show a gap as closed (TI2) and nothing downstream checks it (TD3).",
        ),
    }
)
"""Default classification of common evidence-producing tools (no qualification claimed)."""
