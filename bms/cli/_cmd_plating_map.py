"""``bms plating-map``: a lithium-plating charge-current limit map from PyBaMM's DFN.

Needs the ``plant`` extra (PyBaMM); without it the command says so and exits
with the configuration error code instead of a traceback. Writes the map as
JSON (the ``plating`` section of a chemistry file, :class:`bms.cell.PlatingMap`);
``--into`` also sets it as the ``plating`` key of an existing chemistry file.
"""

import argparse
import json
import sys
from pathlib import Path

from bms.cli._exit import ExitCode
from bms.cli._plant import missing_plant_extra

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "plating-map"
HELP = "build a lithium-plating charge-current limit map from a PyBaMM DFN parameter set"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the parameter set, temperatures, margin, currents and outputs."""
    parser.add_argument("--parameter-set", required=True, help="PyBaMM set, e.g. Chen2020")
    parser.add_argument(
        "--temperatures",
        type=float,
        nargs="+",
        default=[-20.0, -10.0, 0.0, 10.0, 25.0, 45.0, 55.0],
        metavar="DEGC",
        help="cell temperatures in degC (default: -20 -10 0 10 25 45 55)",
    )
    parser.add_argument(
        "--margin-mv", type=float, default=10.0, help="anode potential kept, mV (default 10)"
    )
    parser.add_argument(
        "--c-rates",
        type=float,
        nargs="+",
        metavar="C",
        help="charge C-rates simulated (default: 0.05 0.1 0.2 0.3 0.5 0.7 1 1.5 2 3)",
    )
    parser.add_argument("--out", type=Path, required=True, help="plating map JSON to write")
    parser.add_argument(
        "--into", type=Path, help="also set it as the 'plating' key of this chemistry file"
    )


def _merge(path: Path, section: dict[str, object]) -> str | None:
    """Set ``plating`` in a chemistry file, validated; the problem if it cannot be done."""
    from bms.cell import parse_chemistry  # noqa: PLC0415
    from bms.errors import ConfigError  # noqa: PLC0415

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"{path}: cannot be read as JSON: {error}"
    if not isinstance(document, dict):
        return f"{path}: <top level> must be a JSON object"
    document["plating"] = section
    text = json.dumps(document, indent=2) + "\n"
    try:
        parse_chemistry(text, path)
    except ConfigError as error:
        return str(error)
    path.write_text(text, encoding="utf-8")
    return None


def _argument_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the numbers given, if anything (checked before importing PyBaMM)."""
    if not 0.0 <= args.margin_mv <= 500.0:
        return f"--margin-mv={args.margin_mv:g} must lie in [0, 500] mV"
    if args.c_rates is not None and min(args.c_rates) <= 0.0:
        return f"--c-rates {args.c_rates} must all be > 0"
    return None


def run(args: argparse.Namespace) -> ExitCode:
    """Simulate the charges with a progress bar, build, validate and write the map."""
    problem = _argument_problem(args)
    if problem:
        print(f"bms plating-map: {problem}", file=sys.stderr)
        return ExitCode.USAGE
    if missing_plant_extra("plating-map", "pybamm"):
        return ExitCode.CONFIG
    from rich.progress import Progress  # noqa: PLC0415

    from bms.calibration._plating_map import DEFAULT_C_RATES, build_plating_map  # noqa: PLC0415

    temperatures = sorted(set(args.temperatures))
    rates = sorted(set(args.c_rates or DEFAULT_C_RATES))
    total = 1 + len(temperatures) * len(rates)
    with Progress(transient=False) as progress:
        task = progress.add_task(f"plating map of {args.parameter_set}", total=total)

        def report(message: str) -> None:
            progress.update(task, description=message)
            progress.advance(task)

        try:
            result = build_plating_map(
                args.parameter_set,
                temperatures_degc=temperatures,
                margin_v=args.margin_mv / 1000.0,
                c_rates=rates,
                progress=report,
            )
        except ValueError as error:
            print(f"bms plating-map: {error}", file=sys.stderr)
            return ExitCode.CONFIG
        progress.update(task, completed=total, description="done")
    section = json.loads(result.plating.model_dump_json())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(section, indent=2) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}: {result.runs} DFN solves in {result.build_s:.1f} s "
        f"(capacity {result.capacity_ah:.3f} Ah); limit (A per cell) by degC at SoC 0.2/0.5/0.8:"
    )
    if result.unsolved:
        print(
            "charges PyBaMM's solver gave up on, counted as plating at their current and above: "
            + ", ".join(result.unsolved)
        )
    plating = result.plating
    columns = [
        plating.soc_breakpoints.index(s) for s in (0.2, 0.5, 0.8) if s in plating.soc_breakpoints
    ]
    for temperature, row in zip(
        plating.temperature_breakpoints_degc, plating.max_charge_current_a, strict=True
    ):
        print(f"  {temperature:g}: " + " / ".join(f"{row[c]:.2f}" for c in columns))
    if args.into:
        problem = _merge(args.into, section)
        if problem:
            print(f"bms plating-map: {problem}", file=sys.stderr)
            return ExitCode.CONFIG
        print(f"set 'plating' in {args.into}")
    return ExitCode.OK
