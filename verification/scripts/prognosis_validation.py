"""Prognosis validation: the on-board RUL against BLAST-Lite's truth on held-out histories.

ASIL: QM (validation script; never in the control path).
Requirements: SWR_AGE_003 (the interval and its coverage), issue 9 item 6.

For each chemistry and each held-out history shipped in
``bms/aging/data/<chem>_histories.json`` (EV patterns and climates the fit
never saw, on cells whose BLAST-Lite ``degradation_scalar`` differs from 1):

1. the usage pattern is tiled into a usage history (6 h rows) up to a
   cut-off: the time the truth reaches 90 % capacity (``--cutoff``), and a
   second, earlier one at 95 % (less data);
2. measurements are taken from the truth every 30 days with Gaussian noise
   (capacity 0.5 points, resistance 1 point, 1 sigma), every capacity read
   through the history's own current-sensor gain error (0.5 %, 1 sigma:
   a BMS counts the charge of its capacity estimates with one sensor);
3. ``bms.aging.prognose`` (the on-board code, shipped parameters) gives the
   RUL to 80 % and 70 % capacity with its interval (level 0.9);
4. the truth's RUL is the time BLAST-Lite's capacity crosses the threshold
   minus the cut-off (censored when it does not within the simulation);
5. steps 2-4 run with eight noise seeds (``--seed``, ``--seeds``): one
   draw of 14 histories moves a median by several points, so the table
   gives each figure's mean over the seeds with its range.

Writes ``docs/validation/prognosis.json``, ``prognosis.md``,
``prognosis.inc`` (an RST table for the docs page) and ``prognosis.png``.
Targets (issue 9): median |RUL error| <= 10 % and interval coverage >= 90 %.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bms.aging import (  # noqa: E402
    HistoryRow,
    PrognosisConfig,
    UsageHistory,
    load_parameters,
    prognose,
)

DATA = ROOT / "bms" / "aging" / "data"
OUT = ROOT / "docs" / "validation"
DAY_S = 86400.0
CAP_SIGMA_PCT = 0.5
RES_SIGMA_PCT = 1.0
GAIN_SIGMA_PCT = 0.5
"""The current sensor's gain error (``SocFilterTuning.current_gain_error_pct``): a BMS
counts the charge of every capacity it estimates with it."""
EVERY_D = 30.0


def _crossing(time_d: np.ndarray, values: np.ndarray, threshold: float) -> float | None:
    below = np.flatnonzero(values <= threshold)
    if below.size == 0:
        return None
    i = int(below[0])
    if i == 0:
        return float(time_d[0])
    v0, v1 = values[i - 1], values[i]
    return float(time_d[i - 1] + (v0 - threshold) / (v0 - v1) * (time_d[i] - time_d[i - 1]))


def build_history(
    history: dict[str, Any], cutoff_d: float, rng: np.random.Generator, gain: float = 0.0
) -> UsageHistory:
    """Tile the pattern to ``cutoff_d``; attach noisy truth measurements every 30 days.

    Every capacity is read through one current sensor's ``gain`` (relative error).
    """
    truth = history["truth"]
    time_d = np.asarray(truth["time_d"])
    capacity = np.asarray(truth["capacity"])
    resistance = np.asarray(truth["resistance"]) if "resistance" in truth else None
    rows: list[HistoryRow] = []
    start = 0.0
    next_measurement = EVERY_D * DAY_S
    pattern = history["pattern"]
    while start < cutoff_d * DAY_S - 1.0:
        for raw in pattern:
            end = start + raw["duration_s"]
            values = {k: v for k, v in raw.items() if k != "duration_s"}
            if end >= next_measurement or end >= cutoff_d * DAY_S - 1.0:
                t = end / DAY_S
                values["capacity_pct"] = float(
                    100 * (1 + gain) * np.interp(t, time_d, capacity) + rng.normal(0, CAP_SIGMA_PCT)
                )
                values["capacity_sigma_pct"] = CAP_SIGMA_PCT
                if resistance is not None:
                    values["resistance_pct"] = float(
                        100 * np.interp(t, time_d, resistance) + rng.normal(0, RES_SIGMA_PCT)
                    )
                    values["resistance_sigma_pct"] = RES_SIGMA_PCT
                next_measurement += EVERY_D * DAY_S
            rows.append(HistoryRow(start_s=start, end_s=end, **values))
            start = end
            if start >= cutoff_d * DAY_S - 1.0:
                break
    return UsageHistory(rows=tuple(rows))


def evaluate(
    chem: str, cutoff_capacity: float, seed: int, gain_sigma_pct: float, config: PrognosisConfig
) -> list[dict[str, Any]]:
    """Every held-out history of ``chem`` at one cut-off: predicted and true RUL.

    Each history's current sensor has its own gain error, drawn with
    ``gain_sigma_pct`` from a generator of its own, so that the measurement
    noise is the same draw with or without it.
    """
    params = load_parameters(chem)
    document = json.loads((DATA / f"{chem.lower()}_histories.json").read_text())
    rng = np.random.default_rng(seed)
    gains = np.random.default_rng(seed + 1)
    results = []
    for history in (h for h in document["histories"] if h["split"] == "heldout"):
        gain = gain_sigma_pct / 100 * float(gains.standard_normal())
        time_d = np.asarray(history["truth"]["time_d"])
        capacity = np.asarray(history["truth"]["capacity"])
        cutoff_d = _crossing(time_d, capacity, cutoff_capacity)
        if cutoff_d is None:
            results.append({"history": history["name"], "skipped": "cut-off not reached"})
            continue
        usage = build_history(history, cutoff_d, rng, gain)
        prognosis = prognose(params, usage, config)
        entry: dict[str, Any] = {
            "history": history["name"],
            "gain_pct": 100 * gain,
            "cutoff_d": cutoff_d,
            "measurements": sum(r.capacity_pct is not None for r in usage.rows),
            "simulated_d": float(time_d[-1]),
        }
        for life in prognosis.remaining:
            key = f"{life.threshold_pct:.0f}"
            crossing = _crossing(time_d, capacity, life.threshold_pct / 100)
            true = None if crossing is None else crossing - cutoff_d
            lower = life.lower_days
            upper = life.upper_days
            entry[key] = {
                "true_d": true,
                "predicted_d": life.days,
                "lower_d": lower,
                "upper_d": upper,
                "error_pct": None
                if true is None or life.days is None or true <= 0
                else 100 * (life.days - true) / true,
                "covered": None
                if true is None
                else (lower is not None and lower <= true and (upper is None or true <= upper)),
                "width_d": None if lower is None or upper is None else upper - lower,
            }
        results.append(entry)
    return results


def summarise(results: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Median |error|, coverage and counts of one threshold."""
    scored = [r[key] for r in results if key in r and r[key]["true_d"] is not None]
    errors = [abs(s["error_pct"]) for s in scored if s["error_pct"] is not None]
    covered = [bool(s["covered"]) for s in scored]
    widths = [s["width_d"] / s["true_d"] for s in scored if s["width_d"] and s["true_d"]]
    censored = [r for r in results if key in r and r[key]["true_d"] is None]
    # a censored truth only says RUL > simulated end - cut-off: covered if the upper end allows it
    censored_covered = [
        r[key]["upper_d"] is None or r[key]["upper_d"] >= r["simulated_d"] - r["cutoff_d"]
        for r in censored
    ]
    return {
        "histories": len(scored),
        "censored": len(censored),
        "censored_consistent": sum(censored_covered),
        "median_abs_error_pct": statistics.median(errors) if errors else None,
        "max_abs_error_pct": max(errors) if errors else None,
        "coverage_pct": 100 * sum(covered) / len(covered) if covered else None,
        "median_relative_width": statistics.median(widths) if widths else None,
    }


