"""``safety-case check``: every rule of the metamodel over the project, findings with locations."""

import argparse
from pathlib import Path

from safety_case.cli._exit import ExitCode
from safety_case.policy import Policy
from safety_case.rules import RULES, CheckReport, Severity, check_project

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "check"
HELP = "check requirements and traces against the ISO 26262 rules; exit 1 on a violation"

REPORT_NAME = "check_report.json"
"""File name of the JSON report in the policy's build folder."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--json``."""
    parser.add_argument(
        "--json",
        type=Path,
        metavar="OUT",
        help=f"write the JSON report here (default: <build_dir>/{REPORT_NAME})",
    )


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Check, print the findings grouped by severity, write the JSON report."""
    report = check_project(policy)
    out = args.json if args.json is not None else policy.path(policy.build_dir) / REPORT_NAME
    report.write_json(out)
    print(render(report))
    print(f"report: {out}")
    if any(f.severity is Severity.CONFIG_ERROR for f in report.findings):
        return ExitCode.CONFIG
    return ExitCode.GATE_FAILED if report.failed else ExitCode.OK


def render(report: CheckReport) -> str:
    """The findings as text, worst severity first, each with location, rule and clause."""
    lines: list[str] = []
    for severity in sorted(Severity, reverse=True):
        group = [f for f in report.findings if f.severity is severity]
        if not group:
            continue
        lines.append(f"{severity.name} ({len(group)})")
        for finding in group:
            need = f" {finding.need_id}" if finding.need_id else ""
            lines.append(
                f"  {finding.location}: {finding.rule.value} {finding.rule.name}{need}: "
                f"{finding.message} [{RULES[finding.rule].clause}]"
            )
    open_work = len(report.open_work)
    verdict = "FAILED" if report.failed else "passed"
    lines.append(
        f"check {verdict}: {report.needs} needs, {report.code_units} code units, "
        f"{report.tests} tests; {len(report.findings)} findings, {open_work} of them open work "
        "(not implemented, not verified, methods missing)"
    )
    return "\n".join(lines)
