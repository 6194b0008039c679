r"""Experiment: a Gaussian sum of the BMS's SoC filter on LFP, scored on the filter's own circuit.

ASIL: QM (validation script; never in the control path). Requirements: SWR_CAL_004.

Started 10 points unsure, the SoC filter on PyBaMM's LFP cell settles on the
step between the OCV's plateaus, where the slope is, with a bound that
misses truths on a plateau (docs/validation/index, "The filter on its own
circuit"): the SoC's posterior there is not one Gaussian. This script tries
the textbook remedy, not built into the BMS: ``K`` filters per cell, their
initial SoCs spread over +-2 sigma of the prior with sigma the spacing,
weighted by the prior and then by each step's innovation likelihood, the
estimate the mixture's mean and standard deviation. ``--weights full`` uses
each component's own innovation sigma; ``common`` one sigma per cell (the
mean of its components'), since the shipped model-error allowance makes the
innovation sigma depend on the component's state (its slow RC voltage), which
the full likelihood rewards over thousands of steps. Writes
``gaussian_sum.json`` to ``docs/validation``; about 3 minutes::

    python verification/scripts/gaussian_sum_experiment.py [--components 15]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bms.calibration._own_model import OwnModelCase, own_model_runs  # noqa: E402
from bms.estimation import SocEstimator  # noqa: E402

FloatArray = npt.NDArray[np.float64]

SPREAD_SIGMAS = 2.0
"""The components' initial SoCs span +-2 sigma of the prior."""


@dataclass(frozen=True)
class MixtureOutput:
    """The mixture's SoC and standard deviation per cell."""

    soc: FloatArray
    soc_sigma: FloatArray


class GaussianSumSoc:
    """``components`` SoC filters per cell, weighted by their innovations."""

    def __init__(self, case: OwnModelCase, components: int, common_sigma: bool) -> None:
        """Spread the components over the prior; weight them by it."""
        offsets = np.linspace(-SPREAD_SIGMAS, SPREAD_SIGMAS, components)
        spacing = 2.0 * SPREAD_SIGMAS / (components - 1) if components > 1 else 1.0
        means = np.clip(case.soc_guess + case.initial_sigma * offsets, 0.01, 0.99)
        self.components = components
        self.common_sigma = common_sigma
        self.log_weight = np.tile(-0.5 * offsets**2, (case.runs, 1))
        self.filters = SocEstimator(
            case.chemistry,
            case.runs * components,
            initial_soc=np.tile(means, case.runs),
            initial_sigma=case.initial_sigma * spacing,
            tuning=case.filter_tuning(),
            initial_temperature_degc=case.ambient_degc,
        )

    def step(
        self,
        cell_voltages_v: FloatArray,
        current_a: float,
        cell_temperatures_degc: FloatArray,
        dt_s: float,
    ) -> MixtureOutput:
        """Step every component; reweigh them; the mixture's moments."""
        k = self.components
        out = self.filters.step(
            np.repeat(cell_voltages_v, k), current_a, np.repeat(cell_temperatures_degc, k), dt_s
        )
        runs = cell_voltages_v.size
        innovation = out.innovation_v.reshape(runs, k)
        sigma = out.innovation_sigma_v.reshape(runs, k)
        if self.common_sigma:
            common = np.sqrt(np.mean(sigma**2, axis=1, keepdims=True))
            self.log_weight += -0.5 * (innovation / common) ** 2
        else:
            self.log_weight += -0.5 * (innovation / sigma) ** 2 - np.log(sigma)
        self.log_weight -= self.log_weight.max(axis=1, keepdims=True)
        weight = np.exp(self.log_weight)
        weight /= weight.sum(axis=1, keepdims=True)
        soc = out.soc.reshape(runs, k)
        spread = out.soc_sigma.reshape(runs, k)
        mean = np.sum(weight * soc, axis=1)
        variance = np.sum(weight * (spread**2 + (soc - mean[:, None]) ** 2), axis=1)
        return MixtureOutput(mean, np.sqrt(variance))


def _score(case: OwnModelCase, components: int, common: bool) -> dict[str, Any]:
    if components == 1:
        return own_model_runs(case).consistency.as_dict()
    result = own_model_runs(case, lambda c: GaussianSumSoc(c, components, common))
    return result.consistency.as_dict()


def main() -> int:
    """LFP UDDS at 25 and 0 degC, allowance off and shipped, one filter and the sum."""
    from bms.calibration._validation import cycle_for_chemistry  # noqa: PLC0415
    from bms.cell import load_chemistry  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--components", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "docs/validation")
    args = parser.parse_args()
    chemistry = load_chemistry("LFP_Prada2013")
    cycle = cycle_for_chemistry("udds", chemistry)
    rows = []
    for ambient in (25.0, 0.0):
        for allowance in (False, True):
            case = OwnModelCase(chemistry, cycle, ambient, 0.7, model_error_allowance=allowance)
            row: dict[str, Any] = {"ambient_degc": ambient, "allowance": allowance}
            row["one_filter"] = _score(case, 1, common=False)
            row["sum_full"] = _score(case, args.components, common=False)
            row["sum_common"] = _score(case, args.components, common=True)
            rows.append(row)
            print(ambient, "allowance" if allowance else "no allowance")
            for key in ("one_filter", "sum_full", "sum_common"):
                score = row[key]
                print(
                    f"  {key:10s} NEES {score['nees_ensemble_mean']:7.2f} inside "
                    f"{score['nees_inside_band']:.2f} above {score['nees_above_band']:.2f} "
                    f"coverage {score['nees_runs_bound_coverage']:.3f} largest "
                    f"{100 * score['nees_runs_max_abs_error']:.1f} pt"
                )
    document = {"components": args.components, "spread_sigmas": SPREAD_SIGMAS, "rows": rows}
    (args.out / "gaussian_sum.json").write_text(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
