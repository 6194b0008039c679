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
    "tool_key",
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
    evidence: tuple[str, ...] = ()
    """Files (from the project root) showing the qualification, such as validation tests."""


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
        "ruff-mccabe": ToolRating(
            "TI2",
            "TD2",
            "An under-reported cyclomatic complexity could let a too complex unit pass the "
            "low-complexity principle (TI2); review sees long functions, but not every "
            "miscount (TD2).",
        ),
        "safety-case": ToolRating(
            "TI2",
            "TD3",
            "The toolkit judges evidence and builds this argument; a malfunction could "
            "show a gap as closed (TI2) and nothing downstream checks it (TD3).",
        ),
        "safety-case-mcdc": ToolRating(
            "TI2",
            "TD3",
            "The toolkit's MC/DC measurement: an over-reported independence pair could hide "
            "an untested condition (TI2), and no other Python tool measures MC/DC to "
            "compare with in general (TD3).",
        ),
        "safety-case-subset": ToolRating(
            "TI2",
            "TD2",
            "The toolkit's language-subset checker: a missed rule violation (recursion, "
            "eval, unbounded loop) could let a defect through (TI2); review, mypy and ruff "
            "overlap with part of the rules (TD2).",
        ),
    }
)
"""Default classification of common evidence-producing tools (no qualification claimed).

Keys are tool names as evidence records give them; a record's tool name
with a configuration in brackets (``ruff-mccabe(limit=10)``) falls back to
the name before the bracket (:func:`tool_key`). The project confirms,
changes and qualifies these in ``[safety_case.argument.tools.NAME]``; a
default alone leaves the tool's goal undeveloped, and a tool with neither
is an explicit gap (ISO 26262-8:2018 clauses 11.4.5 and 11.4.6).
"""


def tool_key(name: str, known: Mapping[str, object]) -> str | None:
    """The key of ``known`` classifying the tool ``name``: itself, or its name before ``(``."""
    if name in known:
        return name
    base = name.split("(", 1)[0].strip()
    return base if base in known else None
