"""Each capacity pair's lean towards the filter's capacity: considered against twin filters.

The on-board tracker (:mod:`bms.estimation._capacity_pairs`) takes a pair's
lean ``g = dr / dQ_f`` (``r`` the pair's charge over its SoC change, ``Q_f``
the capacity the filter runs with) from the filter's considered scale
error, a linearisation. This measures it with twin filters, the capacity
``TWIN_STEP`` higher and lower, seeing the same measurements: at every
later rest point of a pair ``g = (r_high - r_low) / (2 TWIN_STEP Q_f)``.
Three pairs of twins:

* **since the first key-on, their SoC kept** (started beside the filter at
  the run's first key-on, each keeping its own SoC across the key-offs as
  the filter does, SWR_SOC_008): the full lean, the capacity's share in
  the SoC the day starts from included, which the considered lean takes in
  through the kept SoC's scale sensitivity;
* **since key-on** (started from the filter's state once the key-on's
  offset is calibrated): the filter run with another capacity since this
  power cycle's start only;
* **from the anchor** (started from the filter's state at each pair's
  anchor): the validation loop's way (:mod:`bms.calibration._capacity_loop`),
  which misses the error the filter carries into the anchor.

Runs ``onboard_capacity``'s ageing run (fed back from a new pack's file,
the SoC kept across days, nightly parks, ``FADE`` over the run) for
``--days`` days on each ``--chemistry``; a pair is scored at its last rest
point (the longest it was stretched), on the cells whose SoC change is at
least ``MIN_SOC_CHANGE``, whether the tracker used it or not. Only pairs
whose charge is counted less the key-on's offset are scored (their charge
leans on nothing, so the lean is all in the SoC change). Each is scored
against the plant too: the filter's SoC change against the true one, and
the self-consistent pair's capacity (the considered lean taken out) and
the filter's capacity against the cell's as the current sensor counts it
(its gain error in), and the pair's error is fitted against the filter's
(least squares over the cell-pairs): the slope is the share of the
filter's capacity error the pairs keep once the lean is taken out.

Writes ``lean_twins.json`` and ``lean_twins.inc`` (the RST table of the
leans' medians and 10-90 % ranges, included by
``docs/validation/onboard_capacity.rst``) under ``--out`` (default
``docs/validation``). About 100 s a chemistry.

Usage::

    python verification/scripts/lean_twins.py [--out docs/validation] [--days 8]
        [--chemistry LFP_Prada2013 --chemistry NMC_Chen2020]
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bms.cell import CellModel, load_chemistry
from bms.estimation import (
    CapacityTracker,
    EkfState,
    FirstStep,
    SocFilterTuning,
    SocStart,
    ZeroCurrentOffset,
    calibrate_current_offset,
    kept_start,
    parked_soc,
    soc_to_keep,
)
from bms.estimation._capacity_pairs import (
    CAPACITY_WALK_PCT_PER_SQRT_CYCLE,
    MIN_SOC_CHANGE,
    _lean,
    _self_consistent_ah,
    _sensitivity,
)
from bms.estimation._soc_ekf import _SOC
from bms.plant import PackMeasurement, PackSimulator, SensorErrors
from verification.scripts.onboard_capacity import (
    LFP,
    Channel,
    ageing_run,
    list_table,
    pack,
    write_outputs,
)

KINDS = ("considered", "run_twins", "key_on_twins", "anchor_twins")
"""The leans measured: :class:`PairLeans`'s fields."""
LABELS = {
    "considered": "considered lean, median (10 to 90 %)",
    "run_twins": "twins since the first key-on, their SoC kept",
    "key_on_twins": "twins since key-on",
    "anchor_twins": "twins from the anchor",
    "pair_error_pct": "the pair's capacity against the truth, %",
}
CHEMISTRIES = (LFP, "NMC_Chen2020")
TWIN_STEP = 0.01
"""The twins' capacity, relative to the filter's, above and below it."""
DAYS = 8
"""Days of the ageing run by default."""
FADE = 0.03
"""What the pack loses over the run."""
SENSOR_GAIN_PCT = SensorErrors().current_gain_error_pct
"""The current sensor's gain error in the run (its default): the capacity the pairs see."""
FloatArray = npt.NDArray[np.float64]


