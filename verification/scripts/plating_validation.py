"""Closed-loop lithium-plating validation: the BMS charges PyBaMM's DFN, the DFN says if it plated.

Needs the ``plant`` extra. For each case the truth is PyBaMM's DFN (lumped
thermal, the set's own heat transfer, so the cell warms), driven by
:class:`bms.calibration._plating_truth.ChargeTruth`: the charger holds each
current ``--step-s`` seconds (10 s, the State of Function's horizon); the
truth is read every second of the hold (:data:`TRUTH_SAMPLE_S`) and, linear in
between, every ``--period-s`` (0.1 s, the BMS's estimation period) passes
through :class:`bms.plant.SensorModel` (issue 3's default errors) into
:class:`bms.estimation.SocEstimator` at that period (started at the true
SoC with a 2 % standard deviation: a cell after a rest, then a 1 s key-on
at rest that calibrates the current offset as the controller does,
``bms.calibration._filter_runs.key_on``); at the end of
each hold :func:`bms.estimation.state_of_function`, with the chemistry's
plating map (``plating_chemistry``), gives the next hold's current. The
SoF limits are the chemistry's voltage window (upper limit
``max_voltage_v``, so its 10 s voltage prediction acts as the CV phase), the
rated current as the maximum, one cell, and a temperature window wide enough
not to derate (the default pack refuses to charge below 0 degC; here the
plating cap itself is tested).

The rated current is the cell's datasheet charge current
(:data:`RATED_CHARGE`, by parameter set; ``--rated-a`` overrides): 3.395 A
for Chen2020 (LG M50, 0.7C maximum charge), 3 A for Prada2013 (A123
ANR26650M1-A standard charge).

Cases:

* charge time: 10 % to 80 % true SoC at 25 degC under the BMS, against an
  unconstrained CC-CV at the rated current (CV at ``max_voltage_v`` by a
  proportional controller on the true voltage); the ratio of the times
  (target <= 1.05); ``--reference-a`` adds CC-CV references at other
  currents (their own true margins and ratios, figures only);
* plating margin: the same 10-80 % charge under the BMS at -10, 0, 25 and
  45 degC ambient; the lowest true anode potential against lithium at the
  separator over every 1 s sample (target >= +10 mV), the BMS's own
  estimate and its lower bound at the same moments, how often the truth fell
  below that bound, and the SoC filter's largest error and how often the
  truth was outside its 3-sigma bound (at the end of each hold).

Writes ``<stem>.json``, ``<stem>.md``, ``<stem>.inc`` (RST table for
``docs/validation/plating.rst``) and ``plots/<stem>.png`` under ``--out``
(default ``docs/validation``), after every case. Usage::

    python verification/scripts/plating_validation.py [--out DIR] [--chemistry NAME]
        [--parameter-set SET] [--rated-a A] [--reference-a A ...] [--step-s 10]
        [--period-s 0.1] [--stem plating] [--only-ratio] [--coulomb-bound]
        [--capacity-prior nominal|new|graded|unknown] [--grading-sigma-pct 1]
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
BMS_PERIOD_S = 0.1
"""The BMS's estimation period: the EKF runs every 0.1 s."""
TRUTH_SAMPLE_S = 1.0
"""The DFN is read every second of a hold (its voltage and temperature are linear in
between for the EKF's 0.1 s samples: smooth under a held current; the step itself
is the hold's first sample); its lowest anode potential is taken over these samples."""
RATED_CHARGE = {
    "Chen2020": (
        3.395,
        "LG INR21700 M50 (PyBaMM's Chen2020 cell) datasheet: maximum charge current 0.7C = "
        "3,395 mA (standard charge 0.3C = 1,455 mA), of the 4,850 mAh minimum capacity",
    ),
    "Prada2013": (
        3.0,
        "A123 ANR26650M1-A (PyBaMM's Prada2013 cell) datasheet: recommended standard charge "
        "3 A CC-CV to 3.6 V",
    ),
}
"""Rated charge current per cell of each parameter set's cell, and where it comes from."""
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
    soc_error: list[float] = field(default_factory=list)
    soc_outside_3sigma: list[bool] = field(default_factory=list)
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


