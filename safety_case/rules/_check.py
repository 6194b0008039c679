"""The whole check: export the needs, read the traces, run sphinx-needs' schemas and our rules.

Layer 3 (judgement). One call, one report: every finding of every rule with
its location, the clauses applied, and the per-project verification methods
the evidence bundle must show. :class:`Checker` runs the same check again and
again in one process (``safety-case check --watch``): it keeps the Sphinx
application of the export and the traces of the Python files that did not
change; every rule still runs over the whole project each time.
"""

import gc
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safety_case.asil import Asil
from safety_case.needs import SCHEMA_REPORT, WARNINGS_FILE, NeedsSession, load_needs
from safety_case.policy import POLICY_FILE_NAME, Policy
from safety_case.rules._checks import ProjectData, run_rules
from safety_case.rules._methods import method_table
from safety_case.rules._model import RULES, Finding, RuleId, Severity
from safety_case.rules._sphinx import schema_findings, warning_findings
from safety_case.rules._trace_cache import TraceCache

__all__ = ["CheckReport", "Checker", "check_project"]

_OPEN_WORK = (RuleId.NOT_IMPLEMENTED, RuleId.NOT_VERIFIED, RuleId.METHODS)
_TRACES_FILE = "traces.pickle"
"""File in the build folder with the traces of the last check (:class:`TraceCache`)."""


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
            report beside it); exported now when ``None`` (in memory:
            :func:`safety_case.needs.export_needs_data`).

    Raises:
        NeedsBuildError: when Sphinx cannot build at all (the report needs its output).
    """
    if needs_json is not None:
        return _report(policy, load_needs(needs_json), needs_json.parent, TraceCache())
    checker = Checker(policy, keep_app=False)
    try:
        return checker.check()
    finally:
        checker.close()


class Checker:
    """The check of one project, repeatable in one process at the cost of what changed.

    Each :meth:`check` equals :func:`check_project` on the sources as they are
    then. Between checks it keeps the needs export's Sphinx application (with
    ``keep_app``) and the traces of every Python file by size and
    modification time (also from one :class:`Checker` to the next, through
    a file in the build folder); every rule runs over the whole project each time.
    """

    def __init__(self, policy: Policy, *, keep_app: bool = True) -> None:
        self.policy = policy
        source_dir = policy.path(policy.requirements)
        dependencies = [policy.path(p) for p in (*policy.code, *policy.tests)]
        self._out = policy.path(policy.build_dir)
        self._session = NeedsSession(source_dir, self._out, dependencies, keep_app=keep_app)
        self._traces = TraceCache(self._out / _TRACES_FILE)

    def check(self) -> CheckReport:
        """Export the needs (when a source changed), read the traces, run every rule.

        Raises:
            NeedsBuildError: when Sphinx cannot build at all.
        """
        return _report(self.policy, self._session.needs(), self._out, self._traces)

    def settle(self) -> None:
        """Between checks: collect garbage, and exempt what survives from later collections.

        The kept application holds millions of objects (10,000 needs), which
        every full pass of Python's cyclic garbage collector walks during a
        check (about 0.5 s of a re-check). Frozen (:func:`gc.freeze`), they are
        skipped until :meth:`close`. The watch loop calls this while it waits.
        """
        gc.collect()
        gc.freeze()

    def close(self) -> None:
        """Keep the traces for the next check; drop the kept Sphinx application."""
        self._traces.save()
        self._session.close()
        gc.unfreeze()


def _report(
    policy: Policy,
    needs: Mapping[str, Mapping[str, Any]],
    out_dir: Path,
    traces: TraceCache,
) -> CheckReport:
    """Read the traces and run every check on the needs exported to ``out_dir``."""
    source_dir = policy.path(policy.requirements)
    import_root = policy.path(policy.import_root)
    code, code_errors = traces.extract([policy.path(p) for p in policy.code], import_root)
    tests, test_errors = traces.extract([policy.path(p) for p in policy.tests], import_root)
    data = ProjectData(
        needs=needs,
        code_units=tuple(t for t in code if t.kind == "code"),
        tests=tuple(t for t in tests if t.kind == "test"),
        trace_errors=tuple(code_errors + test_errors),
        source_dir=source_dir,
        root=policy.root,
    )
    table, findings = method_table(policy.verification, POLICY_FILE_NAME)
    findings += warning_findings(out_dir / WARNINGS_FILE, data.relative)
    findings += schema_findings(out_dir / SCHEMA_REPORT, data.location)
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