@dataclass
class PairLeans:
    """One pair's lean of every usable cell, as it stood at its latest rest point."""

    anchor_s: float
    considered: list[float]
    """From the filter's considered scale error (what the tracker uses)."""
    run_twins: list[float]
    """From twin filters run since the run's first key-on, each keeping its own SoC across
    the key-offs as the filter does."""
    key_on_twins: list[float]
    """From twin filters run since key-on."""
    anchor_twins: list[float]
    """From twin filters started at the anchor (the validation loop's)."""
    soc_change_error_pct: list[float]
    """The filter's SoC change against the plant's, percent of the plant's."""
    pair_error_pct: list[float]
    """The self-consistent pair's capacity (the considered lean taken out) against the cell's
    as the current sensor counts it (its gain error in), percent."""
    filter_error_pct: list[float]
    """The capacity the filter ran with against the same, percent."""
    anchor_soc_error: list[float]
    """The filter's SoC at the anchor less the plant's, points of SoC (percent)."""


@dataclass
class Twins:
    """Two filters beside the channel's: its capacity ``TWIN_STEP`` higher and lower."""

    high: EkfState
    low: EkfState
    anchor_soc: tuple[FloatArray, FloatArray]
    """Their SoCs at the open pair's anchor (at their start until one is set)."""

    @classmethod
    def beside(cls, ekf: EkfState) -> Twins:
        """Twins starting from the filter's state."""
        return cls(ekf, ekf, (ekf.x[_SOC].copy(), ekf.x[_SOC].copy()))

    def step(self, channel: Channel, seen: PackMeasurement) -> None:
        """Both twins' step, with the capacity the channel's filter ran with this step."""
        scale = np.asarray(channel.model.capacity_scale, dtype=np.float64)
        high = replace(channel.model, capacity_scale=scale * (1.0 + TWIN_STEP))
        low = replace(channel.model, capacity_scale=scale * (1.0 - TWIN_STEP))
        self.high = channel.filter_step(self.high, seen, high)[0]
        self.low = channel.filter_step(self.low, seen, low)[0]

    def anchor_here(self) -> None:
        """Keep both twins' SoCs at a new anchor."""
        self.anchor_soc = (self.high.x[_SOC].copy(), self.low.x[_SOC].copy())

    def lean(self, charge_ah: FloatArray, filter_ah: FloatArray) -> FloatArray:
        """``dr / dQ_f`` of the pair from the anchor to here (``r``: charge over SoC change)."""
        ratio_high = charge_ah / (self.anchor_soc[0] - self.high.x[_SOC])
        ratio_low = charge_ah / (self.anchor_soc[1] - self.low.x[_SOC])
        lean: FloatArray = (ratio_high - ratio_low) / (2.0 * TWIN_STEP * filter_ah)
        return lean