def run_charge(  # noqa: PLR0915 - one closed loop, flat
    chemistry: Any,
    parameter_set: str,
    ambient_degc: float,
    rated_a: float,
    step_s: float,
    *,
    bms: bool,
    period_s: float = BMS_PERIOD_S,
    coulomb_bound: bool = False,
    capacity_prior: str = "nominal",
    grading_sigma_pct: float = 1.0,
    seed: int = 1,
) -> ChargeTrace:
    """One 10-80 % charge, under the BMS's limit (``bms``) or a plain CC-CV at ``rated_a``.

    The charger holds each current for ``step_s``; the truth is sampled, and
    the EKF stepped, every ``period_s`` within it; the State of Function is
    read at the end of each hold and sets the next one. With
    ``coulomb_bound`` the plating cap also gets
    :func:`bms.estimation.coulomb_soc_upper` from the filter's estimate and
    sigma after the key-on and the measured charge (the sensor's error
    bounds: issue 3's 0.5 % gain, 50 mA offset), with the capacity
    ``capacity_prior`` says: ``nominal`` the chemistry's, known exactly;
    ``new``, ``graded`` and ``unknown`` the controller's estimate and 3-sigma bound
    (``capacity_estimate_at_coldest``, ``capacity_lower_bound``) of a new
    pack's tracker, of a new pack of graded cells (``grading_sigma_pct``) or
    of the unknown-age prior, whose estimate the filter then runs with too
    (``fed_filter``), as the controller does (SWR_SOH_008).
    """
    from bms.calibration._filter_runs import KEY_ON_S, key_on  # noqa: PLC0415
    from bms.calibration._plating_truth import ChargeTruth  # noqa: PLC0415
    from bms.estimation import (  # noqa: PLC0415
        SocEstimator,
        coulomb_soc_upper,
        plating_limits,
        state_of_function,
    )
    from bms.plant import PackMeasurement, SensorErrors, SensorModel  # noqa: PLC0415

    truth = ChargeTruth(parameter_set, chemistry.nominal_capacity_ah, START_SOC, ambient_degc)
    samples = max(round(step_s / TRUTH_SAMPLE_S), 1) + 1
    errors = SensorErrors()
    sensors = SensorModel(errors, seed=seed)
    charged_ah = 0.0
    estimator = SocEstimator(
        chemistry,
        1,
        initial_soc=START_SOC,
        initial_sigma=INITIAL_SIGMA,
        initial_temperature_degc=ambient_degc,
    )
    capacity_ah, capacity_lower_ah = _bound_capacity(estimator, capacity_prior, grading_sigma_pct)
    limits = _sof_limits(chemistry, rated_a)
    trace = ChargeTrace()
    held = truth.step_trace(0.0, 1.0, 2)
    key_on(
        estimator,
        sensors,
        float(held.voltage_v[0]),
        float(held.temperature_degc[0]),
        duration_s=KEY_ON_S,
        period_s=period_s,
    )
    # the coulomb bound starts, as the controller's does at rest, from the filter's estimate
    start_soc = float(estimator.state.x[0, 0])
    start_sigma = float(np.sqrt(estimator.state.p[0, 0, 0]))
    current = 0.0
    while held.soc[-1] < END_SOC and held.time_s[-1] < MAX_DURATION_S:
        # the BMS's samples: every period_s after the hold's start (sample 0 is the
        # previous hold's end), the truth linear between its own samples
        start, end = float(held.time_s[0]), float(held.time_s[-1])
        ticks = start + period_s * np.arange(1, max(round((end - start) / period_s), 1) + 1)
        ticks[-1] = end
        voltages = np.interp(ticks, held.time_s, held.voltage_v)
        temperatures = np.interp(ticks, held.time_s, held.temperature_degc)
        previous = start
        for tick, voltage, temperature in zip(ticks, voltages, temperatures, strict=True):
            seen = sensors.measure(
                PackMeasurement(
                    time_s=float(tick),
                    cell_voltages_v=np.array([voltage]),
                    cell_temperatures_degc=np.array([temperature]),
                    current_a=current,
                )
            )
            out = estimator.step(
                seen.cell_voltages_v,
                seen.current_a,
                seen.cell_temperatures_degc,
                float(tick - previous),
            )
            charged_ah -= seen.current_a * float(tick - previous) / 3600.0
            previous = float(tick)
        truth_soc = float(held.soc[-1])
        trace.soc_outside_3sigma.append(
            bool(abs(float(out.soc[0]) - truth_soc) > 3.0 * float(out.soc_sigma[0]))
        )
        trace.soc_error.append(float(out.soc[0]) - truth_soc)
        state = estimator.state.x
        upper = None
        if coulomb_bound:
            upper = coulomb_soc_upper(
                start_soc,
                start_sigma=start_sigma,
                charged_ah=charged_ah,
                elapsed_s=float(held.time_s[-1]),
                capacity_ah=capacity_ah,
                capacity_lower_ah=capacity_lower_ah,
                gain_error=errors.current_gain_error_pct / 100.0,
                offset_a=errors.current_offset_a,
            )
        sof = state_of_function(
            estimator.model,
            limits,
            soc=out.soc,
            soc_sigma=out.soc_sigma,
            rc_voltages_v=(state[1].copy(), state[2].copy()),
            temperature_degc=seen.cell_temperatures_degc,
            plating_chemistry=chemistry,
            plating_soc_upper=upper,
            surface_lag=estimator.state.surface_lag,
        )
        if bms:
            magnitude = sof.charge_current_a
            if sof.charge_limit_reason:
                trace.reasons.add(sof.charge_limit_reason)
        else:
            previous = rated_a if current == 0.0 else -current
            overshoot = float(held.voltage_v[-1]) - chemistry.max_voltage_v
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
            soc_upper=upper,
        )
        held = truth.step_trace(current, step_s, samples)
        trace.time_s.append(float(held.time_s[-1]))
        trace.true_soc.append(float(held.soc[-1]))
        trace.estimated_soc.append(float(out.soc[0]))
        trace.current_a.append(current)
        trace.voltage_v.append(float(held.voltage_v[-1]))
        trace.temperature_degc.append(float(held.temperature_degc[-1]))
        trace.true_margin_v.append(float(np.min(held.potential_v)))
        trace.margin_v.append(float(estimate.margin_v[0]))
        trace.margin_lower_v.append(float(estimate.margin_lower_v[0]))
    return trace


