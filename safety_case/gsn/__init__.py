"""The generated safety case: a GSN argument, its checks and its diagrams.

Generated from the needs, the traces and the judged evidence
(:func:`generate`), checked (:func:`check_argument`) and drawn as graphviz
DOT (:func:`to_dot`, :func:`render_svg`). The model holds statuses, the
renderer chooses colours.
"""

from safety_case.gsn._checks import Check, Finding, check_argument
from safety_case.gsn._generate import (
    GOAL_TYPE,
    HAZARD_TYPE,
    TOOLS_MODULE,
    VERIFICATION_MODULE,
    JudgedRecord,
    generate,
    leaf_requirement_types,
    method_plan,
)
from safety_case.gsn._graphviz import STATUS_COLOURS, RenderError, render_svg, to_dot
from safety_case.gsn._model import (
    Argument,
    Assumption,
    AwayGoal,
    BaseElement,
    Context,
    Goal,
    InContextOf,
    Justification,
    Module,
    Solution,
    Status,
    Strategy,
    SupportedBy,
    worst,
)
from safety_case.gsn._tables import (
    DEFAULT_METHOD_PLAN,
    DEFAULT_TOOLS,
    METHOD_TITLES,
    MethodPlan,
    ToolRating,
    base_asil,
    tool_confidence_level,
)

__all__ = [
    "DEFAULT_METHOD_PLAN",
    "DEFAULT_TOOLS",
    "GOAL_TYPE",
    "HAZARD_TYPE",
    "METHOD_TITLES",
    "STATUS_COLOURS",
    "TOOLS_MODULE",
    "VERIFICATION_MODULE",
    "Argument",
    "Assumption",
    "AwayGoal",
    "BaseElement",
    "Check",
    "Context",
    "Finding",
    "Goal",
    "InContextOf",
    "JudgedRecord",
    "Justification",
    "MethodPlan",
    "Module",
    "RenderError",
    "Solution",
    "Status",
    "Strategy",
    "SupportedBy",
    "ToolRating",
    "base_asil",
    "check_argument",
    "generate",
    "leaf_requirement_types",
    "method_plan",
    "render_svg",
    "to_dot",
    "tool_confidence_level",
    "worst",
]
