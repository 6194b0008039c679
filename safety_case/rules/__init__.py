"""Rule checks of the ISO 26262 metamodel that sphinx-needs' schemas cannot express.

Layer 3 (judgement). Each rule has a stable id (:class:`RuleId`), a severity
(:class:`Severity`) and the ISO 26262 clause it rests on (:data:`RULES`);
:func:`check_project` runs sphinx-needs' export and schema validation, then
every rule, and returns one :class:`CheckReport` with every finding.
"""

from safety_case.rules._check import Checker, CheckReport, check_project
from safety_case.rules._checks import ProjectData, run_rules
from safety_case.rules._methods import (
    DEFAULT_PER_PROJECT,
    DEFAULT_PER_REQUIREMENT,
    KNOWN_METHODS,
    MethodTable,
    method_table,
)
from safety_case.rules._model import RULES, Finding, Location, RuleId, RuleInfo, Severity
from safety_case.rules._sphinx import schema_findings, warning_findings

__all__ = [
    "DEFAULT_PER_PROJECT",
    "DEFAULT_PER_REQUIREMENT",
    "KNOWN_METHODS",
    "RULES",
    "CheckReport",
    "Checker",
    "Finding",
    "Location",
    "MethodTable",
    "ProjectData",
    "RuleId",
    "RuleInfo",
    "Severity",
    "check_project",
    "method_table",
    "run_rules",
    "schema_findings",
    "warning_findings",
]
