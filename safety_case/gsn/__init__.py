"""The generated safety case: a GSN argument, its checks and its diagrams.

Generated from the needs, the traces and the judged evidence
(:func:`generate`), checked (:func:`check_argument`), split into views of
readable width (:func:`partition`) and drawn as graphviz DOT
(:func:`to_dot`, :func:`render_svg`). The model holds statuses, the
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
from safety_case.gsn._graphviz import STATUS_COLOURS, RenderError, render_svg, render_svgs, to_dot
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
    tool_key,
)
from safety_case.gsn._views import (
    DEFAULT_MAX_WIDTH,
    LEAVES_PER_ROW,
    SOLUTIONS_PER_ROW,
    partition,
    view_id,
)

__all__ = [
    "DEFAULT_MAX_WIDTH",
    "DEFAULT_METHOD_PLAN",
    "DEFAULT_TOOLS",
    "GOAL_TYPE",
    "HAZARD_TYPE",
    "LEAVES_PER_ROW",
    "METHOD_TITLES",
    "SOLUTIONS_PER_ROW",
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
    "partition",
    "render_svg",
    "render_svgs",
    "to_dot",
    "tool_confidence_level",
    "tool_key",
    "view_id",
    "worst",
]
