"""``safety-case impact REV``: requirements and evidence touched by the changes since REV."""

import argparse
import dataclasses
import json

from safety_case.cli._exit import ExitCode
from safety_case.policy import Policy
from safety_case.report import impact

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "impact"
HELP = "list the requirements and evidence touched by the changes since a git revision"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``REV`` and ``--json``."""
    parser.add_argument("revision", metavar="REV", help="git revision to compare against")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Print the impact; exit 0."""
    found = impact(policy, args.revision)
    if args.json:
        print(json.dumps(dataclasses.asdict(found), indent=2))
        return ExitCode.OK
    for title, items in (
        ("changed files", found.changed_files),
        ("changed code units and tests", found.changed_units),
        ("changed requirements", found.changed_requirements),
        ("touched requirements", found.touched_requirements),
        ("touched evidence", found.touched_evidence),
    ):
        print(f"{title} since {found.revision}: {len(items)}")
        for item in items:
            print(f"  {item}")
    return ExitCode.OK