def _bound_capacity(
    estimator: Any, capacity_prior: str, grading_sigma_pct: float
) -> tuple[float, float]:
    """The coulomb bound's capacity and its lower bound for ``capacity_prior``.

    The filter is fed the estimate, as the controller's is. ``graded``: the
    cell's capacity measured right (the DFN's) with ``grading_sigma_pct``.
    """
    from bms.estimation import (  # noqa: PLC0415
        capacity_estimate_at_coldest,
        capacity_lower_bound,
        fed_filter,
        graded_capacity_tracker,
        initial_capacity_tracker,
        unknown_age_capacity_tracker,
    )

    tables = estimator.model.tables
    nominal = float(tables.nominal_capacity_ah)
    if capacity_prior == "nominal":
        return nominal, nominal
    if capacity_prior == "graded":
        tracker = graded_capacity_tracker(tables, np.array([nominal]), grading_sigma_pct)
    else:
        prior = (
            initial_capacity_tracker if capacity_prior == "new" else unknown_age_capacity_tracker
        )
        tracker = prior(tables, 1.0, estimator.tuning, 1)
    estimator.model, estimator.tuning = fed_filter(
        tracker.estimate, estimator.model, estimator.tuning
    )
    estimated = capacity_estimate_at_coldest(tracker.estimate, tables)
    return float(estimated[0]), float(capacity_lower_bound(tracker.estimate, tables)[0])


