"""Closed-loop lithium-plating validation: the BMS charges PyBaMM's DFN, the DFN says if it plated.

Needs the ``plant`` extra. For each case the truth is PyBaMM's DFN (lumped
thermal, the set's own heat transfer, so the cell warms) stepped every
``--step-s`` seconds by :class:`bms.calibration._plating_map.ChargeTruth`;
the BMS sees its voltage, current and temperature through
:class:`bms.plant.SensorModel` (issue 3's default errors), runs
:class:`bms.estimation.SocEstimator` (started at the true SoC with a 2 %
standard deviation: a cell after a rest) and asks
:func:`bms.estimation.state_of_function` for the charge limit with the
chemistry's plating map (``plating_chemistry``); the next step charges at
that limit. The SoF limits are the chemistry's voltage window (upper limit
``max_voltage_v``, so its 10 s voltage prediction acts as the CV phase), the
rated current as the maximum, one cell, and a temperature window wide enough
not to derate (the default pack refuses to charge below 0 degC; here the
plating cap itself is tested).

Cases (default chemistry ``NMC_Chen2020``, rated current 7.5 A, the default
pack's ``cell.absolute_max_charge_current_a``; ``--rated-a`` overrides):

* charge time: 10 % to 80 % true SoC at 25 degC under the BMS, against an
  unconstrained CC-CV at the rated current (CV at ``max_voltage_v`` by a
  proportional controller on the true voltage); the ratio of the times
  (target <= 1.05);
* plating margin: the same 10-80 % charge under the BMS at -10, 0, 25 and
  45 degC ambient; the lowest true anode potential against lithium at the
  separator over every sample (target >= +10 mV), the BMS's own estimate
  and its lower bound at the same moments, and how often the truth fell
  below that bound.

Writes ``plating.json``, ``plating.md``, ``plating.inc`` (RST table for
``docs/validation/plating.rst``) and ``plots/plating.png`` under ``--out``
(default ``docs/validation``), after every case. Usage::

    python verification/scripts/plating_validation.py [--out DIR] [--rated-a 7.5]
        [--step-s 10] [--only-ratio]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

TARGET_MARGIN_V = 0.010
TARGET_TIME_RATIO = 1.05
START_SOC = 0.10
END_SOC = 0.80
MARGIN_TEMPERATURES_DEGC = (-10.0, 0.0, 25.0, 45.0)
RATIO_TEMPERATURE_DEGC = 25.0
INITIAL_SIGMA = 0.02
MAX_DURATION_S = 8 * 3600.0
CV_GAIN_OHM = 0.03
"""Proportional gain of the reference CC-CV's voltage loop (V of overshoot per A)."""


@dataclass
class ChargeTrace:
    """Per-step samples of one charge."""

    time_s: list[float] = field(default_factory=list)
    true_soc: list[float] = field(default_factory=list)
    estimated_soc: list[float] = field(default_factory=list)
    current_a: list[float] = field(default_factory=list)
    voltage_v: list[float] = field(default_factory=list)
    temperature_degc: list[float] = field(default_factory=list)
    true_margin_v: list[float] = field(default_factory=list)
    margin_v: list[float] = field(default_factory=list)
    margin_lower_v: list[float] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)


def _sof_limits(chemistry: Any, rated_a: float) -> Any:
    from bms.config import TemperatureLimits, load_config  # noqa: PLC0415
    from bms.estimation import SofLimits  # noqa: PLC0415

    config = load_config()
    wide = TemperatureLimits(
        under_fault_degc=-40.0,
        under_warning_degc=-30.0,
        over_warning_degc=60.0,
        over_fault_degc=70.0,
        timing=config.protection.charge_temperature.timing,
    )
    return SofLimits(
        max_charge_current_a=rated_a,
        max_discharge_current_a=rated_a,
        min_cell_voltage_v=chemistry.min_voltage_v,
        max_cell_voltage_v=chemistry.max_voltage_v,
        charge_temperature=wide,
        discharge_temperature=wide,
        parallel_count=1,
    )


