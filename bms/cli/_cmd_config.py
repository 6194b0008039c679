"""``bms config``: show or check pack configuration files."""

import argparse
import json
import sys
from pathlib import Path

from bms.cli._exit import ExitCode
from bms.cli._impl import check_configs, config_summary
from bms.cli._pack_argument import add_config_option
from bms.config import load_config

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "config"
HELP = "show or check pack configuration files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``config show`` and ``config check``."""
    actions = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the headline figures of a pack")
    add_config_option(show)
    show.add_argument("--json", action="store_true", help="print the whole configuration as JSON")
    check = actions.add_parser("check", help="validate pack files, one message a problem")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")


def run(args: argparse.Namespace) -> ExitCode:
    """Show or check, as asked."""
    if args.config_command == "show":
        config = load_config(args.config)
        if args.json:
            print(config.model_dump_json(indent=2))
        else:
            for key, value in config_summary(config).items():
                print(f"{key}: {json.dumps(value)}")
        return ExitCode.OK
    problems = check_configs(args.files)
    for problem in problems:
        print(problem, file=sys.stderr)
    return ExitCode.CONFIG if problems else ExitCode.OK
