"""Balancing validation: end-of-charge SoC spread over repeated cycles on the ECM pack.

Runs :func:`bms.control.step_balancing` in closed loop with the per-cell EKF
(:class:`bms.estimation.SocEstimator`) on the equivalent-circuit pack of
:class:`bms.plant.PackSimulator` (96 cells of ``NMC_Chen2020``, 3 % capacity
spread, 5 % resistance spread, 5 % initial SoC spread, each 1 sigma, fixed
seed) with issue 3's sensor errors (:class:`bms.plant.SensorModel`), and
writes ``balancing.json``, ``balancing.md``, ``balancing.inc`` (RST, included
by ``docs/validation/balancing.rst``) and ``balancing.png`` under ``--out``
(default ``docs/validation``).

One cycle: charge at C/3 until the highest measured cell reaches 4.15 V, then
at C/10 until it reaches 4.20 V (end of charge: the true SoC spread, highest
minus lowest cell, is scored here); rest ``--rest-h`` hours with balancing
enabled; discharge at C/2 until the lowest measured cell reaches 3.40 V; rest
2 h with balancing enabled (the SoC basis holds it off below ``min_soc``).
Balancing bleeds ``--bleed-a`` per series group of the 96s20p pack
(``--bleed-a / 20`` per simulated cell), applied by the plant
(:meth:`PackSimulator.step`'s ``bleed_current_a``: each cell carries the
string current plus its bleed, and its voltage is measured under that
current). The steps are 20 s under current and 300 s at rest. The filter is
told each cell's bleed current over the step it filters (``bleed_current_a``
of :meth:`SocEstimator.step`: the commanded bleed adds to the measured string
current); ``--blind-filter`` withholds it (the filter sees the string current
only and corrects for the bleed from the voltages), for comparison. The
filter accepts steps up to the 300 s rest step (``max_step_s``; its default,
60 s, suits the BMS's 0.1 s period and would reject every rest step, freezing
the estimates through the rests).

Bases compared: ``soc`` (the filter with the chemistry's nominal capacity
and resistance for every cell, as the controller runs it today),
``soc_known_soh`` (the filter told each cell's true capacity and resistance
scale, standing for a converged State of Health estimator feeding it: dual
estimation), and ``voltage`` (the voltage rule, no SoC).

``--telemetry OUT.jsonl`` also writes the telemetry of the first basis's run
(``bms.telemetry``: a periodic record a minute, one per charge and drive).

``--chemistry LFP_Prada2013`` runs the same pack and cycle on the LFP cell,
with its own charge and discharge voltages (:data:`CYCLE_VOLTAGES`), and
``--stem`` names the outputs (``balancing_lfp``). Each chemistry's run takes
its balancing and derating limits from its own shipped pack file
(:data:`PACKS`: ``nmc_96s``, ``lfp_96s``).

Usage::

    python verification/scripts/balancing_validation.py [--cycles 30] [--basis all]
        [--telemetry OUT.jsonl] [--chemistry LFP_Prada2013 --stem balancing_lfp]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bms.cell import load_chemistry
from bms.config import BmsConfig, load_config, pack_file
from bms.control import BalancingState, derate, step_balancing
from bms.controller import (
    ContactorCommandOutput,
    ControllerInputs,
    ControllerOutputs,
    ControllerStatus,
)
from bms.estimation import SocEstimate, SocEstimator, SocFilterTuning
from bms.plant import PackMeasurement, PackSimulator, PackSpread, SensorModel
from bms.telemetry import CellEstimates, TelemetryRecorder, write_telemetry
from bms.units import DegreesC, Fraction, Volts

FloatArray = npt.NDArray[np.float64]

CELLS = 96
PARALLEL = 20
DT_S = 20.0
"""Step while current flows."""
REST_DT_S = 300.0
"""Step at rest (the exact RC discretisation and the filter hold at any step)."""
SPREAD = PackSpread(capacity_pct=3.0, resistance_pct=5.0, initial_soc_pct=5.0)
CYCLE_VOLTAGES = {
    "NMC_Chen2020": (4.15, 4.20, 3.40),
    "LFP_Prada2013": (3.50, 3.60, 2.95),
}
"""Per chemistry: the C/3 charge's stop, the C/10 charge's stop (end of charge) and the C/2
discharge's stop, highest or lowest measured cell, V. LFP's are where its OCV leaves the
plateau at the top (3.39 V at 98 % SoC, 3.61 V at 100 %) and near 10 % at the bottom."""
PACKS = {"NMC_Chen2020": "nmc_96s", "LFP_Prada2013": "lfp_96s"}
"""Per chemistry: the shipped pack file (``bms/config``) whose balancing and derating limits
its run takes; each is a 96s20p pack of that cell."""


def pack_config(chemistry_name: str) -> BmsConfig:
    """The shipped pack file of a chemistry's run (:data:`PACKS`)."""
    return load_config(pack_file(PACKS[chemistry_name]))


