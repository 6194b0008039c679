"""``bms schema``: print the JSON Schema of the controller's inputs or outputs."""

import argparse
import contextlib
import json

from bms.cli._exit import ExitCode

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "schema"
HELP = "print the JSON Schema of the controller's input (or output) frames"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare which schema to print."""
    parser.add_argument(
        "which",
        choices=["inputs", "outputs"],
        help="inputs: the frames `bms replay` reads; outputs: what it writes",
    )


def run(args: argparse.Namespace) -> ExitCode:
    """Print the schema as indented JSON."""
    from bms.controller import ControllerInputs, ControllerOutputs  # noqa: PLC0415

    model = ControllerInputs if args.which == "inputs" else ControllerOutputs
    with contextlib.suppress(BrokenPipeError):  # a reader such as `head` stopped early
        print(json.dumps(model.model_json_schema(), indent=2))
    return ExitCode.OK
