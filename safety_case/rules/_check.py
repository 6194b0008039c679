"""The whole check: export the needs, read the traces, run sphinx-needs' schemas and our rules.

Layer 3 (judgement). One call, one report: every finding of every rule with
its location, the clauses applied, and the per-project verification methods
the evidence bundle must show.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safety_case.asil import Asil
from safety_case.needs import SCHEMA_REPORT, WARNINGS_FILE, export_needs, load_needs
from safety_case.policy import POLICY_FILE_NAME, Policy
from safety_case.rules._checks import ProjectData, run_rules
from safety_case.rules._methods import method_table
from safety_case.rules._model import RULES, Finding, RuleId, Severity
from safety_case.rules._sphinx import schema_findings, warning_findings
from safety_case.trace import extract

__all__ = ["CheckReport", "check_project"]

_OPEN_WORK = (RuleId.NOT_IMPLEMENTED, RuleId.NOT_VERIFIED, RuleId.METHODS)


@dataclass(frozen=True)
class CheckReport:
    """Everything one check found, and what it checked."""

    findings: tuple[Finding, ...]
    """Every finding, sorted by severity (worst first), file and line."""
    needs: int
    """Number of needs checked."""
    code_units: int
    """Number of traced code units."""
    tests: int
    """Number of traced tests."""
    per_project_methods: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """ASIL to the methods the evidence of the whole code must show."""
    relaxations: dict[str, str] = field(default_factory=dict)
    """Justified relaxations of the default methods."""

    @property
    def failed(self) -> bool:
        """Whether any finding is a violation or a configuration error."""
        return any(f.severity >= Severity.VIOLATION for f in self.findings)

    @property
    def open_work(self) -> tuple[Finding, ...]:
        """Violations that name work still to do (a missing implementation, test or method)."""
        return tuple(f for f in self.findings if f.rule in _OPEN_WORK)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON object (stable keys)."""
        counts = {s.name.lower(): 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.name.lower()] += 1
        return {
            "passed": not self.failed,
            "counts": counts,
            "checked": {"needs": self.needs, "code_units": self.code_units, "tests": self.tests},
            "findings": [f.to_json() for f in self.findings],
            "rules": {
                rule.value: {
                    "name": rule.name,
                    "title": info.title,
                    "clause": info.clause,
                    "engine": info.engine,
                }
                for rule, info in RULES.items()
            },
            "per_project_methods": {k: list(v) for k, v in self.per_project_methods.items()},
            "relaxations": self.relaxations,
        }

    def write_json(self, path: Path) -> None:
        """Write :meth:`to_json` to ``path`` (folders created)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def check_project(policy: Policy, needs_json: Path | None = None) -> CheckReport:
    """Run every check on the project the policy describes.

    Args:
        policy: the project's policy.
        needs_json: an already exported ``needs.json`` (its warnings and schema
            report beside it); exported now when ``None``.

    Raises:
        NeedsBuildError: when Sphinx cannot build at all (the report needs its output).
    """
    source_dir = policy.path(policy.requirements)
    if needs_json is None:
        dependencies = [policy.path(p) for p in (*policy.code, *policy.tests)]
        needs_json = export_needs(source_dir, policy.path(policy.build_dir), dependencies)
    import_root = policy.path(policy.import_root)
    code, code_errors = extract([policy.path(p) for p in policy.code], import_root)
    tests, test_errors = extract([policy.path(p) for p in policy.tests], import_root)
    data = ProjectData(
        needs=load_needs(needs_json),
        code_units=tuple(t for t in code if t.kind == "code"),
        tests=tuple(t for t in tests if t.kind == "test"),
        trace_errors=tuple(code_errors + test_errors),
        source_dir=source_dir,
        root=policy.root,
    )
    table, findings = method_table(policy.verification, POLICY_FILE_NAME)
    findings += warning_findings(needs_json.parent / WARNINGS_FILE, data.relative)
    findings += schema_findings(needs_json.parent / SCHEMA_REPORT, data.location)
    findings += run_rules(data, table)
    unique = sorted(
        set(findings),
        key=lambda f: (-f.severity, f.location.file, f.location.line, f.rule, f.message),
    )
    return CheckReport(
        findings=tuple(unique),
        needs=len(data.needs),
        code_units=len(data.code_units),
        tests=len(data.tests),
        per_project_methods={a.name: table.per_project[a] for a in Asil if table.per_project[a]},
        relaxations=table.relaxations,
    )
