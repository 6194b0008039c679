"""``bms validate``: the SoC estimator against PyBaMM's DFN over a drive cycle.

Needs the ``plant`` extra (PyBaMM, scipy, matplotlib); without it the command
says so and exits with the configuration error code.
"""

import argparse
import json
import sys
from pathlib import Path

from bms.cli._exit import ExitCode
from bms.cli._plant import missing_plant_extra

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "validate"
HELP = "run the SoC estimator against PyBaMM's DFN (truth) over a drive cycle"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the truth, the cycle, the initial states and the outputs."""
    parser.add_argument("--parameter-set", required=True, help="PyBaMM set of the truth")
    parser.add_argument(
        "--chemistry", help="chemistry file or shipped name (default: the one fitted to the set)"
    )
    parser.add_argument(
        "--cycle",
        required=True,
        help="udds, hwfet or a CSV time_s,current_a; several comma-separated run back to back",
    )
    parser.add_argument("--ambient", type=float, default=25.0, help="degC (default 25)")
    parser.add_argument("--initial-soc", type=float, required=True, help="true initial SoC")
    parser.add_argument("--soc-guess", type=float, required=True, help="estimators' initial SoC")
    parser.add_argument("--repeat", type=int, default=1, help="cycle repetitions (default 1)")
    parser.add_argument("--initial-sigma", type=float, default=0.15, help="filter's initial SoC sd")
    parser.add_argument("--seed", type=int, default=1, help="sensor noise seed")
    parser.add_argument(
        "--period-s", type=float, default=0.1, help="BMS sample period (default 0.1 s, 10 Hz)"
    )
    parser.add_argument(
        "--sensor",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a sensor error (bms.plant.SensorErrors), e.g. voltage_noise_v=0.002",
    )
    parser.add_argument(
        "--tuning",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a filter setting (bms.estimation.SocFilterTuning)",
    )
    parser.add_argument(
        "--aged-capacity",
        type=float,
        default=1.0,
        metavar="FRACTION",
        help="age the DFN cell to this share of its capacity (electrode area); implies --soh",
    )
    parser.add_argument(
        "--soh", action="store_true", help="run the capacity estimator and report capacity_error"
    )
    parser.add_argument(
        "--key-on-s",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="key-on before the cycle: the BMS samples at zero current with the contactors "
        "open and calibrates the current offset (default 0: none)",
    )
    parser.add_argument(
        "--nees-runs",
        type=int,
        default=20,
        help="Monte-Carlo runs of the NEES consistency test (default 20; 0: none)",
    )
    parser.add_argument(
        "--truth-cache",
        type=Path,
        metavar="DIR",
        help="reuse (or store) the DFN truth in DIR, keyed by everything it depends on",
    )
    parser.add_argument("--json", type=Path, required=True, dest="json_out", help="JSON result")
    parser.add_argument("--plot", type=Path, help="PNG plot of truth, estimate, bound and error")


def _chemistry_for(parameter_set: str, given: str | None) -> str:
    from bms.cell import chemistry_names  # noqa: PLC0415

    if given:
        return given
    matches = [name for name in chemistry_names() if name.endswith(f"_{parameter_set}")]
    return matches[0] if matches else parameter_set


def _overrides(pairs: list[str], option: str) -> dict[str, float]:
    """``FIELD=VALUE`` pairs as a dict; raises ``ValueError`` naming the bad pair."""
    result = {}
    for pair in pairs:
        field, _, value = pair.partition("=")
        try:
            result[field.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--{option} {pair!r}: expected FIELD=NUMBER") from None
    return result


def _argument_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the numbers given, if anything."""
    for name in ("initial_soc", "soc_guess"):
        value = getattr(args, name)
        if not 0.0 <= value <= 1.0:
            return f"--{name.replace('_', '-')}={value} must be in [0, 1]"
    checks = (
        (args.period_s > 0.0, f"--period-s={args.period_s} must be > 0"),
        (args.repeat >= 1, f"--repeat={args.repeat} must be >= 1"),
        (
            0.0 < args.aged_capacity <= 1.0,
            f"--aged-capacity={args.aged_capacity} must be in (0, 1]",
        ),
        (args.key_on_s >= 0.0, f"--key-on-s={args.key_on_s} must be >= 0"),
        (args.nees_runs >= 0, f"--nees-runs={args.nees_runs} must be >= 0"),
    )
    return next((message for valid, message in checks if not valid), None)


