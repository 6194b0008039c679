"""``bms schema``: print the JSON Schema of the controller's inputs or outputs, or of telemetry."""

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
        choices=["inputs", "outputs", "telemetry"],
        help="inputs: the frames `bms replay` reads; outputs: what it writes; "
        "telemetry: the records `bms replay --telemetry` writes",
    )


def run(args: argparse.Namespace) -> ExitCode:
    """Print the schema as indented JSON."""
    from bms.controller import ControllerInputs, ControllerOutputs  # noqa: PLC0415
    from bms.telemetry import telemetry_json_schema  # noqa: PLC0415

    if args.which == "telemetry":
        schema = telemetry_json_schema()
    else:
        model = ControllerInputs if args.which == "inputs" else ControllerOutputs
        schema = model.model_json_schema()
    with contextlib.suppress(BrokenPipeError):  # a reader such as `head` stopped early
        print(json.dumps(schema, indent=2))
    return ExitCode.OK
