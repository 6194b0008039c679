"""Capacity (AWTLS) validation: Plett's BEV-like benchmark and a 10 % fade, Monte-Carlo.

Reproduces the scenario of G. L. Plett, "Recursive approximate weighted total
least squares estimation of battery cell total capacity", J. Power Sources
196 (2011) 2319-2331, with the targets of issue 9, and runs
:func:`bms.estimation.awtls_update` on it. Writes ``capacity.json``,
``capacity.md``, ``capacity.inc`` (RST table included by
``docs/validation/capacity.rst``) and ``capacity.png`` under ``--out``
(default ``docs/validation``).

How the measurements are modelled (one update = one pair ``(x, y)``):

* **Truth**: a cell of ``Q = 100 Ah``. Each update spans one window of
  7,200 s: the SoC at its start and at its end are drawn independently and
  uniformly in ``0.5 +- 0.4`` (so ``x``, the SoC change, lies in
  ``[-0.8, 0.8]``), and the true charge is ``y = Q x``.
* **SoC noise**: each end point's SoC estimate has a 1 % (1-sigma) Gaussian
  error, independent between end points and updates, so the SoC difference
  has 1.41 % noise (``var_x = 2 x 0.01^2``), as in Plett's benchmark.
* **10-bit current sensor**: the current over the window is a 1 s sampled
  profile whose mean moves exactly ``y`` (constant part ``3600 y / 7200``
  A) plus a zero-mean random drive component (30 A rms, piecewise constant
  over 10 s); each sample is quantised by a 10-bit converter over
  ``+-5C = +-500 A`` (one LSB = 1000 A / 1024 = 0.977 A). The counted
  charge is the sum of the quantised samples; its error is the quantisation
  alone (no gain or offset, as in the paper). The estimator is told
  ``var_y = N LSB^2 / 12 / 3600^2`` (``N = 7200`` samples), the variance of
  a sum of independent uniform quantisation errors.
* **Estimator**: AWTLS started from ``Q_nom = 99 Ah`` (1 % low, as Plett) with
  a prior sigma of 5 Ah; the forgetting factor ``gamma`` is given per case.
  A weighted least-squares baseline (the SoC change taken as exact) runs on the
  same data, to show its bias.
* **Fade cases**: the true capacity falls linearly from 100 to 90 Ah over the
  run (``--updates`` windows, or three times as many in the slower case); the
  estimate should stay within 1 % of the truth. The ``walk`` cases forget by
  a random walk of the capacity before each update instead of a forgetting
  factor (:func:`bms.estimation.predict_capacity`), the slower fade's walk
  scaled by ``3^(-2/3)`` (a ramp's lag in sigmas stays the same when the
  walk's variance goes as the fade rate to the 4/3).

Each case runs ``--runs`` Monte-Carlo runs (seeds ``seed, seed + 1, ...``).
Scores: final error (percent of the truth) per run, its mean and maximum;
share of updates with the truth outside the 3-sigma bound; for the fade case,
the largest error over the second half of the run and the share of updates
within 1 % over that half. For a constant capacity, also what the data allow
any estimator: the Cramer-Rao bound on the final error's sigma from each
run's own pairs (:func:`cramer_rao_sigma_ah`), the final errors' RMS against
it, and how many runs the bound expects within 0.15 %.

Usage::

    python verification/scripts/capacity_validation.py [--runs 20] [--updates 1000] [--out DIR]
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
from scipy import special

from bms.estimation import awtls_update, initial_capacity_state, predict_capacity

FloatArray = npt.NDArray[np.float64]

Q_TRUE_AH = 100.0
Q_NOMINAL_AH = 99.0
PRIOR_SIGMA_AH = 5.0
SOC_CENTRE, SOC_HALF_RANGE = 0.5, 0.4
SOC_NOISE = 0.01
WINDOW_S = 7200
MAX_CURRENT_A = 5.0 * Q_TRUE_AH
ADC_BITS = 10
DRIVE_RMS_A = 30.0
DRIVE_HOLD_S = 10
LSB_A = 2.0 * MAX_CURRENT_A / 2**ADC_BITS
VAR_X = 2.0 * SOC_NOISE**2
VAR_Y_AH2 = WINDOW_S * LSB_A**2 / 12.0 / 3600.0**2


@dataclass(frozen=True)
class Case:
    """One validation case."""

    name: str
    gamma: float
    fade_pct: float
    updates_factor: int = 1
    """Run this many times ``--updates`` updates (a slower fade)."""
    walk_pct: float = 0.0
    """The capacity's random walk given to the estimator before each update, percent of the
    capacity per square root of update (:func:`bms.estimation.predict_capacity`)."""


CASES = (
    Case("bev_constant_gamma_1", 1.0, 0.0),
    Case("bev_constant_gamma_0.999", 0.999, 0.0),
    Case("bev_fade_10pct_gamma_0.98", 0.98, 10.0),
    Case("bev_fade_10pct_gamma_0.99", 0.99, 10.0),
    Case("bev_fade_10pct_3x_longer_gamma_0.99", 0.99, 10.0, updates_factor=3),
    Case("bev_fade_10pct_walk_0.08", 1.0, 10.0, walk_pct=0.08),
    Case("bev_fade_10pct_3x_longer_walk_0.04", 1.0, 10.0, updates_factor=3, walk_pct=0.04),
)


def counted_charge_ah(rng: np.random.Generator, true_ah: FloatArray) -> FloatArray:
    """Charge counted by the 10-bit sensor over each window whose true charge is ``true_ah``."""
    count = true_ah.shape[0]
    mean_a = true_ah * 3600.0 / WINDOW_S
    drive = rng.normal(0.0, DRIVE_RMS_A, (count, WINDOW_S // DRIVE_HOLD_S))
    drive -= drive.mean(axis=1, keepdims=True)  # the drive part moves no net charge
    current = mean_a[:, None] + np.repeat(drive, DRIVE_HOLD_S, axis=1)
    codes = np.clip(np.round(current / LSB_A), -(2 ** (ADC_BITS - 1)), 2 ** (ADC_BITS - 1) - 1)
    counted: FloatArray = (codes * LSB_A).sum(axis=1) / 3600.0
    return counted


def cramer_rao_sigma_ah(x_true: FloatArray, capacity_ah: float) -> float:
    """The smallest sigma any estimate of a constant capacity can have from these pairs.

    Errors in both variables: each pair measures ``y = Q x`` with noise of
    variance ``VAR_Y_AH2`` and ``x`` with noise of variance ``VAR_X``, its
    true ``x`` unknown (a nuisance parameter). Eliminating ``x`` from the
    pair's Fisher information leaves ``x^2 / (VAR_Y_AH2 + Q^2 VAR_X)`` for
    ``Q``; the prior adds ``1 / PRIOR_SIGMA_AH^2`` (Van Trees' Bayesian
    bound, as the estimator starts from that prior). Written by hand: a
    closed form of four lines, which no library computes for this model.
    """
    information = 1.0 / PRIOR_SIGMA_AH**2 + float(np.sum(x_true**2)) / (
        VAR_Y_AH2 + capacity_ah**2 * VAR_X
    )
    return float(1.0 / np.sqrt(information))


def run_case(case: Case, updates: int, seed: int) -> dict[str, Any]:
    """One Monte-Carlo run of a case: the histories of truth, estimate, bound and WLS."""
    rng = np.random.default_rng(seed)
    truth = Q_TRUE_AH * (1.0 - case.fade_pct / 100.0 * np.arange(1, updates + 1) / updates)
    start = rng.uniform(SOC_CENTRE - SOC_HALF_RANGE, SOC_CENTRE + SOC_HALF_RANGE, updates)
    end = rng.uniform(SOC_CENTRE - SOC_HALF_RANGE, SOC_CENTRE + SOC_HALF_RANGE, updates)
    x_true = start - end
    y = counted_charge_ah(rng, truth * x_true)
    x = x_true + rng.normal(0.0, SOC_NOISE, updates) - rng.normal(0.0, SOC_NOISE, updates)
    state = initial_capacity_state(
        1,
        nominal_capacity_ah=Q_NOMINAL_AH,
        initial_sigma_ah=PRIOR_SIGMA_AH,
        soc_sigma=float(np.sqrt(VAR_X)),
        ah_sigma=float(np.sqrt(VAR_Y_AH2)),
        gamma=case.gamma,
    )
    estimate, sigma, wls = np.empty(updates), np.empty(updates), np.empty(updates)
    sxy = sxx = 0.0
    for k in range(updates):
        if case.walk_pct > 0.0:
            state = predict_capacity(state, (case.walk_pct / 100.0 * state.capacity_ah) ** 2)
        state = awtls_update(state, np.array([x[k]]), float(y[k]), VAR_X, VAR_Y_AH2)
        estimate[k], sigma[k] = state.capacity_ah[0], state.capacity_sigma_ah[0]
        sxy = case.gamma * sxy + x[k] * y[k]
        sxx = case.gamma * sxx + x[k] * x[k]
        wls[k] = sxy / sxx
    bound = cramer_rao_sigma_ah(x_true, Q_TRUE_AH) if case.fade_pct == 0.0 else None
    return {
        "truth": truth, "estimate": estimate, "sigma": sigma, "wls": wls, "cramer_rao_ah": bound
    }  # fmt: skip


def score(case: Case, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The case's figures over its runs."""
    final = np.array([100.0 * (r["estimate"][-1] / r["truth"][-1] - 1.0) for r in runs])
    final_wls = np.array([100.0 * (r["wls"][-1] / r["truth"][-1] - 1.0) for r in runs])
    outside = np.concatenate([np.abs(r["estimate"] - r["truth"]) > 3.0 * r["sigma"] for r in runs])
    half = len(runs[0]["truth"]) // 2
    late = np.concatenate(
        [100.0 * np.abs(r["estimate"][half:] / r["truth"][half:] - 1.0) for r in runs]
    )
    return {
        **_information_limit(runs, final),
        "case": case.name,
        "gamma": case.gamma,
        "walk_pct": case.walk_pct,
        "fade_pct": case.fade_pct,
        "runs": len(runs),
        "final_error_pct_mean_abs": float(np.mean(np.abs(final))),
        "final_error_pct_max_abs": float(np.max(np.abs(final))),
        "final_error_pct_mean": float(np.mean(final)),
        "final_sigma_pct_mean": float(
            np.mean([100.0 * r["sigma"][-1] / r["truth"][-1] for r in runs])
        ),
        "runs_final_within_0.15pct": int(np.sum(np.abs(final) <= 0.15)),
        "outside_3sigma_pct": float(100.0 * np.mean(outside)),
        "second_half_max_error_pct": float(np.max(late)),
        "second_half_within_1pct_share": float(np.mean(late <= 1.0)),
        "second_half_rms_error_pct": float(np.sqrt(np.mean(late**2))),
        "runs_final_within_1pct": int(np.sum(np.abs(final) <= 1.0)),
        "wls_final_error_pct_mean": float(np.mean(final_wls)),
    }