def run(args: argparse.Namespace) -> ExitCode:
    """Run one validation and write its JSON (and plot)."""
    if missing_plant_extra("validate", "matplotlib", "pybamm"):
        return ExitCode.CONFIG
    from rich.console import Console  # noqa: PLC0415

    from bms.calibration._validation import (  # noqa: PLC0415
        ValidationCase,
        cycle_for_chemistry,
        plot_validation,
        run_validation,
    )
    from bms.cell import load_chemistry  # noqa: PLC0415

    problem = _argument_problem(args)
    if problem:
        print(f"bms validate: {problem}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        sensor = _overrides(args.sensor, "sensor")
        tuning = _overrides(args.tuning, "tuning")
    except ValueError as error:
        print(f"bms validate: {error}", file=sys.stderr)
        return ExitCode.USAGE
    chemistry = load_chemistry(_chemistry_for(args.parameter_set, args.chemistry))
    case = ValidationCase(
        parameter_set=args.parameter_set,
        chemistry=chemistry,
        cycle=cycle_for_chemistry(args.cycle, chemistry),
        ambient_degc=args.ambient,
        initial_soc=args.initial_soc,
        soc_guess=args.soc_guess,
        repeat=args.repeat,
        initial_sigma=args.initial_sigma,
        seed=args.seed,
        period_s=args.period_s,
        sensor=sensor,
        tuning=tuning,
        capacity_fraction=args.aged_capacity,
        estimate_capacity=args.soh or args.aged_capacity < 1.0,
        key_on_s=args.key_on_s,
        nees_runs=args.nees_runs,
    )
    console = Console(stderr=True)
    with console.status(
        f"DFN truth and estimators: {args.cycle} x{args.repeat}, {args.ambient:g} degC"
    ):
        try:
            result = run_validation(case, args.truth_cache)
        except (ValueError, TypeError) as error:
            print(f"bms validate: {error}", file=sys.stderr)
            return ExitCode.USAGE
    summary = result.summary()
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if args.plot:
        plot_validation(result, args.plot)
    est, cc = result.estimator, result.coulomb
    print(
        f"EKF: rmse {est.soc_rmse * 100:.2f} %, max {est.soc_max_abs_error * 100:.2f} %, "
        f"coverage {est.bound_coverage or 0.0:.3f}; coulomb counting: rmse "
        f"{cc.soc_rmse * 100:.2f} %, max {cc.soc_max_abs_error * 100:.2f} %; circuit vs DFN "
        f"voltage rmse {result.ecm_voltage_rmse_v * 1000:.1f} mV"
    )
    if result.capacity is not None:
        print(
            f"capacity: {result.capacity['capacity_estimate_ah']:.3f} Ah estimated, "
            f"{result.capacity['capacity_true_ah']:.3f} Ah true, error "
            f"{float(result.capacity['capacity_error']) * 100:+.2f} %"  # type: ignore[arg-type]
        )
    if result.consistency is not None:
        nees = result.consistency
        print(
            f"NEES of {nees.runs} runs: mean {nees.mean_nees:.2f}, inside its 95 % band "
            f"[{nees.band[0]:.2f}, {nees.band[1]:.2f}] at {nees.inside_fraction * 100:.0f} % "
            f"of samples ({nees.below_fraction * 100:.0f} % below, "
            f"{nees.above_fraction * 100:.0f} % above); the runs' largest error "
            f"{nees.max_abs_error * 100:.2f} %, truth inside 3 sigma at "
            f"{nees.bound_coverage * 100:.1f} % of their samples"
        )
    if result.plating_min_margin_v is not None:
        print(
            "true minimum plating margin while charging: "
            f"{result.plating_min_margin_v * 1000:.1f} mV"
        )
    return ExitCode.OK
