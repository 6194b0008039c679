r"""One validation-matrix row's prior-drawn runs, run by run: what each drew, how far it erred.

ASIL: QM (validation script; never in the control path). Requirements: SWR_CAL_002.

The matrix scores each row's 20 runs together (``nees_runs``: the largest
error and the share inside 3 sigma over all of them). This script reruns
them on the row's DFN truth (the matrix's truth cache, or PyBaMM when it is
not there) and lists each run's drawn capacity error (true cell against the
filter's, in % and in sigmas of the filter's capacity uncertainty) and SoC
guess, with its largest error after the convergence window and its error
and sigma at the end, largest first, and the correlation of the largest
error with each draw. It answers which draw a row's largest error comes
from (docs/validation/index, "The LFP charges' largest errors, run by run").

    python verification/scripts/prior_runs_detail.py --chemistry LFP_Prada2013 \
        --cycle charge --ambient 25
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bms.calibration._filter_runs import case_filter, noise_realisations, prior_draws  # noqa: E402
from bms.calibration._validation import ValidationCase, cached_truth  # noqa: E402
from verification.scripts import validation_matrix as matrix  # noqa: E402


def runs_detail(case: ValidationCase, truth_cache: Path) -> dict[str, Any]:
    """Each prior-drawn run's draws and errors (SoC in points, capacity in %)."""
    truth = cached_truth(case, truth_cache)
    period = case.period_s
    time = np.arange(0.0, float(truth.time_s[-1]) + 1e-9, period)
    current, voltage, temperature = (
        np.interp(time, truth.time_s, values)
        for values in (truth.current_a, truth.voltage_v, truth.temperature_degc)
    )
    charge = np.interp(time, truth.time_s, truth.discharged_ah - truth.discharged_ah[0])
    capacity = case.chemistry.nominal_capacity_ah * case.capacity_fraction
    true_soc = case.initial_soc - charge / capacity
    soc, sigma = noise_realisations(case, time, voltage, current, temperature)
    tuning = case_filter(case, 1).tuning
    guesses, capacity_scale, _ = prior_draws(case, tuning, case.nees_runs)
    scored = time - time[0] >= case.window_s
    error = soc[:, scored] - true_soc[scored]
    largest = np.max(np.abs(error), axis=1)
    capacity_error = 100.0 * (1.0 / capacity_scale - 1.0)
    runs = [
        {
            "run": int(i),
            "capacity_error_pct": float(capacity_error[i]),
            "capacity_error_sigmas": float(capacity_error[i] / tuning.capacity_uncertainty_pct),
            "guess_error_points": float(100.0 * (guesses[i] - case.initial_soc)),
            "largest_error_points": float(100.0 * largest[i]),
            "end_error_points": float(100.0 * error[i, -1]),
            "end_sigma_points": float(100.0 * sigma[i, -1]),
        }
        for i in np.argsort(-largest)
    ]
    return {
        "window_s": case.window_s,
        "capacity_uncertainty_pct": tuning.capacity_uncertainty_pct,
        "correlation_with_capacity_error": float(
            np.corrcoef(np.abs(capacity_error), largest)[0, 1]
        ),
        "correlation_with_guess_error": float(
            np.corrcoef(np.abs(guesses - case.initial_soc), largest)[0, 1]
        ),
        "runs": runs,
    }


def main() -> int:
    """Print the row's runs, largest error first; write them as JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chemistry", choices=sorted(matrix.MATRIX_CHEMISTRIES), required=True)
    parser.add_argument("--cycle", choices=[matrix.CHARGE, *matrix.MATRIX_CYCLES], required=True)
    parser.add_argument("--ambient", type=float, required=True)
    parser.add_argument("--truth-cache", type=Path, default=ROOT / "build/validation/truth")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    case = matrix.matrix_case(args.chemistry, args.cycle, args.ambient)
    detail = runs_detail(case, args.truth_cache)
    print(
        f"correlation of the largest error with |capacity error| "
        f"{detail['correlation_with_capacity_error']:.2f}, with |guess error| "
        f"{detail['correlation_with_guess_error']:.2f}"
    )
    for run in detail["runs"]:
        print(
            f"run {run['run']:2d}: capacity {run['capacity_error_pct']:+6.2f} % "
            f"({run['capacity_error_sigmas']:+.2f} sigma), guess "
            f"{run['guess_error_points']:+6.1f} pt, largest {run['largest_error_points']:.2f} pt, "
            f"end {run['end_error_points']:+.2f} pt at sigma {run['end_sigma_points']:.2f}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(detail, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
