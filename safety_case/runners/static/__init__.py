"""Static evidence: the language-subset checker, mypy --strict, ruff and complexity.

Layer 4 (producers). :func:`check_source` and :func:`check_paths` apply the
subset rules (:class:`SubsetRule`); :func:`run_mypy`, :func:`run_ruff` and
:func:`run_complexity` run the tools; :func:`run_static` runs them all over
a project and writes one evidence record per module and tool.
"""

from safety_case.runners.static._evidence import STATIC_TOOLS, StaticOutcome, run_static
from safety_case.runners.static._subset import (
    LOOP_BOUND_TAG,
    Finding,
    SubsetRule,
    check_paths,
    check_source,
)
from safety_case.runners.static._tools import (
    DEFAULT_COMPLEXITY_LIMIT,
    ToolRun,
    run_complexity,
    run_mypy,
    run_ruff,
)

__all__ = [
    "DEFAULT_COMPLEXITY_LIMIT",
    "LOOP_BOUND_TAG",
    "STATIC_TOOLS",
    "Finding",
    "StaticOutcome",
    "SubsetRule",
    "ToolRun",
    "check_paths",
    "check_source",
    "run_complexity",
    "run_mypy",
    "run_ruff",
    "run_static",
]
