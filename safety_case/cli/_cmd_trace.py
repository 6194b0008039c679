"""``safety-case trace``: list code units and tests with the requirements they name."""

import argparse
import json

from safety_case.cli._exit import ExitCode
from safety_case.cli._impl import trace_rows
from safety_case.policy import Policy
from safety_case.snapshot import take_snapshot

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "trace"
HELP = "list code units and tests with their requirements"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--json``."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Print the traces."""
    rows = trace_rows(take_snapshot(policy))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['kind']:4} {row['name']}  {row['requirements']}")
    return ExitCode.OK
