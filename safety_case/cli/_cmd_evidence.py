"""``safety-case evidence``: inspect evidence records against the current sources."""

import argparse
import sys

from safety_case.cli._exit import ExitCode
from safety_case.cli._impl import evidence_status
from safety_case.policy import Policy

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "evidence"
HELP = "inspect evidence records"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``status`` action."""
    actions = parser.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    actions.add_parser(
        "status", help="list records with verdict and freshness; exit 1 if any does not count"
    )


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Print each record's verdict and freshness; fail unless all count."""
    del args
    statuses, problems = evidence_status(policy)
    for status in statuses:
        stale = "; ".join(status.stale_because)
        state = f"STALE: {stale}" if stale else "fresh"
        print(f"{status.record.verdict.value:12} {state:6}  {status.record.id}")
    for problem in problems:
        print(problem, file=sys.stderr)
    counted = sum(status.counts for status in statuses)
    print(f"{counted} of {len(statuses)} records count (fresh and passing)")
    all_count = bool(statuses) and counted == len(statuses) and not problems
    return ExitCode.OK if all_count else ExitCode.GATE_FAILED