@dataclass
class LeanChannel(Channel):
    """The controller's estimation pair with twin filters measuring each pair's lean."""

    leans: dict[tuple[int, float], PairLeans] = field(default_factory=dict)
    """Each pair's leans, by (day, anchor time); shared across the days' channels."""
    day: int = 0
    key_on_twins: Twins | None = None
    anchor_twins: Twins | None = None
    run_twins: Twins | None = None
    kept_twins: dict[str, SocStart] = field(default_factory=dict)
    """The run twins' SoCs kept at the last key-off, shared across the days' channels."""
    plant: PackSimulator | None = None
    """The pack, for the truth at the anchor and at each rest point."""
    anchor_truth: FloatArray | None = None
    """The plant's SoC at the open pair's anchor."""

    def first_step(self, seen: PackMeasurement) -> FirstStep:
        """The filter's first step; the run twins start from their kept SoCs beside it.

        They start as the filter does from its kept SoC (their ``beta`` in), and take their
        first step in :meth:`track`. Started unknown (the first day), they start at key-on.
        """
        first = super().first_step(seen)
        high, low = self.kept_twins.get("high"), self.kept_twins.get("low")
        if first.from_memory and high is not None and low is not None:
            high_ekf, low_ekf = (kept_start(kept, self.tuning) for kept in (high, low))
            self.run_twins = Twins(high_ekf, low_ekf, (high.soc.copy(), low.soc.copy()))
        return first

    def key_on(self) -> ZeroCurrentOffset | None:
        """The key-on's offset calibration, then the twins from the calibrated filter."""
        found = super().key_on()
        if self.ekf is not None:
            self.key_on_twins = Twins.beside(self.ekf)
        if self.run_twins is None:
            self.run_twins = self.key_on_twins
        elif found is not None:
            self.run_twins.high, self.run_twins.low = (
                calibrate_current_offset(ekf, found.offset_a, found.sigma_a)
                for ekf in (self.run_twins.high, self.run_twins.low)
            )
        return found

    def key_off(self, parked_days: float) -> SocStart | None:
        """The filter's kept SoC; the run twins keep theirs beside it."""
        self.kept_twins.clear()
        for name in ("high", "low"):
            twin = None if self.run_twins is None else getattr(self.run_twins, name)
            kept = None if twin is None else soc_to_keep(twin, self.tuning)
            parked = None if kept is None else parked_soc(kept, parked_days)
            if parked is not None:
                self.kept_twins[name] = parked
        return super().key_off(parked_days)

    def track(self, seen: PackMeasurement, ekf: EkfState) -> None:
        """Step the twins, then the tracker; anchor the twins at an anchor, score at a rest."""
        for twins in self._all_twins():
            twins.step(self, seen)
        pending = self.tracker.pending
        super().track(seen, ekf)
        anchor = self.tracker.anchor
        if anchor is None:
            self.anchor_twins = None
        elif anchor.time_s == self.tracker.time_s:
            self.anchor_twins = Twins.beside(ekf)
            self.anchor_truth = None if self.plant is None else self.plant.true_soc.copy()
            for twins in self._all_twins(anchor=False):
                twins.anchor_here()
        elif self.tracker.pending is not pending and self.tracker.pending is not None:
            self._score(ekf)

    def _all_twins(self, *, anchor: bool = True) -> list[Twins]:
        """The twins running (the anchor's too if ``anchor``), each once."""
        running = [self.key_on_twins, self.run_twins] + ([self.anchor_twins] if anchor else [])
        unique = {id(twins): twins for twins in running if twins is not None}
        return list(unique.values())

    def _score(self, ekf: EkfState) -> None:
        """The leans of the pair from the open anchor to this rest point."""
        anchor = self.tracker.anchor
        if (
            anchor is None
            or not anchor.calibrated
            or self.key_on_twins is None
            or self.run_twins is None
            or self.anchor_twins is None
            or self.plant is None
            or self.anchor_truth is None
        ):
            return
        change = anchor.soc - ekf.x[_SOC]
        sensitivity = _sensitivity(ekf, self.tuning.scale_variance)
        considered = _lean(anchor, change, sensitivity, 0.0)  # the tracker's
        filter_ah = np.asarray(self.model.capacity_scale) * self.model.tables.nominal_capacity_ah
        run = self.run_twins.lean(anchor.charge_ah, filter_ah)
        key_on = self.key_on_twins.lean(anchor.charge_ah, filter_ah)
        from_anchor = self.anchor_twins.lean(anchor.charge_ah, filter_ah)
        true_change = self.anchor_truth - self.plant.true_soc
        counted_ah = self.plant.cell_capacity_ah * (1.0 + SENSOR_GAIN_PCT / 100.0)
        pair_ah = _self_consistent_ah(  # the tracker's pair, dropped or not
            anchor.charge_ah, change, considered, filter_ah, 1.0 - considered
        )
        usable = np.abs(change) >= MIN_SOC_CHANGE
        self.leans[(self.day, anchor.time_s)] = PairLeans(
            anchor.time_s,
            considered[usable].tolist(),
            run[usable].tolist(),
            key_on[usable].tolist(),
            from_anchor[usable].tolist(),
            (100.0 * (change / true_change - 1.0))[usable].tolist(),
            (100.0 * (pair_ah / counted_ah - 1.0))[usable].tolist(),
            (100.0 * (filter_ah / counted_ah - 1.0))[usable].tolist(),
            (100.0 * (anchor.soc - self.anchor_truth))[usable].tolist(),
        )