def _information_limit(runs: list[dict[str, Any]], final_pct: FloatArray) -> dict[str, Any]:
    """The Cramer-Rao figures of a constant capacity's runs (None where the truth fades)."""
    if runs[0]["cramer_rao_ah"] is None:
        return {
            "cramer_rao_sigma_pct_mean": None,
            "final_error_pct_rms": None,
            "runs_expected_within_0.15pct": None,
        }
    bound_pct = np.array([100.0 * r["cramer_rao_ah"] / r["truth"][-1] for r in runs])
    within = special.erf(0.15 / (np.sqrt(2.0) * bound_pct))
    return {
        "cramer_rao_sigma_pct_mean": float(np.mean(bound_pct)),
        "final_error_pct_rms": float(np.sqrt(np.mean(final_pct**2))),
        "runs_expected_within_0.15pct": float(np.sum(within)),
    }


def plot(results: dict[str, list[dict[str, Any]]], path: Path) -> None:
    """Truth, estimate and 3-sigma bound of the first run of each case."""
    import matplotlib  # noqa: PLC0415 - optional at import time

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, axes = plt.subplots(len(results), 1, figsize=(8, 2.6 * len(results)), sharex=True)
    for axis, (name, runs) in zip(np.atleast_1d(axes), results.items(), strict=True):
        run = runs[0]
        k = np.arange(1, len(run["truth"]) + 1)
        axis.fill_between(
            k, run["estimate"] - 3 * run["sigma"], run["estimate"] + 3 * run["sigma"],
            color="tab:blue", alpha=0.25, label="AWTLS +-3 sigma",
        )  # fmt: skip
        axis.plot(k, run["estimate"], color="tab:blue", lw=1, label="AWTLS")
        axis.plot(k, run["wls"], color="tab:orange", lw=0.8, ls="--", label="WLS (x exact)")
        axis.plot(k, run["truth"], color="k", lw=1, label="truth")
        axis.set_ylim(float(run["truth"].min()) - 3, float(run["truth"].max()) + 3)
        axis.set_ylabel("capacity (Ah)")
        axis.set_title(name, fontsize=9)
        axis.legend(fontsize=7, loc="upper right")
    np.atleast_1d(axes)[-1].set_xlabel("update (one per 7,200 s window)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def tables(summary: list[dict[str, Any]]) -> tuple[str, str]:
    """The table as Markdown and as an RST list-table."""
    head = [
        "case", "gamma / walk (% per sqrt update)", "final error mean / max (%)", "final sigma (%)",
        "runs within 0.15 % / 1 %", "outside 3 sigma (%)", "2nd-half RMS / max error (%)",
        "2nd-half within 1 %", "WLS final error mean (%)",
        "final RMS error / Cramer-Rao sigma (%); runs within 0.15 % the bound expects",
    ]  # fmt: skip
    rows = [
        [
            s["case"], f"{s['gamma']:g} / {s['walk_pct']:g}",
            f"{s['final_error_pct_mean_abs']:.3f} / {s['final_error_pct_max_abs']:.3f}",
            f"{s['final_sigma_pct_mean']:.3f}",
            f"{s['runs_final_within_0.15pct']} / {s['runs_final_within_1pct']} of {s['runs']}",
            f"{s['outside_3sigma_pct']:.2f}",
            f"{s['second_half_rms_error_pct']:.3f} / {s['second_half_max_error_pct']:.3f}",
            f"{100 * s['second_half_within_1pct_share']:.1f} %",
            f"{s['wls_final_error_pct_mean']:+.3f}",
            _bound_cell(s),
        ]
        for s in summary
    ]  # fmt: skip
    markdown = "\n".join(
        ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        + ["| " + " | ".join(row) + " |" for row in rows]
    )
    rst = [".. list-table::", "   :header-rows: 1", ""]
    for row in [head, *rows]:
        rst.append("   * - " + row[0])
        rst.extend("     - " + cell for cell in row[1:])
    return markdown + "\n", "\n".join(rst) + "\n"


def _bound_cell(summary: dict[str, Any]) -> str:
    """The Cramer-Rao column's cell of a case ("-" where the truth fades)."""
    if summary["cramer_rao_sigma_pct_mean"] is None:
        return "-"
    return (
        f"{summary['final_error_pct_rms']:.3f} / {summary['cramer_rao_sigma_pct_mean']:.3f}; "
        f"{summary['runs_expected_within_0.15pct']:.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run every case and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="Monte-Carlo runs per case")
    parser.add_argument("--updates", type=int, default=1000, help="updates per run")
    parser.add_argument("--seed", type=int, default=2011, help="seed of the first run")
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    args = parser.parse_args(argv)
    results = {
        case.name: [
            run_case(case, args.updates * case.updates_factor, args.seed + r)
            for r in range(args.runs)
        ]
        for case in CASES
    }
    summary = [score(case, results[case.name]) for case in CASES]
    args.out.mkdir(parents=True, exist_ok=True)
    document = {
        "scenario": {
            "capacity_ah": Q_TRUE_AH, "nominal_start_ah": Q_NOMINAL_AH,
            "prior_sigma_ah": PRIOR_SIGMA_AH, "soc_window": [0.1, 0.9],
            "soc_noise_per_end_point": SOC_NOISE, "soc_difference_noise": float(np.sqrt(VAR_X)),
            "window_s": WINDOW_S, "adc_bits": ADC_BITS, "current_range_a": MAX_CURRENT_A,
            "lsb_a": LSB_A, "charge_sigma_ah": float(np.sqrt(VAR_Y_AH2)),
            "drive_rms_a": DRIVE_RMS_A, "updates": args.updates, "runs": args.runs,
            "seed": args.seed,
        },
        "targets": {
            "final_error_pct": 0.15, "outside_3sigma_pct": 1.0, "fade_tracking_pct": 1.0
        },
        "cases": summary,
    }  # fmt: skip
    (args.out / "capacity.json").write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    markdown, rst = tables(summary)
    (args.out / "capacity.md").write_text(markdown, "utf-8")
    (args.out / "capacity.inc").write_text(rst, "utf-8")
    plot(results, args.out / "capacity.png")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