def run_charge(
    chemistry: Any,
    parameter_set: str,
    ambient_degc: float,
    rated_a: float,
    step_s: float,
    *,
    bms: bool,
    seed: int = 1,
) -> ChargeTrace:
    """One 10-80 % charge, under the BMS's limit (``bms``) or a plain CC-CV at ``rated_a``."""
    from bms.calibration._plating_map import ChargeTruth  # noqa: PLC0415
    from bms.estimation import SocEstimator, plating_limits, state_of_function  # noqa: PLC0415
    from bms.plant import PackMeasurement, SensorErrors, SensorModel  # noqa: PLC0415

    truth = ChargeTruth(parameter_set, chemistry.nominal_capacity_ah, START_SOC, ambient_degc)
    sensors = SensorModel(SensorErrors(), seed=seed)
    estimator = SocEstimator(
        chemistry,
        1,
        initial_soc=START_SOC,
        initial_sigma=INITIAL_SIGMA,
        initial_temperature_degc=ambient_degc,
    )
    limits = _sof_limits(chemistry, rated_a)
    trace = ChargeTrace()
    sample = truth.step(0.0, 1.0)
    current = 0.0
    while sample.soc < END_SOC and sample.time_s < MAX_DURATION_S:
        seen = sensors.measure(
            PackMeasurement(
                time_s=sample.time_s,
                cell_voltages_v=np.array([sample.voltage_v]),
                cell_temperatures_degc=np.array([sample.temperature_degc]),
                current_a=current,
            )
        )
        out = estimator.step(
            seen.cell_voltages_v, seen.current_a, seen.cell_temperatures_degc, step_s
        )
        state = estimator.state.x
        sof = state_of_function(
            estimator.model,
            limits,
            soc=out.soc,
            soc_sigma=out.soc_sigma,
            rc_voltages_v=(state[1].copy(), state[2].copy()),
            temperature_degc=seen.cell_temperatures_degc,
            plating_chemistry=chemistry,
        )
        if bms:
            magnitude = sof.charge_current_a
            if sof.charge_limit_reason:
                trace.reasons.add(sof.charge_limit_reason)
        else:
            previous = rated_a if current == 0.0 else -current
            overshoot = sample.voltage_v - chemistry.max_voltage_v
            magnitude = float(np.clip(previous - overshoot / CV_GAIN_OHM, 0.0, rated_a))
        if magnitude <= 1e-3:
            trace.reasons.add("charge current fell to 0 before 80 % SoC")
            break
        current = -magnitude
        estimate = plating_limits(
            chemistry.plating,
            soc=out.soc,
            soc_sigma=out.soc_sigma,
            temperature_degc=seen.cell_temperatures_degc,
            charge_current_a=magnitude,
        )
        sample = truth.step(current, step_s)
        trace.time_s.append(sample.time_s)
        trace.true_soc.append(sample.soc)
        trace.estimated_soc.append(float(out.soc[0]))
        trace.current_a.append(current)
        trace.voltage_v.append(sample.voltage_v)
        trace.temperature_degc.append(sample.temperature_degc)
        trace.true_margin_v.append(sample.min_potential_v)
        trace.margin_v.append(float(estimate.margin_v[0]))
        trace.margin_lower_v.append(float(estimate.margin_lower_v[0]))
    return trace


def _end_time(trace: ChargeTrace) -> float | None:
    """Time at which the true SoC reached the end (linear between steps); None if never."""
    socs = np.asarray(trace.true_soc)
    reached = np.nonzero(socs >= END_SOC)[0]
    if reached.size == 0:
        return None
    index = int(reached[0])
    if index == 0:
        return trace.time_s[0]
    t0, t1 = trace.time_s[index - 1], trace.time_s[index]
    s0, s1 = socs[index - 1], socs[index]
    return float(t0 + (t1 - t0) * (END_SOC - s0) / (s1 - s0))


def summarise(trace: ChargeTrace, label: str, ambient: float, wall_s: float) -> dict[str, Any]:
    """A charge's figures for the JSON."""
    true_margin = np.asarray(trace.true_margin_v)
    lower = np.asarray(trace.margin_lower_v)
    known = np.isfinite(lower)
    return {
        "case": label,
        "ambient_degc": ambient,
        "duration_s": _end_time(trace),
        "reached_end_soc": _end_time(trace) is not None,
        "steps": len(trace.time_s),
        "min_true_margin_v": float(true_margin.min()) if true_margin.size else None,
        "samples_below_target": int(np.sum(true_margin < TARGET_MARGIN_V)),
        "max_current_a": float(-np.min(trace.current_a)) if trace.current_a else None,
        "cell_temperature_range_degc": [
            float(np.min(trace.temperature_degc)),
            float(np.max(trace.temperature_degc)),
        ]
        if trace.temperature_degc
        else None,
        "min_estimated_margin_v": float(np.nanmin(trace.margin_v)) if known.any() else None,
        "min_estimated_margin_lower_v": float(np.nanmin(lower)) if known.any() else None,
        "share_truth_below_lower_bound": float(np.mean(true_margin[known] < lower[known]))
        if known.any()
        else None,
        "final_soc_error": float(trace.estimated_soc[-1] - trace.true_soc[-1])
        if trace.true_soc
        else None,
        "fallback_reasons": sorted(trace.reasons),
        "wall_s": wall_s,
    }