class Telemetry:
    """Telemetry of the simulated pack (``--telemetry``), as the BMS would log it.

    The script runs no controller, so each step's inputs and outputs are
    written as the controller would see and report them: connected while
    current flows, standby at rest, the derating's current limits, the
    balancing decision and the filter's SoC.
    """

    def __init__(self, config: BmsConfig) -> None:
        self.recorder = TelemetryRecorder(period_ms=60_000)
        self.records: list[Any] = []
        self.step = 0
        self.limits = config.control.derating

    def observe(
        self,
        measured: PackMeasurement,
        estimate: SocEstimate,
        bleeding: tuple[bool, ...],
        *,
        connected: bool,
    ) -> None:
        """Record one step of the closed loop (``connected``: current is commanded)."""
        self.step += 1
        time_ms = round(measured.time_s * 1000.0)
        volts = [Volts(v) for v in measured.cell_voltages_v]
        temps = [DegreesC(t) for t in measured.cell_temperatures_degc]
        limits = derate(volts, temps, Fraction(float(np.mean(estimate.soc))), self.limits)
        pack_v = float(np.sum(measured.cell_voltages_v))
        pack_a = measured.current_a * PARALLEL
        inputs = ControllerInputs(
            time_ms=time_ms, cell_voltages_v=tuple(measured.cell_voltages_v.tolist()),
            cell_temperatures_degc=tuple(measured.cell_temperatures_degc.tolist()),
            current_a=(pack_a, pack_a), pack_voltage_v=pack_v,
            link_voltage_v=pack_v if connected else 0.0, isolation_resistance_ohm=2e6,
        )  # fmt: skip
        outputs = ControllerOutputs(
            time_ms=time_ms, step=self.step,
            status=ControllerStatus.CONNECTED if connected else ControllerStatus.STANDBY,
            contactor_state="closed" if connected else "open",
            contactors=ContactorCommandOutput(
                main_positive=connected, main_negative=connected, precharge=False
            ),
            balancing=bleeding, thermal_request="off",
            charge_current_limit_a=limits.charge_a, discharge_current_limit_a=limits.discharge_a,
            charge_power_limit_w=limits.charge_a * pack_v,
            discharge_power_limit_w=limits.discharge_a * pack_v,
            derating=False, charge_limited_by="derating", faults=(), latched_faults=(), events=(),
            soc=float(np.mean(estimate.soc)), soc_sigma=float(np.max(estimate.soc_sigma)),
            soc_started_from="unknown", can_frames=(),
        )  # fmt: skip
        cells = CellEstimates(soc=estimate.soc, soc_sigma=estimate.soc_sigma)
        self.records.extend(self.recorder.observe(inputs, outputs, cells))

    def write(self, path: Path) -> None:
        """Close the open session and write every record."""
        self.records.extend(self.recorder.finish())
        with path.open("w", encoding="utf-8") as sink:
            write_telemetry(sink, self.records)


