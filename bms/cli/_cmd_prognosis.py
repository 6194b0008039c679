"""``bms prognosis``: remaining useful life of a cell from its usage history.

ASIL: QM(D) (prognosis; never in the protection path). Requirements: SWR_AGE_003, SWR_AGE_004.
"""

import argparse
import dataclasses
import json
from pathlib import Path

from bms.aging import PrognosisConfig, load_history, load_parameters, prognose
from bms.cli._exit import ExitCode
from bms.errors import ConfigError, ConfigProblem

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "prognosis"
HELP = "remaining useful life to 80 and 70 percent capacity from a usage history"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the history, the output and the chemistry."""
    parser.add_argument(
        "--history",
        type=Path,
        required=True,
        help="usage history, CSV or .json (columns: see bms.aging._history)",
    )
    parser.add_argument("--json", type=Path, help="write the prognosis here as JSON")
    parser.add_argument("--chemistry", choices=("NMC", "LFP"), default="NMC")
    parser.add_argument("--params", type=Path, help="fitted parameters; default: shipped ones")
    parser.add_argument(
        "--interval-level", type=float, default=0.9, help="two-sided interval probability"
    )
    parser.add_argument(
        "--capacity-bias-sigma-pct",
        type=float,
        default=PrognosisConfig().capacity_bias_sigma_pct,
        help="1-sigma of an error common to every measured capacity, %% of nominal: the "
        "current sensor's gain when the capacities are the BMS's own (default); 0 for "
        "reference tests",
    )


def _days(value: float | None) -> str:
    return "beyond horizon" if value is None else f"{value:.0f} d ({value / 365:.1f} y)"


def run(args: argparse.Namespace) -> ExitCode:
    """Load, update, predict; print a summary and write the JSON.

    Implements: SWR_AGE_004
    """
    if not 0.5 < args.interval_level < 1.0:
        raise ConfigError(
            "--interval-level", [ConfigProblem("interval_level", "must be in (0.5, 1)")]
        )
    if not 0.0 <= args.capacity_bias_sigma_pct <= 10.0:
        raise ConfigError(
            "--capacity-bias-sigma-pct",
            [ConfigProblem("capacity_bias_sigma_pct", "must be in [0, 10]")],
        )
    params = load_parameters(args.chemistry, args.params)
    history = load_history(args.history)
    config = PrognosisConfig(
        interval_level=args.interval_level, capacity_bias_sigma_pct=args.capacity_bias_sigma_pct
    )
    result = prognose(params, history, config)
    print(
        f"{result.chemistry}: age {result.age_days:.0f} d, {result.efc:.0f} EFC, capacity "
        f"{result.capacity_pct:.2f} % +- {result.capacity_sigma_pct:.2f} (1 sigma)"
    )
    for life in result.remaining:
        print(
            f"RUL to {life.threshold_pct:.0f} %: {_days(life.days)}; "
            f"{100 * result.interval_level:.0f} % interval {_days(life.lower_days)} .. "
            f"{_days(life.upper_days)}"
        )
    if args.json is not None:
        document = dataclasses.asdict(result)
        document["history"] = str(args.history)
        document["parameters"] = params.source
        try:
            args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            raise ConfigError(
                args.json, [ConfigProblem("<file>", f"cannot write: {error}")]
            ) from None
    return ExitCode.OK