def map_following(chemistry: Any) -> dict[str, Any]:
    """The 10-80 % charge time at 25 degC if the current were exactly the map's limit.

    No PyBaMM: the time integral of the capacity over the 25 degC row's limit
    (linear in SoC), isothermal, at the true SoC (no SoC bound, no estimator),
    for the shipped map's margin and, from its potential table, for a 0 mV
    margin (what the cell itself allows before plating, by the map's
    constant-current charges). The closed-loop charge can only be slower.
    """
    from bms.calibration._plating_limits import limit_table  # noqa: PLC0415

    plating = chemistry.plating
    row = plating.temperature_breakpoints_degc.index(RATIO_TEMPERATURE_DEGC)
    grid = np.asarray(plating.soc_breakpoints)
    socs = np.linspace(START_SOC, END_SOC, 1401)
    capacity = chemistry.nominal_capacity_ah

    def seconds(limits: Any) -> float:
        current = np.interp(socs, grid, np.asarray(limits)[row])
        return float(np.trapezoid(3600.0 * capacity / current, socs))

    cube = np.asarray(plating.anode_potential_v)
    return {
        "margin_v": plating.margin_v,
        "time_s": seconds(plating.max_charge_current_a),
        "time_at_0mv_s": seconds(limit_table(plating.current_breakpoints_a, cube, 0.0)),
    }


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
        "max_abs_soc_error": float(np.max(np.abs(trace.soc_error))) if trace.soc_error else None,
        "share_soc_outside_3sigma": float(np.mean(trace.soc_outside_3sigma))
        if trace.soc_outside_3sigma
        else None,
        "fallback_reasons": sorted(trace.reasons),
        "wall_s": wall_s,
    }


COLUMNS = (
    "case",
    "ambient (degC)",
    "current cap (A)",
    "time 10-80 % (s)",
    "min true margin (mV)",
    "samples < 10 mV",
    "min BMS estimate (mV)",
    "min BMS bound (mV)",
    "truth below bound",
    "max SoC error (%)",
    "SoC outside 3 sigma",
    "max current (A)",
)


