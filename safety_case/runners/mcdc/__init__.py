"""MC/DC measurement for Python: instrument decisions on import, record vectors, judge pairs.

Layer 4 (producers). Modified condition/decision coverage (ISO 26262-6:2018
Table 9, highly recommended at ASIL D) is measured by no mainstream Python
tool (DESIGN.md section 7), so this package does it:

1. :func:`instrument` rewrites a module's syntax tree so that each decision
   reports its condition vector (``None`` for a condition short-circuiting
   skipped) and outcome;
2. :func:`install` puts an import hook for the named packages on the meta
   path, so that only they are instrumented;
3. :class:`Measurement` gathers the evaluations while tests run;
4. :func:`unique_cause_covered` and :func:`masking_covered` decide which
   conditions have shown their independent effect; :func:`build_report`
   writes it all per module and decision;
5. :func:`coverage_records` turns the report (with coverage.py's statement
   and branch figures and the written justifications) into one evidence
   record per module.

The pytest options ``--mcdc=PACKAGE`` and ``--mcdc-report=FILE`` live in
``_pytest_plugin`` and are registered by :mod:`safety_case.pytest_plugin`.
"""

from safety_case.runners.mcdc._analysis import masking_covered, node_value, unique_cause_covered
from safety_case.runners.mcdc._evidence import (
    UNKNOWN_ASIL,
    CoverageGap,
    CoverageOutcome,
    Justification,
    coverage_records,
    load_justifications,
)
from safety_case.runners.mcdc._hook import McdcFinder, install, uninstall
from safety_case.runners.mcdc._instrument import instrument
from safety_case.runners.mcdc._model import (
    And,
    Condition,
    Decision,
    Leaf,
    Not,
    Or,
)
from safety_case.runners.mcdc._report import (
    REPORT_FORMAT_VERSION,
    Criterion,
    DecisionResult,
    build_report,
    decision_result,
    read_report,
    write_report,
)
from safety_case.runners.mcdc._runtime import Measurement, ModuleData

__all__ = [
    "REPORT_FORMAT_VERSION",
    "UNKNOWN_ASIL",
    "And",
    "Condition",
    "CoverageGap",
    "CoverageOutcome",
    "Criterion",
    "Decision",
    "DecisionResult",
    "Justification",
    "Leaf",
    "McdcFinder",
    "Measurement",
    "ModuleData",
    "Not",
    "Or",
    "build_report",
    "coverage_records",
    "decision_result",
    "install",
    "instrument",
    "load_justifications",
    "masking_covered",
    "node_value",
    "read_report",
    "uninstall",
    "unique_cause_covered",
    "write_report",
]