def _markdown(document: dict[str, Any]) -> str:
    lines = [
        f"# Plating validation: {document['chemistry']} ({document['parameter_set']})",
        "",
        f"Rated current {document['rated_current_a']:g} A; charges {START_SOC:.0%} to "
        f"{END_SOC:.0%} true SoC; truth sampled every {document['step_s']:g} s.",
        "",
        "| case | ambient (degC) | time (s) | min true margin (mV) | samples < 10 mV "
        "| min BMS estimate (mV) | min BMS bound (mV) | truth below bound | max current (A) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def mv(value: float | None) -> str:
        return "-" if value is None else f"{value * 1000:.1f}"

    for case in document["cases"]:
        share = case["share_truth_below_lower_bound"]
        lines.append(
            f"| {case['case']} | {case['ambient_degc']:g} | "
            f"{case['duration_s'] and round(case['duration_s'])} | "
            f"{mv(case['min_true_margin_v'])} | {case['samples_below_target']} | "
            f"{mv(case['min_estimated_margin_v'])} | {mv(case['min_estimated_margin_lower_v'])} | "
            f"{'-' if share is None else f'{share:.1%}'} | {case['max_current_a']:.2f} |"
        )
    ratio = document["charge_time_ratio"]
    lines += [
        "",
        f"Charge time ratio at {RATIO_TEMPERATURE_DEGC:g} degC (BMS / CC-CV at the rated "
        f"current): {'-' if ratio is None else f'{ratio:.3f}'} (target <= {TARGET_TIME_RATIO}).",
        f"Minimum true margin over every BMS charge: {mv(document['min_true_margin_v'])} mV "
        f"(target >= {TARGET_MARGIN_V * 1000:g} mV).",
        "",
    ]
    return "\n".join(lines)


def _rst(document: dict[str, Any]) -> str:
    rows = [
        "case",
        "ambient (degC)",
        "time (s)",
        "min true margin (mV)",
        "samples < 10 mV",
        "min BMS estimate (mV)",
        "min BMS bound (mV)",
        "truth below bound",
        "max current (A)",
    ]

    def mv(value: float | None) -> str:
        return "-" if value is None else f"{value * 1000:.1f}"

    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines.append("   * - " + "\n     - ".join(rows))
    for case in document["cases"]:
        share = case["share_truth_below_lower_bound"]
        cells = [
            case["case"],
            f"{case['ambient_degc']:g}",
            "-" if case["duration_s"] is None else f"{case['duration_s']:.0f}",
            mv(case["min_true_margin_v"]),
            str(case["samples_below_target"]),
            mv(case["min_estimated_margin_v"]),
            mv(case["min_estimated_margin_lower_v"]),
            "-" if share is None else f"{share:.1%}",
            f"{case['max_current_a']:.2f}",
        ]
        lines.append("   * - " + "\n     - ".join(cells))
    ratio = document["charge_time_ratio"]
    lines += [
        "",
        f"Charge time ratio at {RATIO_TEMPERATURE_DEGC:g} degC (BMS / CC-CV at "
        f"{document['rated_current_a']:g} A): "
        f"**{'-' if ratio is None else f'{ratio:.3f}'}** (target <= {TARGET_TIME_RATIO}). "
        f"Lowest true margin over every BMS charge: **{mv(document['min_true_margin_v'])} mV** "
        f"(target >= {TARGET_MARGIN_V * 1000:g} mV).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every case and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chemistry", default="NMC_Chen2020")
    parser.add_argument("--parameter-set", default="Chen2020")
    parser.add_argument("--rated-a", type=float, help="rated charge current per cell")
    parser.add_argument("--step-s", type=float, default=10.0, help="BMS/truth step (default 10)")
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    parser.add_argument("--stem", default="plating", help="output file stem")
    parser.add_argument(
        "--only-ratio", action="store_true", help="only the two 25 degC charges of the ratio"
    )
    args = parser.parse_args(argv)

    from bms.cell import load_chemistry  # noqa: PLC0415
    from bms.config import load_config  # noqa: PLC0415

    chemistry = load_chemistry(args.chemistry)
    if chemistry.plating is None:
        print(f"{args.chemistry} has no plating map; run bms plating-map --into", file=sys.stderr)
        return 3
    rated = args.rated_a or load_config().cell.absolute_max_charge_current_a
    temperatures = (RATIO_TEMPERATURE_DEGC,) if args.only_ratio else MARGIN_TEMPERATURES_DEGC
    plans = [("CC-CV at rated current", RATIO_TEMPERATURE_DEGC, False)] + [
        ("BMS plating-limited", ambient, True) for ambient in temperatures
    ]
    document: dict[str, Any] = {
        "chemistry": chemistry.name,
        "parameter_set": args.parameter_set,
        "rated_current_a": rated,
        "step_s": args.step_s,
        "start_soc": START_SOC,
        "end_soc": END_SOC,
        "map_source": chemistry.plating.source,
        "map_margin_v": chemistry.plating.margin_v,
        "charge_time_ratio": None,
        "charge_time_ratio_target": TARGET_TIME_RATIO,
        "min_true_margin_v": None,
        "min_true_margin_target_v": TARGET_MARGIN_V,
        "cases": [],
    }
    traces: list[tuple[str, float, ChargeTrace]] = []
    for label, ambient, bms in plans:
        started = time.perf_counter()
        trace = run_charge(chemistry, args.parameter_set, ambient, rated, args.step_s, bms=bms)
        case = summarise(trace, label, ambient, time.perf_counter() - started)
        document["cases"].append(case)
        print(json.dumps(case), flush=True)
        traces.append((label, ambient, trace))
        _update(document)
        _write(args.out, args.stem, document)
        _plot(args.out / "plots" / f"{args.stem}.png", chemistry, traces)
    print(f"ratio {document['charge_time_ratio']}, min true margin {document['min_true_margin_v']}")
    return 0


def _plot(path: Path, chemistry: Any, traces: list[tuple[str, float, ChargeTrace]]) -> None:
    """The map's limits, and each charge's current and true margin against true SoC."""
    import matplotlib as mpl  # noqa: PLC0415

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    plating = chemistry.plating
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 4))
    for temperature, row in zip(
        plating.temperature_breakpoints_degc, plating.max_charge_current_a, strict=True
    ):
        left.plot(np.asarray(plating.soc_breakpoints) * 100, row, label=f"{temperature:g} degC")
    left.set_title(f"plating map of {chemistry.name} (+{plating.margin_v * 1000:g} mV)")
    left.set_xlabel("SoC (%)")
    left.set_ylabel("charge current limit per cell (A)")
    left.legend(fontsize="small")
    for label, ambient, trace in traces:
        name = f"{label}, {ambient:g} degC"
        soc = np.asarray(trace.true_soc) * 100
        middle.plot(soc, -np.asarray(trace.current_a), label=name)
        right.plot(soc, np.asarray(trace.true_margin_v) * 1000, label=name)
    middle.set_title("charge current (DFN truth, closed loop)")
    middle.set_xlabel("true SoC (%)")
    middle.set_ylabel("A per cell")
    middle.legend(fontsize="small")
    right.axhline(TARGET_MARGIN_V * 1000, color="k", ls=":", lw=0.8)
    right.axhline(0.0, color="r", lw=0.8)
    right.set_ylim(-40.0, 200.0)
    right.set_title("true anode potential vs Li at the separator")
    right.set_xlabel("true SoC (%)")
    right.set_ylabel("mV")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)


def _update(document: dict[str, Any]) -> None:
    """The headline figures from the cases run so far."""
    cases = document["cases"]
    reference = cases[0]["duration_s"]
    limited = [
        case["duration_s"] for case in cases[1:] if case["ambient_degc"] == RATIO_TEMPERATURE_DEGC
    ]
    if reference is not None and limited and limited[0] is not None:
        document["charge_time_ratio"] = limited[0] / reference
    margins = [c["min_true_margin_v"] for c in cases[1:] if c["min_true_margin_v"] is not None]
    document["min_true_margin_v"] = min(margins) if margins else None


def _write(out: Path, stem: str, document: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (out / f"{stem}.md").write_text(_markdown(document), encoding="utf-8")
    (out / f"{stem}.inc").write_text(_rst(document), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
