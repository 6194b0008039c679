"""On-board dual estimation: the SoC filter with and without its capacity estimate fed back.

Runs, on the equivalent-circuit pack of :class:`bms.plant.PackSimulator` (8
cells, 3 % capacity, 5 % resistance and 2 % initial-SoC spread, each 1
sigma, fixed seeds) with issue 3's sensor errors, the controller's
estimation pair: :func:`bms.estimation.ekf_step` (the filter starting at SoC
0.6 against 0.9, sigma 15 points) and :func:`bms.estimation.track_capacity`,
the estimate given back by :func:`bms.estimation.capacity_feedback` or not.
The profile, in 1 s steps, is three cycles of four 15-minute drives
(piecewise-constant cell currents drawn between -0.2C and 0.9C every 10 s)
separated by 2-minute rests, then a 0.5C charge for 40 minutes and a
5-minute rest. The BMS knows the fresh chemistry with its 3 % capacity
uncertainty: with the pack aged to 95 % or 85 % that prior is 1.7 or 5
sigma off (the tracker is meant to carry its estimate from drive to drive;
these rows show what it does when it starts wrong).

Writes ``onboard_capacity.json`` and ``onboard_capacity.inc`` (an RST table
included by ``docs/validation/onboard_capacity.rst``) under ``--out``
(default ``docs/validation``).

Usage::

    python verification/scripts/onboard_capacity.py [--out docs/validation]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bms.cell import cell_model, load_chemistry
from bms.estimation import (
    SocFilterTuning,
    capacity_feedback,
    ekf_step,
    initial_capacity_tracker,
    initial_ekf_state,
    track_capacity,
)
from bms.plant import PackSimulator, PackSpread, SensorModel

FloatArray = npt.NDArray[np.float64]
CELLS = 8
CASES = (
    ("NMC_Chen2020", 1.0),
    ("NMC_Chen2020", 0.95),
    ("NMC_Chen2020", 0.85),
    ("LFP_Prada2013", 1.0),
    ("LFP_Prada2013", 0.95),
)
WINDOW_S = 600
"""Samples before this time are the filter's convergence window, not scored."""


def profile(capacity_ah: float, cycles: int, seed: int) -> FloatArray:
    """Cell current in 1 s steps: four 15-min drives with 2-min rests, then a 0.5C charge."""
    rng = np.random.default_rng(seed)
    parts: list[FloatArray] = []
    for _ in range(cycles):
        for _ in range(4):
            parts.append(np.repeat(rng.uniform(-0.2, 0.9, 90) * capacity_ah, 10))
            parts.append(np.zeros(120))
        parts.append(np.full(2400, -0.5 * capacity_ah))
        parts.append(np.zeros(300))
    return np.concatenate(parts)


def run(name: str, fraction: float, *, feedback: bool, cycles: int = 3) -> dict[str, Any]:
    """One closed-loop run; the SoC's scores and the final capacity estimate against the truth."""
    chemistry = load_chemistry(name)
    sim = PackSimulator(
        chemistry, CELLS, spread=PackSpread(3.0, 5.0, 2.0), initial_soc=0.9, seed=3,
        capacity_fraction=fraction,
    )  # fmt: skip
    sensors = SensorModel(seed=4)
    model, tuning = cell_model(chemistry), SocFilterTuning()
    ekf = initial_ekf_state(CELLS, 0.6, 0.15, tuning)
    tracker = initial_capacity_tracker(model.tables, model.capacity_scale, tuning, CELLS)
    errors, inside = [], 0
    for step, current in enumerate(profile(chemistry.nominal_capacity_ah, cycles, seed=5)):
        seen = sensors.measure(sim.step(float(current), 1.0))
        ekf, estimate = ekf_step(
            model, tuning, ekf, cell_voltages_v=seen.cell_voltages_v, current_a=seen.current_a,
            cell_temperatures_degc=seen.cell_temperatures_degc, dt_s=1.0,
        )  # fmt: skip
        before = tracker.estimate
        tracker = track_capacity(
            tracker, ekf, model.tables, tuning, current_a=seen.current_a, bleed_current_a=None,
            dt_s=1.0, capacity_scale=model.capacity_scale,
        )  # fmt: skip
        if feedback and tracker.estimate is not before:
            model, tuning, ekf = capacity_feedback(tracker, model, tuning, ekf)
        if step >= WINDOW_S:
            error = estimate.soc - sim.true_soc
            errors.append(error)
            inside += int(np.sum(np.abs(error) <= 3.0 * estimate.soc_sigma))
    truth = sim.cell_capacity_ah
    capacity, sigma = tracker.estimate.capacity_ah, tracker.estimate.capacity_sigma_ah
    stacked = np.array(errors)
    return {
        "chemistry": name,
        "capacity_fraction": fraction,
        "feedback": feedback,
        "soc_rmse_pct": 100.0 * float(np.sqrt(np.mean(stacked**2))),
        "soc_max_pct": 100.0 * float(np.max(np.abs(stacked))),
        "soc_inside_3_sigma": inside / stacked.size,
        "pairs_committed": tracker.updates,
        "capacity_true_ah": truth.tolist(),
        "capacity_sigma_ah": sigma.tolist(),
        "capacity_error_pct": (100.0 * (capacity / truth - 1.0)).tolist(),
        "prior_error_pct": (100.0 * (chemistry.nominal_capacity_ah / truth - 1.0)).tolist(),
        "capacity_sigma_pct": (100.0 * sigma / truth).tolist(),
        "capacity_inside_3_sigma": float(np.mean(np.abs(capacity - truth) <= 3.0 * sigma)),
    }


def _table(rows: list[dict[str, Any]]) -> str:
    """The RST list-table of the runs."""
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - cells",
        "     - fed back",
        "     - SoC RMSE / max, %",
        "     - SoC inside 3 sigma",
        "     - pairs",
        "     - capacity error, % (RMS over cells)",
        "     - capacity sigma, % (largest)",
        "     - capacity inside 3 sigma",
    ]
    for row in rows:
        error = np.sqrt(np.mean(np.square(row["capacity_error_pct"])))
        lines += [
            f"   * - {row['chemistry']}, {100 * row['capacity_fraction']:.0f} %",
            f"     - {'yes' if row['feedback'] else 'no'}",
            f"     - {row['soc_rmse_pct']:.2f} / {row['soc_max_pct']:.2f}",
            f"     - {row['soc_inside_3_sigma']:.3f}",
            f"     - {row['pairs_committed']}",
            f"     - {error:.2f}",
            f"     - {max(row['capacity_sigma_pct']):.2f}",
            f"     - {row['capacity_inside_3_sigma']:.2f}",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run every case with and without the feedback; write the JSON and the RST table."""
    from rich.progress import track  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    args = parser.parse_args()
    runs = [(name, fraction, fed) for name, fraction in CASES for fed in (True, False)]
    rows = [
        run(name, fraction, feedback=fed)
        for name, fraction, fed in track(runs, description="closed-loop runs")
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "onboard_capacity.json").write_text(json.dumps(rows, indent=1) + "\n")
    (args.out / "onboard_capacity.inc").write_text(_table(rows))
    print(_table(rows))


if __name__ == "__main__":
    main()
