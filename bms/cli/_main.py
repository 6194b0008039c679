"""The ``bms`` command's parser and dispatch.

Exit codes are those of :class:`bms.cli.ExitCode`. Expected failures print
one clear message and no traceback.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bms import _version
from bms import config as _config
from bms import errors as _errors
from bms.cli import _impl
from bms.cli._exit import ExitCode

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bms",
        description="A verified Battery Management System. Every command runs with the "
        f"shipped default pack ({_config.default_pack_path().name}) unless --config names another.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    config = commands.add_parser("config", help="show or check pack configuration files")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION")
    show = config_commands.add_parser("show", help="print the headline figures of a pack")
    show.add_argument("--config", type=Path, help="pack file (TOML); default: the shipped pack")
    show.add_argument("--json", action="store_true", help="print the whole configuration as JSON")
    check = config_commands.add_parser("check", help="validate pack files, one message a problem")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bms`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(_dispatch(parser, args))
    except _errors.ConfigError as error:
        print(error.render(), file=sys.stderr)
        return ExitCode.CONFIG
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> ExitCode:
    if args.command == "config" and args.config_command == "show":
        config = _config.load_config(args.config)
        if args.json:
            print(config.model_dump_json(indent=2))
        else:
            for key, value in _impl.config_summary(config).items():
                print(f"{key}: {json.dumps(value)}")
        return ExitCode.OK
    if args.command == "config" and args.config_command == "check":
        problems = _impl.check_configs(args.files)
        for problem in problems:
            print(problem, file=sys.stderr)
        return ExitCode.CONFIG if problems else ExitCode.OK
    parser.print_help(sys.stderr)
    return ExitCode.USAGE
