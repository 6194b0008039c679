"""The ``bms`` command's parser and dispatch."""

import argparse
import sys
from collections.abc import Sequence

from bms._version import __version__
from bms.cli._commands import COMMANDS
from bms.cli._exit import ExitCode
from bms.config import default_pack_path
from bms.errors import BmsError, ConfigError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bms",
        description="A verified Battery Management System. Every command runs with the "
        f"shipped default pack ({default_pack_path().name}) unless --config names another.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_arguments(commands.add_parser(command.NAME, help=command.HELP))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bms`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    by_name = {command.NAME: command for command in COMMANDS}
    if args.command not in by_name:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        return int(by_name[args.command].run(args))
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        return ExitCode.CONFIG
    except BmsError as error:
        print(f"bms: {error}", file=sys.stderr)
        return ExitCode.FAILED
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
