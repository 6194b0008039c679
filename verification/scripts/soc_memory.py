"""The SoC from one key-off to the next key-on: kept, and judged by the voltage at key-on.

Runs, on the equivalent-circuit pack of :class:`bms.plant.PackSimulator` (8
cells, 3 % capacity, 5 % resistance and 2 % initial-SoC spread, each 1
sigma, fixed seeds) with issue 3's sensor errors, the controller's
estimation pair (``onboard_capacity.Channel``) with the controller's first
step (:func:`bms.estimation.first_filter_step`):

* the memory runs (:func:`memory_run`, SWR_SOC_008): three power cycles of
  ``onboard_capacity``'s ageing day on one pack (NMC, LFP), each SoC filter
  starting unknown (50 %, sigma 30 points: the controller without a
  memory) or from the SoC each cell had at the previous key-off, kept in
  the capacity file (``bms.memory``) across a 12-hour night; the SoC is
  scored from the first sample of every day after the first. With the
  memory, the largest normalised innovation of each key-on's first step is
  the gate's margin against a false alarm;
* the gate runs (:func:`gate_run`, SWR_SOC_009): a pack whose kept SoC is
  wrong in a way the memory cannot see (charged 10 or 25 points while its
  BMS was off; one cell swapped for one 30 points fuller), from rest at 60
  % through a minute parked and :func:`onboard_capacity.drives`, with the
  gate and without it (the kept SoC taken as it is); and a right kept SoC
  at a key-on five minutes after a drive, the cells not yet relaxed (the
  gate's false alarm it must not raise).

Writes ``soc_memory.json``, ``soc_memory.inc`` and ``soc_memory_gate.inc``
(RST tables included by ``docs/validation/onboard_capacity.rst``) under
``--out`` (default ``docs/validation``).

Usage::

    python verification/scripts/soc_memory.py [--out docs/validation]
"""

from __future__ import annotations

import argparse
import math
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bms.cell import cell_model, load_chemistry
from bms.estimation import (
    KEPT_SOC_GATE_SIGMA,
    FirstStep,
    SocFilterTuning,
    SocStart,
    initial_capacity_tracker,
    normalised_innovation,
)
from bms.memory import load_capacity, save_capacity
from bms.plant import PackMeasurement, PackSimulator, PackSpread, SensorModel
from verification.scripts.onboard_capacity import (
    CELLS,
    PARKED_S,
    Channel,
    FloatArray,
    Score,
    drives,
    list_table,
    night,
    pack,
    run_day,
    write_outputs,
)

CHEMISTRIES = ("NMC_Chen2020", "LFP_Prada2013")
MEMORY_DAYS = 3
"""Power cycles of the memory runs (the first starts unknown either way)."""
NIGHT_S = 12 * 3600
"""The night between two of their power cycles, parked."""
GATE_CASES = (
    ("right, key-on 5 min after a 15-min drive", np.zeros(CELLS), True),
    ("charged 10 points with the BMS off", np.full(CELLS, -0.10), False),
    ("charged 25 points with the BMS off", np.full(CELLS, -0.25), False),
    ("cell 3 swapped for one 30 points fuller", np.eye(CELLS)[3] * -0.30, False),
)
"""Each gate run's kept SoC: what it is, what it is off the truth by per cell, and whether the
pack drove 15 minutes and rested 5 before the key-on (its cells not relaxed)."""
RECENT_DRIVE_S = 900
"""The drive before a key-on that follows a short stop."""
SHORT_STOP_S = 300
"""The stop before that key-on."""
KEPT_SIGMA = 0.01
"""The kept SoC's sigma in the gate runs: about what a night parked leaves (0.7-1.0 %)."""


@dataclass
class KeyOnChannel(Channel):
    """The estimation pair whose next step is the filter's first, from ``kept`` or unknown."""

    dropped: str | None = None
    """Why the first step dropped the kept SoC (None: it did not)."""
    first_ratio: float | None = None
    """The largest normalised innovation of a first step that kept the memory."""

    def first_step(self, seen: PackMeasurement) -> FirstStep:
        """The controller's first step through the key-on's gate, its verdict recorded."""
        first = super().first_step(seen)
        self.dropped = first.dropped
        if first.from_memory:
            self.first_ratio = float(np.max(normalised_innovation(first.estimate)))
        return first


