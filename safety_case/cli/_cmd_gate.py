"""``safety-case gate``: exit 1, naming each reason, unless every safety goal is supported.

The evidence judged is the bundle's (``safety-case evidence collect``) when
there is one, verified against its manifest and the sources; else the
records of the evidence folder. Reasons: the bundle does not hold (records
altered, added or deleted, sources changed), a module of the argument not
supported, each undeveloped goal, each method without evidence, each
failing or stale record, each GSN check finding, each unreadable record or
trace, and each violation the rule checks
(:func:`safety_case.rules.check_project`) find.
"""

import argparse
from pathlib import Path

from safety_case.cli._cmd_report import default_out
from safety_case.cli._exit import ExitCode
from safety_case.evidence import MANIFEST_NAME, verify_bundle
from safety_case.policy import Policy
from safety_case.report import Case, build_case, gate_reasons, goal_summaries, snapshot_of
from safety_case.rules import Severity, check_project
from safety_case.snapshot import Snapshot

__all__ = ["HELP", "NAME", "add_arguments", "bundle_reasons", "rule_violations", "run"]

NAME = "gate"
HELP = "fail (exit 1) naming each reason unless every safety goal's argument is complete"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--site``, ``--max-reasons``, ``--bundle`` and ``--require-bundle``."""
    parser.add_argument(
        "--site", type=Path, help="built Sphinx site, to print where the safety case page is"
    )
    parser.add_argument(
        "--max-reasons", type=int, default=0, help="print at most this many reasons (0: all)"
    )
    parser.add_argument(
        "--bundle",
        type=Path,
        help="evidence bundle to judge and verify (default: <build_dir>/bundle when it exists; "
        "else the records in evidence_dir)",
    )
    parser.add_argument(
        "--require-bundle", action="store_true", help="a missing bundle is itself a reason"
    )


def rule_violations(case: Case) -> list[str]:
    """Violations and configuration errors the rule checks find (on the case's exported needs)."""
    exported = case.policy.path(case.policy.build_dir) / "needs.json"
    report = check_project(case.policy, exported if exported.is_file() else None)
    return [
        f"rule {f.rule.value} ({f.clause}): {f.location}: {f.need_id or '-'}: {f.message}"
        for f in report.findings
        if f.severity >= Severity.VIOLATION
    ]


def bundle_reasons(bundle: Path, policy: Policy, snapshot: Snapshot) -> list[str]:
    """What :func:`safety_case.evidence.verify_bundle` finds, as reasons.

    Stale records are left out (the argument names each of them already) and
    so are tool-version notes (informational).
    """
    report = verify_bundle(bundle, policy, snapshot)
    return [
        f"bundle {bundle}: {line}"
        for line in report.lines()
        if not line.startswith(("note:", "STALE "))
    ]


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Judge the case; print the reasons and where to read more."""
    snapshot = snapshot_of(policy)
    bundle = args.bundle if args.bundle is not None else policy.path(policy.build_dir) / "bundle"
    reasons: list[str] = []
    if (bundle / MANIFEST_NAME).is_file():
        case = build_case(policy, snapshot, bundle / "records")
        reasons += bundle_reasons(bundle, policy, snapshot)
        print(f"evidence: the bundle {bundle}")
    else:
        case = build_case(policy, snapshot)
        where = policy.path(policy.evidence_dir)
        if args.require_bundle:
            reasons.append(f"no evidence bundle in {bundle} (run: safety-case evidence collect)")
        print(f"evidence: the records in {where} (no bundle in {bundle})")
    reasons += gate_reasons(case)
    reasons += rule_violations(case)
    for summary in goal_summaries(case):
        print(
            f"{summary.status.upper():17} {summary.id}: {summary.undeveloped} undeveloped, "
            f"{summary.missing_evidence} missing, {summary.failing} failing, "
            f"{summary.stale} stale"
        )
    shown = reasons[: args.max_reasons] if args.max_reasons > 0 else reasons
    for reason in shown:
        print(f"  gate: {reason}")
    if len(shown) < len(reasons):
        print(f"  gate: ... and {len(reasons) - len(shown)} more reasons")
    if args.site is not None and (args.site / "safety_case.html").is_file():
        print(f"safety case: {(args.site / 'safety_case.html').resolve()}")
    reports = default_out(policy)
    if (reports / "traceability.html").is_file():
        print(f"reports: {reports / 'traceability.html'}, {reports / 'traceability.json'}")
    else:
        print(f"reports: none yet in {reports} (run: safety-case report)")
    if reasons:
        print(f"GATE FAILED: {len(reasons)} reasons; the safety case is not complete")
        return ExitCode.GATE_FAILED
    print("GATE PASSED: every safety goal is supported by fresh, passing evidence")
    return ExitCode.OK
