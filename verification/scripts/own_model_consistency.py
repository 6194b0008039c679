r"""The SoC filter's NEES on its own circuit, every validation-matrix row, allowance off and on.

ASIL: QM (validation script; never in the control path). Requirements: SWR_CAL_004.

For each row of the validation matrix (``validation_matrix.matrix_rows``),
40 runs of the filter on its own equivalent circuit, each drawing all the
filter takes as random (:mod:`bms.calibration._own_model`): once with the
model-error allowance switched off (the plant has no model error, so an
honest filter's average NEES lies inside its chi-square band about 95 % of
the time), once with the shipped allowance (it should lie below the band,
never above), both started 10 points unsure; then as shipped from the
controller's two starts: a kept SoC (:data:`KEPT_SIGMA`, after a night
parked; on the drives also at :data:`LOW_GUESS`) and, on the drives, the
unknown start (50 %, 30 points: a new pack, a lost key-off). Writes
``own_model.json`` and ``own_model.inc`` to ``docs/validation``; about 8
minutes on two cores::

    python verification/scripts/own_model_consistency.py [--runs 40] [--out DIR] \
        [--tuning FIELD=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bms.estimation import UNKNOWN_SOC, UNKNOWN_SOC_SIGMA  # noqa: E402
from verification.scripts.onboard_capacity import list_table  # noqa: E402
from verification.scripts.validation_matrix import (  # noqa: E402
    CHARGE,
    CHARGE_C_RATE,
    MATRIX_CYCLES,
    add_tuning_option,
    matrix_rows,
    parsed_tuning,
)

DRIVE_GUESS = 0.7
"""The filter's initial SoC on a drive: the truths, drawn 10 points around it, span both
of the LFP cell's plateaus and the step between them (0.68-0.80)."""
CHARGE_GUESS = 0.2
"""On the charge, which runs for :data:`CHARGE_S` (52 points at 0.7C)."""
CHARGE_S = 2700.0
"""How long the charge runs, s."""
INITIAL_SIGMA = 0.1
"""The filter's initial SoC sigma in the first two columns, from which the truths are drawn."""
KEPT_SIGMA = 0.01
"""The kept start's: about what a night parked leaves of a kept SoC (0.7-1.0 %,
``soc_memory.py``)."""
LOW_GUESS = 0.15
"""A kept start near the bottom, where the LFP cell's OCV follows the graphite's steep end
and the surface lag is largest (the offset reaches the voltage through it)."""


class Column(NamedTuple):
    """One column of the table: the filter's start and allowance every row runs with."""

    key: str
    header: str
    allowance: bool
    """The shipped model-error allowance (else switched off)."""
    sigma: float
    """The filter's initial SoC sigma; each run's truth is drawn from it."""
    guess: float | None = None
    """The filter's initial SoC; None: the row's own (:data:`DRIVE_GUESS`, :data:`CHARGE_GUESS`).
    A column with its own guess runs the drives only: from it a charge would take the
    truths past the top of the table."""


COLUMNS = (
    Column("allowance_off", "allowance off", allowance=False, sigma=INITIAL_SIGMA),
    Column("shipped", "shipped allowance", allowance=True, sigma=INITIAL_SIGMA),
    Column("kept_start", "shipped, kept SoC (sigma 1 %)", allowance=True, sigma=KEPT_SIGMA),
    Column(
        "kept_low",
        "shipped, kept SoC at 15 % (sigma 1 %; drives)",
        allowance=True,
        sigma=KEPT_SIGMA,
        guess=LOW_GUESS,
    ),
    Column(
        "unknown_start",
        "shipped, unknown start (50 %, sigma 30 %; drives)",
        allowance=True,
        sigma=UNKNOWN_SOC_SIGMA,
        guess=UNKNOWN_SOC,
    ),
)


def _row(
    chemistry_name: str, cycle: str, ambient: float, runs: int, tuning: dict[str, float]
) -> dict[str, Any]:
    from bms.calibration._own_model import OwnModelCase, own_model_runs  # noqa: PLC0415
    from bms.calibration._validation import (  # noqa: PLC0415
        constant_current_charge,
        cycle_for_chemistry,
    )
    from bms.cell import load_chemistry  # noqa: PLC0415

    chemistry = load_chemistry(chemistry_name)
    charge = cycle == CHARGE
    profile = (
        constant_current_charge(chemistry, CHARGE_C_RATE, CHARGE_S)
        if charge
        else cycle_for_chemistry(cycle, chemistry).repeated(MATRIX_CYCLES[cycle])
    )
    row: dict[str, Any] = {"chemistry": chemistry_name, "cycle": cycle, "ambient_degc": ambient}
    for column in COLUMNS:
        if charge and column.guess is not None:
            continue
        case = OwnModelCase(
            chemistry,
            profile,
            ambient,
            column.guess if column.guess is not None else CHARGE_GUESS if charge else DRIVE_GUESS,
            initial_sigma=column.sigma,
            runs=runs,
            model_error_allowance=column.allowance,
            tuning=tuning,
        )
        row[column.key] = own_model_runs(case).consistency.as_dict()
    return row


def _cell(score: dict[str, Any] | None) -> str:
    if score is None:
        return "n/a"
    return (
        f"{score['nees_ensemble_mean']:.2f} / {100 * score['nees_inside_band']:.0f} / "
        f"{100 * score['nees_below_band']:.0f} / {100 * score['nees_above_band']:.0f} / "
        f"{score['nees_runs_bound_coverage']:.3f} / {100 * score['nees_runs_max_abs_error']:.2f}"
    )


def _table(rows: list[dict[str, Any]]) -> str:
    header = ["chemistry", "cycle", "degC", *(column.header for column in COLUMNS)]
    body = [
        [
            row["chemistry"],
            row["cycle"],
            f"{row['ambient_degc']:g}",
            *(_cell(row.get(column.key)) for column in COLUMNS),
        ]
        for row in rows
    ]
    lines = list_table(header, body)
    lines[0] += (
        " Each cell: mean NEES / % of the time inside / below / above its band / 3-sigma"
        " coverage / largest error, points (after 600 s)"
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run every row on two processes; write the JSON and the RST table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "docs/validation")
    add_tuning_option(parser)
    args = parser.parse_args()
    tuning = parsed_tuning(parser, args.tuning)
    with ProcessPoolExecutor(2) as pool:
        futures = [pool.submit(_row, *row, args.runs, tuning) for row in matrix_rows()]
        results = [future.result() for future in futures]
    for result in results:
        print(result["chemistry"], result["cycle"], result["ambient_degc"])
        for column in COLUMNS:
            print(f"  {column.key}:", _cell(result.get(column.key)))
    document = {
        "runs": args.runs,
        "drive_guess": DRIVE_GUESS,
        "charge_guess": CHARGE_GUESS,
        "charge_s": CHARGE_S,
        "initial_sigma": INITIAL_SIGMA,
        "kept_sigma": KEPT_SIGMA,
        "low_guess": LOW_GUESS,
        "unknown_start": [UNKNOWN_SOC, UNKNOWN_SOC_SIGMA],
        "tuning": tuning,
        "rows": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "own_model.json").write_text(json.dumps(document, indent=1) + "\n")
    (args.out / "own_model.inc").write_text(_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