def memory_run(name: str, *, memory: bool, days: int = MEMORY_DAYS) -> dict[str, Any]:
    """Power cycles on one pack, each SoC filter starting unknown or from the last key-off.

    A day is ``onboard_capacity``'s ageing day (a minute parked, four drives,
    a 0.5C charge back to 0.9, five minutes' rest); the key-off's SoC is
    saved in the capacity file and the next key-on's start read from it, a
    12-hour night later (its sigma grown by the self-discharge bound).
    """
    chemistry = load_chemistry(name)
    model, tuning = cell_model(chemistry), SocFilterTuning()
    sim = pack(chemistry, 1.0)
    rng = np.random.default_rng(5)
    tracker = initial_capacity_tracker(model.tables, 1.0, tuning, CELLS)
    score, sigmas, ratios, dropped = Score(), [], [], 0
    start: SocStart | None = None
    morning = datetime(2026, 1, 1, 7, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "capacity.json"
        for today in range(days):
            channel = KeyOnChannel(model, tuning, None, tracker, feedback=False, kept=start)
            day_score = score if today > 0 else Score()
            run_day(sim, channel, SensorModel(seed=200 + today), day_score, drives(
                chemistry.nominal_capacity_ah, rng), scored_from_s=0)  # fmt: skip
            if start is not None:
                sigmas.append(start.sigma)
                dropped += channel.dropped is not None
                ratios += [] if channel.first_ratio is None else [channel.first_ratio]
            key_off = morning + timedelta(days=today, hours=10)
            kept = channel.key_off(0.0)  # the night's drift is added when it is read
            save_capacity(path, channel.tracker, 0, now=key_off, soc=kept if memory else None)
            night(sim, NIGHT_S / 3600.0)
            start = load_capacity(path, CELLS).soc_start(key_off + timedelta(seconds=NIGHT_S))
    return {
        "chemistry": name,
        "soc_memory": memory,
        "days": days,
        **score.figures(),
        "start_sigma_pct": 100.0 * float(np.max(sigmas)) if sigmas else None,
        "first_step_largest_ratio": max(ratios) if ratios else None,
        "memory_dropped": dropped,
    }


def gate_run(
    name: str, case: str, offset: FloatArray, *, recent_drive: bool, gate: bool
) -> dict[str, Any]:
    """A pack whose kept SoC is ``offset`` off the truth: a minute parked, then four drives.

    ``recent_drive``: the pack drove :data:`RECENT_DRIVE_S` and stood
    :data:`SHORT_STOP_S` before, so its cells are not relaxed at the key-on.
    """
    chemistry = load_chemistry(name)
    model, tuning = cell_model(chemistry), SocFilterTuning()
    sim = PackSimulator(chemistry, CELLS, spread=PackSpread(3.0, 5.0, 2.0), initial_soc=0.6, seed=3)
    sensors = SensorModel(seed=4)
    if recent_drive:
        before = drives(chemistry.nominal_capacity_ah, np.random.default_rng(2))[:RECENT_DRIVE_S]
        for current in np.concatenate((before, np.zeros(SHORT_STOP_S))):
            sim.step(float(current), 1.0)
    kept = SocStart(np.clip(sim.true_soc + offset, 0.0, 1.0), np.full(CELLS, KEPT_SIGMA))
    channel = KeyOnChannel(
        model, tuning, None, initial_capacity_tracker(model.tables, 1.0, tuning, CELLS),
        feedback=False, kept=kept,
        gate_sigma=KEPT_SOC_GATE_SIGMA if gate else math.inf,
    )  # fmt: skip
    score, after = Score(), Score()
    for _ in range(PARKED_S):
        score.add(channel.parked(sensors.measure(sim.step(0.0, 1.0))), sim.true_soc)
    channel.key_on()
    for second, current in enumerate(
        drives(chemistry.nominal_capacity_ah, np.random.default_rng(1))
    ):
        estimate = channel.step(sensors.measure(sim.step(float(current), 1.0)))
        (after if second >= 600 else score).add(estimate, sim.true_soc)
    return {
        "chemistry": name,
        "case": case,
        "gate": gate,
        "dropped": channel.dropped,
        "first_step_largest_ratio": channel.first_ratio,
        **score.figures(),
        "after_10_min": after.figures(),
    }


def _memory_table(rows: list[dict[str, Any]]) -> str:
    """The RST list-table of the memory runs."""
    header = [
        "cells", "SoC filter starts", "SoC RMSE / max, %", "SoC inside 3 sigma",
        "key-on's largest normalised innovation",
    ]  # fmt: skip
    body = [
        [
            row["chemistry"],
            (
                f"from the last key-off (sigma {row['start_sigma_pct']:.2f} %)"
                if row["soc_memory"]
                else "unknown (50 %, sigma 30 points)"
            ),
            f"{row['soc_rmse_pct']:.2f} / {row['soc_max_pct']:.2f}",
            f"{row['soc_inside_3_sigma']:.3f}",
            "n/a"
            if row["first_step_largest_ratio"] is None
            else f"{row['first_step_largest_ratio']:.2f} ({row['memory_dropped']} dropped)",
        ]
        for row in rows
    ]
    return "\n".join(list_table(header, body)) + "\n"


def _gate_table(rows: list[dict[str, Any]]) -> str:
    """The RST list-table of the gate runs."""
    header = [
        "cells", "kept SoC", "gate", "memory", "first 10 min: SoC max error, % / inside 3 sigma",
        "after: RMSE / max, % / inside 3 sigma",
    ]  # fmt: skip
    body = []
    for row in rows:
        later = row["after_10_min"]
        body.append(
            [
                row["chemistry"],
                row["case"],
                "yes" if row["gate"] else "no",
                (
                    f"kept ({row['first_step_largest_ratio']:.1f} sigma)"
                    if row["dropped"] is None
                    else f"dropped ({row['dropped'].split('(')[1].split(' >')[0]})"
                ),
                f"{row['soc_max_pct']:.1f} / {row['soc_inside_3_sigma']:.3f}",
                f"{later['soc_rmse_pct']:.2f} / {later['soc_max_pct']:.2f} / "
                f"{later['soc_inside_3_sigma']:.3f}",
            ]
        )
    return "\n".join(list_table(header, body)) + "\n"


def main() -> None:
    """Run the memory and gate runs; write JSON and RST."""
    from rich.progress import track  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    args = parser.parse_args()
    memory = [
        memory_run(name, memory=kept)
        for name, kept in track(
            [(n, k) for n in CHEMISTRIES for k in (False, True)], description="memory runs"
        )
    ]
    runs = [(n, *case, g) for n in CHEMISTRIES for case in GATE_CASES for g in (True, False)]
    gates = [
        gate_run(name, case, offset, recent_drive=recent, gate=gate)
        for name, case, offset, recent, gate in track(runs, description="gate runs")
    ]
    write_outputs(
        args.out,
        "soc_memory.json",
        {"memory": memory, "gate": gates},
        {"soc_memory.inc": _memory_table(memory), "soc_memory_gate.inc": _gate_table(gates)},
    )


if __name__ == "__main__":
    main()