def over_seeds(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    """One threshold's summaries over the noise seeds: mean, range and worst.

    The held-out histories are the same in every seed; the measurements'
    noise and the sensor's gain are drawn again, and one draw moves a
    median by several points (docs/validation/prognosis).
    """

    def values(name: str) -> list[float]:
        return [s[name] for s in per_seed if s[name] is not None]

    medians, coverages = values("median_abs_error_pct"), values("coverage_pct")
    widths, worst = values("median_relative_width"), values("max_abs_error_pct")
    return {
        "seeds": len(per_seed),
        "histories": per_seed[0]["histories"],
        "censored": per_seed[0]["censored"],
        "censored_consistent_min": min(s["censored_consistent"] for s in per_seed),
        "median_abs_error_pct": statistics.mean(medians) if medians else None,
        "median_abs_error_pct_range": [min(medians), max(medians)] if medians else None,
        "max_abs_error_pct": max(worst) if worst else None,
        "coverage_pct": statistics.mean(coverages) if coverages else None,
        "coverage_pct_min": min(coverages) if coverages else None,
        "median_relative_width": statistics.mean(widths) if widths else None,
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _range(values: list[float] | None) -> str:
    return "-" if values is None else f"{values[0]:.1f}-{values[1]:.1f}"


def tables(summary: dict[str, Any]) -> tuple[str, str]:
    """(markdown, RST list-table) of the summary over the seeds."""
    head = [
        "chemistry",
        "cut-off",
        "threshold",
        "histories",
        "censored (consistent in every seed)",
        "median abs error %: mean over seeds (range)",
        "max abs error % (any seed)",
        "coverage %: mean (lowest)",
        "median width / RUL",
    ]
    lines = []
    for chem, by_cut in summary.items():
        for cut, by_key in by_cut.items():
            for key, s in by_key.items():
                lines.append(
                    [
                        chem,
                        f"{cut} %",
                        f"{key} %",
                        str(s["histories"]),
                        f"{s['censored']} ({s['censored_consistent_min']})",
                        f"{_fmt(s['median_abs_error_pct'])} "
                        f"({_range(s['median_abs_error_pct_range'])})",
                        _fmt(s["max_abs_error_pct"]),
                        f"{_fmt(s['coverage_pct'], 0)} ({_fmt(s['coverage_pct_min'], 0)})",
                        _fmt(s["median_relative_width"], 2),
                    ]
                )
    md = "| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n"
    md += "".join("| " + " | ".join(row) + " |\n" for row in lines)
    rst = ".. list-table::\n   :header-rows: 1\n\n"
    for row in [head, *lines]:
        rst += "   * - " + "\n     - ".join(row) + "\n"
    return md, rst


def plot(all_results: dict[str, dict[str, list[dict[str, Any]]]], path: Path) -> None:
    """Predicted against true RUL with intervals, per chemistry, at the main cut-off."""
    import matplotlib as mpl  # noqa: PLC0415

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, axes = plt.subplots(1, len(all_results), figsize=(5 * len(all_results), 4.5))
    for ax, (chem, by_cut) in zip(np.atleast_1d(axes), all_results.items(), strict=True):
        for cut, marker in zip(by_cut, ("o", "s"), strict=False):
            for key, colour in (("80", "tab:blue"), ("70", "tab:orange")):
                pts = [r[key] for r in by_cut[cut] if key in r and r[key]["true_d"] is not None]
                pts = [p for p in pts if p["predicted_d"] is not None]
                if not pts:
                    continue
                true = np.array([p["true_d"] for p in pts]) / 365
                pred = np.array([p["predicted_d"] for p in pts]) / 365
                lo = np.array([p["lower_d"] or 0.0 for p in pts]) / 365
                hi = np.array([p["upper_d"] or p["predicted_d"] * 3 for p in pts]) / 365
                ax.errorbar(
                    true,
                    pred,
                    yerr=[pred - lo, hi - pred],
                    fmt=marker,
                    color=colour,
                    alpha=0.7,
                    label=f"to {key} %, cut-off {cut} %",
                )
        top = ax.get_xlim()[1]
        ax.plot([0, top], [0, top], "k--", lw=0.8)
        ax.set_title(f"{chem}: RUL, 90 % interval")
        ax.set_xlabel("true RUL (BLAST-Lite) [years]")
        ax.set_ylabel("predicted RUL [years]")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    """Evaluate both chemistries at both cut-offs; write JSON, markdown, RST and the plot."""
    parser = argparse.ArgumentParser(description="Prognosis against BLAST-Lite held-out truth.")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=9, help="first noise seed")
    parser.add_argument("--seeds", type=int, default=8, help="noise seeds to average over")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument(
        "--gain-sigma-pct",
        type=float,
        default=GAIN_SIGMA_PCT,
        help="1-sigma of each history's current-sensor gain error in its capacities (data)",
    )
    parser.add_argument(
        "--bias-sigma-pct",
        type=float,
        help="the prognosis' capacity_bias_sigma_pct (default: PrognosisConfig's)",
    )
    args = parser.parse_args()
    config = PrognosisConfig(interval_level=0.9)
    if args.bias_sigma_pct is not None:
        config = config.model_copy(update={"capacity_bias_sigma_pct": args.bias_sigma_pct})
    all_results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    summary: dict[str, Any] = {}
    for chem in ("NMC", "LFP"):
        all_results[chem] = {}
        summary[chem] = {}
        for cut in (90, 95):
            runs = [
                evaluate(chem, cut / 100, seed, args.gain_sigma_pct, config)
                for seed in range(args.seed, args.seed + args.seeds)
            ]
            all_results[chem][str(cut)] = runs[0]
            summary[chem][str(cut)] = {
                k: over_seeds([summarise(results, k) for results in runs]) for k in ("80", "70")
            }
    md, rst = tables(summary)
    document = {
        "made_by": "verification/scripts/prognosis_validation.py",
        "measurement_sigma": {"capacity_pct": CAP_SIGMA_PCT, "resistance_pct": RES_SIGMA_PCT},
        "measurement_every_d": EVERY_D,
        "gain_sigma_pct": args.gain_sigma_pct,
        "capacity_bias_sigma_pct": config.capacity_bias_sigma_pct,
        "interval_level": config.interval_level,
        "seeds": list(range(args.seed, args.seed + args.seeds)),
        "summary": summary,
        "cases_first_seed": all_results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "prognosis.json").write_text(json.dumps(document, indent=1) + "\n")
    (args.out / "prognosis.md").write_text(md)
    (args.out / "prognosis.inc").write_text(rst)
    if not args.no_plot:
        plot(all_results, args.out / "prognosis.png")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