def run(  # noqa: C901 - one closed loop, read top to bottom
    basis: str,
    cycles: int,
    rest_h: float,
    bleed_a: float,
    seed: int,
    *,
    telemetry: Telemetry | None = None,
    tell_filter: bool = True,
    chemistry_name: str = "NMC_Chen2020",
) -> dict[str, Any]:
    """Cycle the pack; the end-of-charge spread and bleeding time of each cycle."""
    chemistry = load_chemistry(chemistry_name)
    fast_stop_v, end_of_charge_v, discharged_v = CYCLE_VOLTAGES[chemistry_name]
    limits = pack_config(chemistry_name).control.balancing
    capacity = chemistry.nominal_capacity_ah
    pack = PackSimulator(chemistry, CELLS, spread=SPREAD, initial_soc=0.5, seed=seed)
    sensors = SensorModel(seed=seed + 1)
    # The filter's default step limit (60 s, for the BMS's 0.1 s period) would reject every
    # 300 s rest step of this coarse simulation and freeze the estimates through the rests.
    tuning = SocFilterTuning(max_step_s=REST_DT_S)
    estimator = SocEstimator(chemistry, CELLS, initial_soc=0.5, initial_sigma=0.3, tuning=tuning)
    if basis == "soc_known_soh":  # what a converged SoH estimator gives the filter
        estimator.set_cell_scales(pack.model.capacity_scale, pack.model.resistance_scale)
    on_soc = basis != "voltage"
    balancing = BalancingState()
    bleed_cell_a = bleed_a / PARALLEL
    measured = sensors.measure(pack.step(0.0, REST_DT_S))
    history: list[dict[str, Any]] = []
    spread_initial = float(np.ptp(pack.state.soc))
    last_bleed = np.zeros(CELLS)  # each cell's bleed over the step the filter takes next
    last_dt_s = REST_DT_S

    def advance(current_a: float, enabled: bool) -> None:
        nonlocal measured, balancing, last_bleed, last_dt_s
        dt_s = DT_S if current_a else REST_DT_S
        estimate = estimator.step(
            measured.cell_voltages_v,
            measured.current_a,
            measured.cell_temperatures_degc,
            last_dt_s,
            bleed_current_a=last_bleed if tell_filter else None,
        )
        balancing = step_balancing(
            balancing,
            [Volts(v) for v in measured.cell_voltages_v],
            [DegreesC(t) for t in measured.cell_temperatures_degc],
            enabled=enabled,
            limits=limits,
            cell_soc=estimate.soc.tolist() if on_soc else None,
            # The filter's own sigma, as the controller gives balancing (SWR_SOC_010).
            cell_soc_sigma=np.sqrt(estimator.state.p[0, 0]).tolist() if on_soc else None,
        )
        bleed = np.where(np.array(balancing.bleeding), bleed_cell_a, 0.0)
        measured = sensors.measure(pack.step(current_a, dt_s, bleed_current_a=bleed))
        last_bleed, last_dt_s = bleed, dt_s
        if telemetry is not None:
            telemetry.observe(measured, estimate, balancing.bleeding, connected=current_a != 0.0)
        if balancing.active:
            counters["bleed_cell_h"] += float(np.sum(balancing.bleeding)) * dt_s / 3600.0

    for cycle in range(1, cycles + 1):
        counters = {"bleed_cell_h": 0.0}
        for rate, stop_v in ((-capacity / 3.0, fast_stop_v), (-capacity / 10.0, end_of_charge_v)):
            while float(np.max(measured.cell_voltages_v)) < stop_v:
                advance(rate, enabled=False)
        end_of_charge = pack.state.soc.copy()
        for _ in range(int(rest_h * 3600 / REST_DT_S)):
            advance(0.0, enabled=True)
        while float(np.min(measured.cell_voltages_v)) > discharged_v:
            advance(capacity / 2.0, enabled=False)
        for _ in range(int(2 * 3600 / REST_DT_S)):
            advance(0.0, enabled=True)
        history.append(
            {
                "cycle": cycle,
                "end_of_charge_spread_pct": float(100.0 * np.ptp(end_of_charge)),
                "end_of_charge_std_pct": float(100.0 * np.std(end_of_charge)),
                "end_of_charge_min_soc": float(np.min(end_of_charge)),
                "end_of_charge_max_soc": float(np.max(end_of_charge)),
                "bleeding_cell_hours": counters["bleed_cell_h"],
            }
        )
        print(basis, history[-1], file=sys.stderr)
    return {
        "basis": basis,
        "initial_spread_pct": 100.0 * spread_initial,
        "cycles": history,
        "final_end_of_charge_spread_pct": history[-1]["end_of_charge_spread_pct"],
        "first_cycle_within_1pct": next(
            (h["cycle"] for h in history if h["end_of_charge_spread_pct"] <= 1.0), None
        ),
    }


