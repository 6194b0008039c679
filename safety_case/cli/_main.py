"""The ``safety-case`` command's parser and dispatch.

Exit codes are those of :class:`safety_case.cli.ExitCode`; expected failures
print one message and no traceback.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from safety_case._version import __version__
from safety_case.cli._exit import ExitCode
from safety_case.cli._impl import evidence_status, trace_rows
from safety_case.errors import SafetyCaseError
from safety_case.policy import POLICY_FILE_NAME, Policy, find_policy, load_policy
from safety_case.snapshot import take_snapshot

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safety-case",
        description="ISO 26262 safety-case toolkit: traces, evidence and checks of a project "
        f"configured by its {POLICY_FILE_NAME}.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--policy", type=Path, help=f"policy file (default: the nearest {POLICY_FILE_NAME})"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    trace = commands.add_parser("trace", help="list code units and tests with their requirements")
    trace.add_argument("--json", action="store_true", help="print JSON instead of a table")
    evidence = commands.add_parser("evidence", help="inspect evidence records")
    evidence_commands = evidence.add_subparsers(dest="evidence_command", metavar="ACTION")
    evidence_commands.add_parser(
        "status", help="list records with verdict and freshness; exit 1 if any does not count"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``safety-case`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None or (args.command == "evidence" and args.evidence_command is None):
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        return int(_dispatch(args, _load_policy(args.policy)))
    except SafetyCaseError as error:
        print(f"safety-case: {error}", file=sys.stderr)
        return ExitCode.CONFIG
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


def _load_policy(path: Path | None) -> Policy:
    found = path if path is not None else find_policy(Path.cwd())
    if found is None:
        raise SafetyCaseError(f"no {POLICY_FILE_NAME} in {Path.cwd()} or any parent folder")
    return load_policy(found)


def _dispatch(args: argparse.Namespace, policy: Policy) -> ExitCode:
    if args.command == "trace":
        rows = trace_rows(take_snapshot(policy))
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:
                print(f"{row['kind']:4} {row['name']}  {', '.join(row['requirements'])}")  # type: ignore[arg-type]
        return ExitCode.OK
    statuses, problems = evidence_status(policy)
    for status in statuses:
        state = "fresh" if not status.stale_because else "STALE: " + "; ".join(status.stale_because)
        print(f"{status.record.verdict.value:12} {state:6}  {status.record.id}")
    for problem in problems:
        print(problem, file=sys.stderr)
    counted = sum(status.counts for status in statuses)
    print(f"{counted} of {len(statuses)} records count (fresh and passing)")
    return (
        ExitCode.OK
        if statuses and counted == len(statuses) and not problems
        else ExitCode.GATE_FAILED
    )
