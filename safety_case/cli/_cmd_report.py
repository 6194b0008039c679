"""``safety-case report``: write the traceability reports and the argument of the safety case."""

import argparse
from pathlib import Path

from safety_case.cli._exit import ExitCode
from safety_case.policy import Policy
from safety_case.report import build_case, write_reports

__all__ = ["HELP", "NAME", "add_arguments", "default_out", "run"]

NAME = "report"
HELP = "write the traceability report (HTML, JSON and its schema) and the GSN argument"


def default_out(policy: Policy) -> Path:
    """Where reports go unless ``--out`` says otherwise: ``<build_dir>/report``."""
    return policy.path(policy.build_dir) / "report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--out`` and ``--svg``."""
    parser.add_argument("--out", type=Path, help="output folder (default: <build_dir>/report)")
    parser.add_argument(
        "--svg", action="store_true", help="also draw one SVG per module (needs graphviz)"
    )


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Write the reports; exit 0 (the gate, not the report, judges)."""
    out = args.out if args.out is not None else default_out(policy)
    files = write_reports(build_case(policy), out, svg=args.svg)
    for path in (files.html, files.json, files.schema, files.argument, *files.svgs):
        print(f"wrote {path}")
    return ExitCode.OK