def write(
    results: list[dict[str, Any]], meta: dict[str, Any], out: Path, stem: str = "balancing"
) -> None:
    """JSON, Markdown, RST and a plot, named ``stem``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(
        json.dumps({"scenario": meta, "runs": results}, indent=2) + "\n", "utf-8"
    )
    head = ["cycle"] + [f"{r['basis']} spread / std (%)" for r in results]
    rows = [
        [str(h["cycle"])]
        + [
            f"{r['cycles'][i]['end_of_charge_spread_pct']:.2f} / "
            f"{r['cycles'][i]['end_of_charge_std_pct']:.2f}"
            for r in results
        ]
        for i, h in enumerate(results[0]["cycles"])
    ]
    markdown = "\n".join(
        ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        + ["| " + " | ".join(row) + " |" for row in rows]
    )
    (out / f"{stem}.md").write_text(markdown + "\n", "utf-8")
    rst = [".. list-table::", "   :header-rows: 1", ""]
    for row in [head, *rows]:
        rst.append("   * - " + row[0])
        rst.extend("     - " + cell for cell in row[1:])
    (out / f"{stem}.inc").write_text("\n".join(rst) + "\n", "utf-8")
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, axis = plt.subplots(figsize=(7, 3.2))
    for r in results:
        cycles = [h["cycle"] for h in r["cycles"]]
        axis.plot(cycles, [h["end_of_charge_spread_pct"] for h in r["cycles"]], "o-",
                  label=f"{r['basis']} basis (max - min)")  # fmt: skip
    axis.axhline(1.0, color="k", ls="--", lw=0.8, label="target 1 %")
    axis.set_yscale("log")
    axis.set_xlabel("cycle")
    axis.set_ylabel("end-of-charge SoC spread (%)")
    axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / f"{stem}.png", dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen bases and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--rest-h", type=float, default=8.0, help="rest after each charge")
    parser.add_argument("--bleed-a", type=float, default=0.2, help="bleed per series group")
    parser.add_argument(
        "--basis", choices=["soc", "soc_known_soh", "voltage", "all"], default="all"
    )
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--chemistry", choices=sorted(CYCLE_VOLTAGES), default="NMC_Chen2020")
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    parser.add_argument("--stem", default="balancing", help="output file names")
    parser.add_argument(
        "--telemetry", type=Path, metavar="OUT.jsonl", help="telemetry of the first basis's run"
    )
    parser.add_argument(
        "--blind-filter",
        action="store_true",
        help="do not tell the SoC filter the bleed currents (string current only)",
    )
    args = parser.parse_args(argv)
    bases = ["soc", "soc_known_soh", "voltage"] if args.basis == "all" else [args.basis]
    telemetry = Telemetry(pack_config(args.chemistry)) if args.telemetry else None
    results = [
        run(
            b,
            args.cycles,
            args.rest_h,
            args.bleed_a,
            args.seed,
            telemetry=None if i else telemetry,
            tell_filter=not args.blind_filter,
            chemistry_name=args.chemistry,
        )
        for i, b in enumerate(bases)
    ]

    meta = {
        "cells": CELLS, "parallel": PARALLEL, "chemistry": args.chemistry,
        "pack": PACKS[args.chemistry],
        "capacity_spread_pct": SPREAD.capacity_pct, "resistance_spread_pct": SPREAD.resistance_pct,
        "initial_soc_spread_pct": SPREAD.initial_soc_pct, "rest_h": args.rest_h,
        "bleed_a_per_group": args.bleed_a, "dt_s": DT_S, "seed": args.seed,
        "filter_told_bleed_current": not args.blind_filter,
        "target_end_of_charge_spread_pct": 1.0,
    }  # fmt: skip
    write(results, meta, args.out, args.stem)
    if telemetry is not None:
        args.telemetry.parent.mkdir(parents=True, exist_ok=True)
        telemetry.write(args.telemetry)
    print(json.dumps([{k: v for k, v in r.items() if k != "cycles"} for r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