def _mv(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _cells(case: dict[str, Any]) -> list[str]:
    """One case's row of the tables."""
    error = case["max_abs_soc_error"]
    return [
        case["case"],
        f"{case['ambient_degc']:g}",
        f"{case['current_cap_a']:g}",
        "-" if case["duration_s"] is None else f"{case['duration_s']:.0f}",
        _mv(case["min_true_margin_v"]),
        str(case["samples_below_target"]),
        _mv(case["min_estimated_margin_v"]),
        _mv(case["min_estimated_margin_lower_v"]),
        _share(case["share_truth_below_lower_bound"]),
        "-" if error is None else f"{error * 100:.2f}",
        _share(case["share_soc_outside_3sigma"]),
        "-" if case["max_current_a"] is None else f"{case['max_current_a']:.2f}",
    ]


def _summary(document: dict[str, Any]) -> list[str]:
    """The headline sentences (Markdown and RST alike)."""
    ratio = document["charge_time_ratio"]
    ideal = document["map_following_25degc"]
    lines = [
        f"Charge time ratio at {RATIO_TEMPERATURE_DEGC:g} degC (BMS / CC-CV at the rated "
        f"current, {document['rated_current_a']:g} A): "
        f"**{'-' if ratio is None else f'{ratio:.3f}'}** (target <= {TARGET_TIME_RATIO}).",
    ]
    for name, value in document.get("charge_time_ratio_by_reference", {}).items():
        if name != "CC-CV at rated current":
            lines.append(f"Against the {name} reference: {value:.3f}.")
    lines += [
        f"Lowest true margin over every BMS charge: **{_mv(document['min_true_margin_v'])} mV**, "
        f"samples below {TARGET_MARGIN_V * 1000:g} mV: **{document.get('samples_below_target')}** "
        f"(target: none).",
        f"A charge following the 25 degC map row exactly (isothermal, true SoC) would take "
        f"{ideal['time_s']:.0f} s at the map's +{ideal['margin_v'] * 1000:g} mV and "
        f"{ideal['time_at_0mv_s']:.0f} s at 0 mV.",
    ]
    return lines


def _markdown(document: dict[str, Any]) -> str:
    lines = [
        f"# Plating validation: {document['chemistry']} ({document['parameter_set']})",
        "",
        f"Rated charge current {document['rated_current_a']:g} A per cell "
        f"({document['rated_current_source']}); charges {START_SOC:.0%} to {END_SOC:.0%} true "
        f"SoC; each current held {document['step_s']:g} s, EKF every "
        f"{document['bms_period_s']:g} s.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(_cells(case)) + " |" for case in document["cases"]]
    lines += ["", *_summary(document), ""]
    return "\n".join(lines)


def _rst(document: dict[str, Any]) -> str:
    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines.append("   * - " + "\n     - ".join(COLUMNS))
    lines += ["   * - " + "\n     - ".join(_cells(case)) for case in document["cases"]]
    lines += ["", " ".join(_summary(document)), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every case and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chemistry", default="NMC_Chen2020")
    parser.add_argument("--parameter-set", default="Chen2020")
    parser.add_argument(
        "--rated-a", type=float, help="rated charge current per cell (default: the datasheet's)"
    )
    parser.add_argument(
        "--reference-a",
        type=float,
        nargs="*",
        default=[],
        help="further CC-CV references at 25 degC, A per cell (figures only)",
    )
    parser.add_argument("--step-s", type=float, default=10.0, help="charger hold (default 10)")
    parser.add_argument(
        "--period-s", type=float, default=BMS_PERIOD_S, help="EKF period (default 0.1)"
    )
    parser.add_argument(
        "--coulomb-bound",
        action="store_true",
        help="also bound the plating cap's SoC by the charge counted since the start",
    )
    parser.add_argument(
        "--capacity-prior",
        choices=("nominal", "new", "graded", "unknown"),
        default="nominal",
        help="the coulomb bound's capacity: the chemistry's, or the controller's estimate and "
        "lower bound of a new pack's, a graded new pack's or an unknown-age pack's capacity "
        "(the filter fed that estimate too)",
    )
    parser.add_argument(
        "--grading-sigma-pct",
        type=float,
        default=1.0,
        help="with --capacity-prior graded: the cells' measured capacity's sigma (default 1)",
    )
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
    datasheet = RATED_CHARGE.get(args.parameter_set)
    if args.rated_a:
        rated, rated_source = args.rated_a, "--rated-a"
    elif datasheet:
        rated, rated_source = datasheet
    else:
        rated = load_config().cell.absolute_max_charge_current_a
        rated_source = "the default pack's cell.absolute_max_charge_current_a"
    temperatures = (RATIO_TEMPERATURE_DEGC,) if args.only_ratio else MARGIN_TEMPERATURES_DEGC
    plans = [("CC-CV at rated current", RATIO_TEMPERATURE_DEGC, False, rated)]
    plans += [("BMS plating-limited", ambient, True, rated) for ambient in temperatures]
    plans += [
        (f"CC-CV at {amps:g} A", RATIO_TEMPERATURE_DEGC, False, amps) for amps in args.reference_a
    ]
    document: dict[str, Any] = {
        "chemistry": chemistry.name,
        "parameter_set": args.parameter_set,
        "rated_current_a": rated,
        "rated_current_source": rated_source,
        "step_s": args.step_s,
        "bms_period_s": args.period_s,
        "coulomb_soc_bound": args.coulomb_bound,
        "capacity_prior": args.capacity_prior,
        "grading_sigma_pct": args.grading_sigma_pct if args.capacity_prior == "graded" else None,
        "map_following_25degc": map_following(chemistry),
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
    for label, ambient, bms, amps in plans:
        started = time.perf_counter()
        trace = run_charge(
            chemistry,
            args.parameter_set,
            ambient,
            amps,
            args.step_s,
            bms=bms,
            period_s=args.period_s,
            coulomb_bound=args.coulomb_bound,
            capacity_prior=args.capacity_prior if bms else "nominal",
            grading_sigma_pct=args.grading_sigma_pct,
        )
        case = summarise(trace, label, ambient, time.perf_counter() - started)
        case["current_cap_a"] = amps
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
    references = [case for case in cases if case["case"].startswith("CC-CV")]
    limited_cases = [case for case in cases if not case["case"].startswith("CC-CV")]
    limited = [
        case["duration_s"]
        for case in limited_cases
        if case["ambient_degc"] == RATIO_TEMPERATURE_DEGC
    ]
    if limited and limited[0] is not None:
        ratios = {
            case["case"]: limited[0] / case["duration_s"]
            for case in references
            if case["duration_s"] is not None
        }
        document["charge_time_ratio_by_reference"] = ratios
        document["charge_time_ratio"] = ratios.get("CC-CV at rated current")
    margins = [c["min_true_margin_v"] for c in limited_cases if c["min_true_margin_v"] is not None]
    document["min_true_margin_v"] = min(margins) if margins else None
    document["samples_below_target"] = sum(c["samples_below_target"] for c in limited_cases)


def _write(out: Path, stem: str, document: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (out / f"{stem}.md").write_text(_markdown(document), encoding="utf-8")
    (out / f"{stem}.inc").write_text(_rst(document), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