def measure(chemistry: str, days: int) -> dict[str, Any]:
    """The ageing run on ``chemistry`` with twin filters; both leans' spread over its pairs."""
    leans: dict[tuple[int, float], PairLeans] = {}
    kept_twins: dict[str, SocStart] = {}
    made = iter(range(days))

    def make_channel(
        model: CellModel,
        tuning: SocFilterTuning,
        ekf: EkfState | None,
        tracker: CapacityTracker,
        feedback: bool,
        *,
        kept: SocStart | None,
    ) -> LeanChannel:
        return LeanChannel(
            model,
            tuning,
            ekf,
            tracker,
            feedback,
            kept=kept,
            leans=leans,
            kept_twins=kept_twins,
            day=next(made),
            plant=plant,
        )

    plant = pack(load_chemistry(chemistry), 1.0)
    ageing_run(
        chemistry, days, FADE, feedback=True, walk_pct=CAPACITY_WALK_PCT_PER_SQRT_CYCLE,
        nights=True, make_channel=make_channel, plant=plant,
    )  # fmt: skip
    pairs = list(leans.values())
    pair_error = [value for pair in pairs for value in pair.pair_error_pct]
    filter_error = [value for pair in pairs for value in pair.filter_error_pct]
    fitted = len(set(filter_error)) > 1  # a line needs two abscissae
    slope, intercept = np.polyfit(filter_error, pair_error, 1) if fitted else (np.nan,) * 2
    return {
        "chemistry": chemistry,
        "days": days,
        "pairs": len(pairs),
        "cell_pairs": sum(len(pair.considered) for pair in pairs),
        **{
            kind: _spread([value for pair in pairs for value in getattr(pair, kind)])
            for kind in (*KINDS, "pair_error_pct")
        },
        "pair_error_fit": {"slope": float(slope), "intercept_pct": float(intercept)},
        "pairs_detail": [
            {"day": day + 1, **asdict(pair)} for (day, _), pair in sorted(leans.items())
        ],
    }


def _spread(values: list[float]) -> dict[str, float]:
    """Median and 10th and 90th percentiles (NaN for no value)."""
    if not values:
        return {"median": float("nan"), "p10": float("nan"), "p90": float("nan")}
    p10, median, p90 = np.percentile(values, (10.0, 50.0, 90.0))
    return {"median": float(median), "p10": float(p10), "p90": float(p90)}


def table(results: list[dict[str, Any]]) -> str:
    """The RST list-table of each chemistry's leans."""
    kinds = (*KINDS, "pair_error_pct")
    header = [
        "chemistry (days)", "pairs (cell-pairs)", *(LABELS[kind] for kind in kinds),
        "the pair's error against the filter's capacity error x (least squares), %",
    ]  # fmt: skip
    body = [
        [
            f"{result['chemistry']} ({result['days']})",
            f"{result['pairs']} ({result['cell_pairs']})",
            *(
                f"{result[kind]['median']:.2f} ({result[kind]['p10']:.2f} to "
                f"{result[kind]['p90']:.2f})"
                for kind in kinds
            ),
            f"{result['pair_error_fit']['intercept_pct']:.2f} + "
            f"{result['pair_error_fit']['slope']:.2f} x",
        ]
        for result in results
    ]
    return "\n".join(list_table(header, body)) + "\n"


def main() -> None:
    """Measure each chemistry's leans; write ``lean_twins.json`` and its table."""
    from rich.progress import track  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument(
        "--chemistry", action="append", default=None,
        help=f"a chemistry to run (repeatable; default {' and '.join(CHEMISTRIES)})",
    )  # fmt: skip
    args = parser.parse_args()
    names = args.chemistry or list(CHEMISTRIES)
    results = [measure(name, args.days) for name in track(names, description="ageing runs")]
    write_outputs(args.out, "lean_twins.json", results, {"lean_twins.inc": table(results)})


if __name__ == "__main__":
    main()
