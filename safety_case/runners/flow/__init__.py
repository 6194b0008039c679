"""Control-flow and data-flow analysis of a control path, and its evidence records.

Layer 4 (producers). :func:`index_project` parses the project's files (no
import), :func:`analyse` builds the call graph from the named entry points
and checks every reachable function (:class:`FlowRule`: no recursion,
nothing outside the allowed packages, no I/O, no write to module-level
state, no mutation in place, only frozen records), and
:func:`flow_records` writes one ``control_data_flow`` record per component.
"""

from safety_case.runners.flow._analysis import (
    IO_BUILTINS,
    IO_METHODS,
    IO_MODULES,
    MUTATING_METHODS,
    CallGraph,
    FlowFinding,
    FlowResult,
    FlowRule,
    FunctionInfo,
    ProjectIndex,
    analyse,
    index_project,
)
from safety_case.runners.flow._evidence import FLOW_TOOL, FlowOutcome, component_of, flow_records

__all__ = [
    "FLOW_TOOL",
    "IO_BUILTINS",
    "IO_METHODS",
    "IO_MODULES",
    "MUTATING_METHODS",
    "CallGraph",
    "FlowFinding",
    "FlowOutcome",
    "FlowResult",
    "FlowRule",
    "FunctionInfo",
    "ProjectIndex",
    "analyse",
    "component_of",
    "flow_records",
    "index_project",
]
