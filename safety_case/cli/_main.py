"""The ``safety-case`` command's parser and dispatch."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from safety_case._version import __version__
from safety_case.cli._commands import COMMANDS
from safety_case.cli._exit import ExitCode
from safety_case.errors import SafetyCaseError
from safety_case.policy import POLICY_FILE_NAME, Policy, find_policy, load_policy

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
    for command in COMMANDS:
        command.add_arguments(commands.add_parser(command.NAME, help=command.HELP))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``safety-case`` console script; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # argparse: --help, --version, or a usage error
        return int(exit_request.code or 0)
    by_name = {command.NAME: command for command in COMMANDS}
    if args.command not in by_name:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        return int(by_name[args.command].run(args, _load_policy(args.policy)))
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
