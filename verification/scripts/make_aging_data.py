"""Make bms/aging/data: NREL BLAST-Lite aging truth over usage histories, and the fitted model.

ASIL: QM (generator of test and validation data; never in the control path).
Requirements: SWR_AGE_001 (the data the fit is checked against).

Run by ``nox -s aging_data`` in its own virtualenv: ``blast-lite`` (imported
as ``blast``) pins numpy < 2 through a dependency it never imports, so it
never enters the project's own environment. Two steps:

1. ``simulate`` (needs ``blast``): for each chemistry, one BLAST-Lite model
   (NMC: ``Nmc811_GrSi_LGM50_5Ah_Battery``, the LG M50 21700 cell that
   PyBaMM's Chen2020 set describes; LFP: ``Lfp_Gr_SonyMurata3Ah_Battery``, a
   Sony-Murata 3 Ah LiFePO4/graphite 18650, the closest BLAST-Lite has to
   the A123 26650 of PyBaMM's Prada2013) runs a set of usage histories until
   its capacity falls below 70 % (or 30 years): calendar storage at several
   temperatures and SoCs, cycling at several depths of discharge, C-rates and
   temperatures (down to 0.2 DoD and 0.2 C, as in EV use), and mixed weekly
   EV patterns. The histories are split into a
   fit set (nominal cells) and a held-out set (other EV patterns and climates,
   cells with a BLAST-Lite ``degradation_scalar`` drawn from a log-normal
   distribution, sigma 0.15). Each history is stored as its repeating pattern
   (rows of 6 h summaries: mean temperature, mean SoC, depth of discharge,
   equivalent full cycles, C-rate) and the truth (time, EFC, relative
   capacity and resistance) thinned to at most 160 points, in
   ``<chem>_histories.json`` with the provenance.
2. ``fit`` (needs scipy, not blast): fits ``bms.aging``'s semi-empirical model
   per chemistry to the fit set with ``scipy.optimize.least_squares`` and
   writes ``<chem>_params.json`` (validated by ``bms.aging.AgingParameters``),
   with the statistics the on-board update needs (``multiplier_statistics``:
   the error left after each fit history's own multipliers, how fast an
   extrapolation's error grows, and the spread of the multipliers), all from
   the fit set.
   ``--fit-only`` reruns this step from the shipped histories.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bms.aging import (  # noqa: E402
    AgingParameters,
    FitQuality,
    PatternRow,
    Term,
    UsagePattern,
    term_loss,
)

DT_S = 600.0
ROW_S = 6 * 3600.0
MODELS = {
    "NMC": ("Nmc811_GrSi_LGM50_5Ah_Battery", "NMC811/graphite-SiOx LG M50 21700, 5 Ah"),
    "LFP": ("Lfp_Gr_SonyMurata3Ah_Battery", "LFP/graphite Sony-Murata 18650, 3 Ah"),
}
MAX_YEARS = 30.0
MAX_POINTS = 160
WEEK_S = 7 * 86400.0
BREAKPOINTS = {"breakpoints_max_time_diff_s": WEEK_S, "breakpoints_max_EFC_diff": 5.0}
"""BLAST-Lite updates its state at most once a week or every 5 EFC (its default is daily/1 EFC,
7 times slower over 30 years; the weekly patterns repeat exactly, so little is lost)."""
CYCLING_DOD_C_RATE = (
    *((dod, c_rate) for dod in (0.5, 0.8, 1.0) for c_rate in (0.5, 1.0)),
    (0.2, 0.2),
    (0.5, 0.2),
    (1.0, 0.2),
    (0.2, 0.5),
)
"""Depth of discharge and C-rate of the cycling fit histories (at 10, 25, 40 degC): the
shallow and slow ones (0.2) cover what EV rows look like (0.1-0.5 DoD per 6 h, 0.2 C)."""

# ---------------------------------------------------------------- profiles (SoC and temperature)


def _calendar(soc: float, temp: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    t = np.arange(0.0, 86400.0 + DT_S, DT_S)  # constant input: BLAST-Lite repeats one update
    return t, np.full_like(t, soc), np.full_like(t, temp)


def _cycling(
    dod: float, c_rate: float, temp: float, cycles_per_day: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Full cycles of ``dod`` around 50 % SoC at ``c_rate`` (both ways), rest at 50 % SoC."""
    t = np.arange(0.0, 86400.0 + DT_S, DT_S)
    soc = np.full_like(t, 0.5)
    step = c_rate * DT_S / 3600.0
    half = max(1, round(dod / step))
    one = np.concatenate(
        [
            0.5 - np.linspace(0, dod / 2, max(1, half // 2), endpoint=False),
            0.5 - dod / 2 + np.linspace(0, dod, half, endpoint=False),
            0.5 + dod / 2 - np.linspace(0, dod / 2, max(1, half // 2), endpoint=False),
        ]
    )
    profile = np.tile(one, max(1, round(cycles_per_day)))
    n = min(len(profile), len(t) - 1)
    soc[:n] = profile[:n]
    week = np.arange(0.0, WEEK_S + DT_S, DT_S)
    soc_week = np.append(np.tile(soc[:-1], 7), soc[-1])
    return week, np.clip(soc_week, 0.0, 1.0), np.full_like(week, temp)


def _ev_week(  # noqa: PLR0917
    rng: np.random.Generator,
    climate_degc: float,
    daily_soc: float,
    charge_to: float,
    fast_share: float,
    park_hot: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """One week of an EV: commutes, nightly AC charge to ``charge_to``, a weekend trip."""
    t = np.arange(0.0, 7 * 86400.0 + DT_S, DT_S)
    hours = (t / 3600.0) % 24.0
    temp = climate_degc + 5.0 * np.sin((hours - 9.0) / 24.0 * 2 * math.pi) + park_hot
    soc = np.empty_like(t)
    level = charge_to
    drive_rate = 0.35 * DT_S / 3600.0  # SoC per step while driving (0.35 C)
    for i, ti in enumerate(t):
        day = int(ti // 86400)
        h = hours[i]
        weekend = day >= 5
        if not weekend and (
            7.5 <= h < 8.0 + daily_soc / 0.35 or 17.0 <= h < 17.0 + daily_soc / 0.35
        ):
            level -= drive_rate * 0.5
            temp[i] += 5.0
        elif weekend and day == 5 and 9.0 <= h < 11.0 + 2 * daily_soc:
            level -= drive_rate
            temp[i] += 8.0
        elif weekend and day == 5 and 13.0 <= h < 14.0 and rng.random() < fast_share * 6:
            level += 1.5 * DT_S / 3600.0  # DC fast charge at 1.5 C
            temp[i] += 12.0
        elif (h >= 22.0 or h < 6.0) and level < charge_to:
            level += 0.2 * DT_S / 3600.0  # AC charge at 0.2 C
            temp[i] += 3.0
        level = min(max(level, 0.05), 1.0)
        soc[i] = level
    soc[-1] = soc[0]
    return t, soc, temp


# ---------------------------------------------------------------- summaries (pattern rows)


def summarise(t: FloatArray, soc: FloatArray, temp: FloatArray) -> UsagePattern:
    """Cut a profile into 6 h rows of the summaries bms.aging reads."""
    rows = []
    edges = np.arange(0.0, t[-1] + 1.0, ROW_S)
    for start in edges[:-1]:
        mask = (t >= start) & (t <= start + ROW_S)
        s, tt, temps = soc[mask], t[mask], temp[mask]
        d_soc = np.abs(np.diff(s))
        dt_h = np.diff(tt) / 3600.0
        active = d_soc / dt_h > 1e-2
        rows.append(
            PatternRow(
                duration_s=ROW_S,
                temperature_degc=float(np.mean(temps)),
                soc_mean_pct=float(100 * np.mean(s)),
                dod_pct=float(100 * (np.max(s) - np.min(s))),
                efc=float(np.sum(d_soc) / 2),
                c_rate=float(np.sum(d_soc[active]) / np.sum(dt_h[active])) if active.any() else 0.0,
            )
        )
    return UsagePattern(rows=tuple(rows))


# ---------------------------------------------------------------- BLAST-Lite runs


def _thin(values: FloatArray, index: npt.NDArray[np.int64]) -> list[float]:
    return [round(float(v), 7) for v in values[index]]


def simulate(
    chem: str, profile: tuple[FloatArray, FloatArray, FloatArray], scalar: float, constant: bool
) -> dict[str, Any]:
    """Run one BLAST-Lite cell over the repeated profile to 70 % capacity; the truth, thinned."""
    import blast.models  # noqa: PLC0415  (only in the aging_data session)

    cell = getattr(blast.models, MODELS[chem][0])(degradation_scalar=scalar)
    t, soc, temp = profile
    cell.simulate_battery_life(
        {"Time_s": t, "SOC": soc, "Temperature_C": temp},
        threshold_capacity=0.7,
        threshold_time=MAX_YEARS,
        is_constant_input=constant,
        **BREAKPOINTS,
    )
    days = np.asarray(cell.stressors["t_days"], dtype=np.float64)
    capacity = np.asarray(cell.outputs["q"], dtype=np.float64)
    finite = int(np.argmin(np.isfinite(capacity))) if not np.isfinite(capacity).all() else len(days)
    days = days[:finite]  # BLAST-Lite's LFP sigmoid state can turn NaN: keep the finite part
    index = np.unique(np.linspace(0, len(days) - 1, MAX_POINTS).round().astype(np.int64))
    truth: dict[str, Any] = {
        "time_d": _thin(days, index),
        "efc": _thin(np.asarray(cell.stressors["efc"], dtype=np.float64), index),
        "capacity": _thin(np.asarray(cell.outputs["q"], dtype=np.float64), index),
    }
    if "r" in cell.outputs:
        truth["resistance"] = _thin(np.asarray(cell.outputs["r"], dtype=np.float64), index)
    return truth


def history_set(rng: np.random.Generator) -> list[dict[str, Any]]:
    """The usage histories: name, split, kind, inputs and profile maker."""
    out: list[dict[str, Any]] = []
    for temp in (10.0, 25.0, 35.0, 45.0):
        for soc in (0.3, 0.6, 0.9):
            inputs = {"soc": soc, "temperature_degc": temp}
            out.append(
                {
                    "name": f"cal_T{temp:g}_soc{soc:g}",
                    "split": "fit",
                    "kind": "calendar",
                    "inputs": inputs,
                    "profile": _calendar(soc, temp),
                    "constant": True,
                }
            )
    for temp in (10.0, 25.0, 40.0):
        for dod, c_rate in CYCLING_DOD_C_RATE:
            inputs = {
                "dod": dod,
                "c_rate": c_rate,
                "temperature_degc": temp,
                "cycles_per_day": 1.0,
            }
            out.append(
                {
                    "name": f"cyc_T{temp:g}_dod{dod:g}_c{c_rate:g}",
                    "split": "fit",
                    "kind": "cycling",
                    "inputs": inputs,
                    "profile": _cycling(dod, c_rate, temp, 1.0),
                    "constant": False,
                }
            )
    ev_fit = [
        (15.0, 0.10, 0.9, 0.0, 0.0),
        (25.0, 0.30, 1.0, 0.1, 5.0),
        (5.0, 0.15, 0.8, 0.0, 0.0),
        (30.0, 0.45, 0.9, 0.1, 3.0),
    ]
    for k, (climate, daily, target, fast, hot) in enumerate(ev_fit):
        inputs = {
            "climate_degc": climate,
            "daily_soc": daily,
            "charge_to": target,
            "fast_share": fast,
            "park_hot_degc": hot,
        }
        out.append(
            {
                "name": f"ev_fit_{k}",
                "split": "fit",
                "kind": "ev",
                "inputs": inputs,
                "profile": _ev_week(rng, climate, daily, target, fast, hot),
                "constant": False,
            }
        )
    for k in range(14):
        climate = float(rng.uniform(5.0, 32.0))
        daily = float(rng.uniform(0.1, 0.5))
        target = float(rng.choice([0.8, 0.9, 1.0]))
        fast = float(rng.choice([0.0, 0.05, 0.15]))
        hot = float(rng.uniform(0.0, 6.0))
        scalar = float(np.exp(rng.normal(0.0, 0.15)))
        inputs = {
            "climate_degc": climate,
            "daily_soc": daily,
            "charge_to": target,
            "fast_share": fast,
            "park_hot_degc": hot,
            "degradation_scalar": scalar,
        }
        out.append(
            {
                "name": f"ev_heldout_{k}",
                "split": "heldout",
                "kind": "ev",
                "inputs": inputs,
                "profile": _ev_week(rng, climate, daily, target, fast, hot),
                "constant": False,
                "scalar": scalar,
            }
        )
    return out


def run_simulations(out: Path, seed: int) -> None:
    """Step 1: every history through BLAST-Lite, for both chemistries."""
    version = metadata.version("blast-lite")
    for chem, (model, cell) in MODELS.items():
        rng = np.random.default_rng(seed)
        histories = []
        for spec in history_set(rng):
            scalar = float(spec.get("scalar", 1.0))
            truth = simulate(chem, spec["profile"], scalar, bool(spec["constant"]))
            pattern = summarise(*spec["profile"])
            histories.append(
                {
                    "name": spec["name"],
                    "split": spec["split"],
                    "kind": spec["kind"],
                    "inputs": spec["inputs"],
                    "degradation_scalar": scalar,
                    "pattern": pattern.model_dump(mode="json")["rows"],
                    "truth": truth,
                }
            )
            print(
                f"{chem} {spec['name']}: {truth['time_d'][-1] / 365:.1f} y, "
                f"q={truth['capacity'][-1]:.3f}",
                flush=True,
            )
        document = {
            "provenance": {
                "made_by": "verification/scripts/make_aging_data.py (nox -s aging_data)",
                "blast_lite_version": version,
                "model": model,
                "cell": cell,
                "seed": seed,
                "profile_step_s": DT_S,
                "pattern_row_s": ROW_S,
                "stop": f"capacity < 0.7 or {MAX_YEARS:g} years",
                "simulate_battery_life": "threshold_capacity=0.7, "
                "is_conserve_energy_throughput=True, breakpoints_max_time_diff_s=604800, "
                "breakpoints_max_EFC_diff=5",
                "profiles": "calendar: one constant day (is_constant_input); cycling: the same "
                "day 7 times; EV: one week; each repeated",
                "truth_points": f"at most {MAX_POINTS}, evenly thinned from BLAST-Lite's steps",
                "held_out": "EV patterns with random climate and habits; degradation_scalar "
                "log-normal (sigma 0.15)",
            },
            "histories": histories,
        }
        path = out / f"{chem.lower()}_histories.json"
        path.write_text(json.dumps(document, indent=None, separators=(",", ":")) + "\n")
        print(f"wrote {path}")


# ---------------------------------------------------------------- fit (scipy, no blast)


_TERM_FIELDS = (
    "log_rate",
    "activation_j_mol",
    "soc_linear",
    "soc_quadratic",
    "soc_cubic",
    "soc_temperature",
    "dod_exponent",
    "c_rate_coefficient",
    "c_rate_log_coefficient",
    "exponent",
)
_FREE = {
    "calendar": (
        "log_rate",
        "activation_j_mol",
        "soc_linear",
        "soc_quadratic",
        "soc_cubic",
        "soc_temperature",
        "exponent",
    ),
    "cycle": (
        "log_rate",
        "activation_j_mol",
        "dod_exponent",
        "c_rate_coefficient",
        "c_rate_log_coefficient",
        "exponent",
    ),
}
"""Free parameters per term. The cycle term has no SoC dependence: every cycling history of
the fit set cycles around 50 % SoC, so only the four EV histories could identify one, and
there it trades off against the calendar term's SoC dependence."""
_BOUNDS = {
    "log_rate": (-30.0, 10.0),
    "activation_j_mol": (-80000.0, 150000.0),
    "soc_linear": (-15.0, 15.0),
    "soc_quadratic": (-30.0, 30.0),
    "soc_cubic": (-100.0, 100.0),
    "soc_temperature": (-20.0, 20.0),
    "dod_exponent": (-3.0, 4.0),
    "c_rate_coefficient": (-5.0, 5.0),
    "c_rate_log_coefficient": (-3.0, 3.0),
    "exponent": (0.3, 1.5),
}


def _terms(
    x: FloatArray, driver: dict[str, str], fixed: dict[str, dict[str, float]]
) -> dict[str, Term]:
    terms = {}
    k = 0
    for name in ("calendar", "cycle"):
        values = dict.fromkeys(_TERM_FIELDS, 0.0)
        for field in _FREE[name]:
            if field in fixed[name]:
                values[field] = fixed[name][field]
                continue
            values[field] = float(x[k])
            k += 1
        terms[name] = Term(driver=driver[name], **values)  # type: ignore[arg-type]
    return terms


def _calendar_exponent(histories: list[dict[str, Any]], key: str) -> float:
    """Stage 1: the time exponent shared by the pure calendar histories, each its own rate.

    ``log(loss) = a_i + z * log(t)`` by linear least squares (a dummy per history):
    the shape of each curve fixes ``z`` before the stress model is fitted.
    """
    blocks = [h for h in histories if h["kind"] == "calendar"]
    rows, targets = [], []
    for i, h in enumerate(blocks):
        time_d = np.asarray(h["truth"]["time_d"])
        y = np.asarray(h["truth"][key])
        loss = 1.0 - y if key == "capacity" else y - 1.0
        keep = (time_d > 1.0) & (loss > 2e-3)
        for t, value in zip(time_d[keep], loss[keep], strict=True):
            row = np.zeros(len(blocks) + 1)
            row[i] = 1.0
            row[-1] = math.log(t)
            rows.append(row)
            targets.append(math.log(value))
    solution = np.linalg.lstsq(np.array(rows), np.array(targets), rcond=None)[0]
    return float(solution[-1])


def _fit_quantity(
    histories: list[dict[str, Any]], key: str
) -> tuple[dict[str, Term], float, float, int]:
    """Stage 2: the stress model (and cycle exponent) by least squares on the loss."""
    from scipy.optimize import least_squares  # noqa: PLC0415

    driver = {"calendar": "time", "cycle": "efc"}
    if key == "resistance":  # BLAST-Lite's resistance grows linearly in time and EFC
        fixed = {"calendar": {"exponent": 1.0}, "cycle": {"exponent": 1.0}}
    else:
        fixed = {"calendar": {"exponent": _calendar_exponent(histories, key)}, "cycle": {}}
    data = []
    for h in histories:
        pattern = UsagePattern.model_validate({"rows": tuple(h["pattern"])})
        time_d = np.asarray(h["truth"]["time_d"])
        y = np.asarray(h["truth"][key])
        loss = 1.0 - y if key == "capacity" else y - 1.0
        data.append((pattern, time_d * 86400.0, loss))

    def residual(x: FloatArray) -> FloatArray:
        terms = _terms(x, driver, fixed)
        out = []
        for pattern, time_s, loss in data:
            model = term_loss(terms["calendar"], pattern, time_s) + term_loss(
                terms["cycle"], pattern, time_s
            )
            out.append(model - loss)
        return np.concatenate(out)

    names = [f for n in ("calendar", "cycle") for f in _FREE[n] if f not in fixed[n]]
    x0 = np.array([{"log_rate": -6.0, "exponent": 0.6}.get(f, 0.0) for f in names])
    lower = np.array([_BOUNDS[f][0] for f in names])
    upper = np.array([_BOUNDS[f][1] for f in names])
    best = None
    for start in (-4.0, -7.0, -10.0):
        x0[[i for i, f in enumerate(names) if f == "log_rate"]] = start
        result = least_squares(residual, x0, bounds=(lower, upper), x_scale="jac", max_nfev=400)
        if best is None or result.cost < best.cost:
            best = result
    assert best is not None
    res = residual(best.x)
    losses = np.concatenate([d[2] for d in data])
    rel = float(np.sqrt(np.mean((res / np.maximum(losses, 0.01)) ** 2)))
    return _terms(best.x, driver, fixed), float(np.sqrt(np.mean(res**2))), rel, len(res)


CUTOFFS = (0.97, 0.95, 0.9, 0.85)
"""Capacities at which the multiplier statistics cut the fit histories."""
MIN_SHARE = 0.2
"""Share of the loss each term must make for a history to count in the multipliers' spread."""


def _design(terms: dict[str, Term], history: dict[str, Any]) -> tuple[FloatArray, FloatArray]:
    """Nominal calendar and cycle losses at the truth's times, and the true loss."""
    pattern = UsagePattern.model_validate({"rows": tuple(history["pattern"])})
    time_s = np.asarray(history["truth"]["time_d"]) * 86400.0
    design = np.stack(
        [term_loss(terms["calendar"], pattern, time_s), term_loss(terms["cycle"], pattern, time_s)],
        axis=1,
    )
    return design, 1.0 - np.asarray(history["truth"]["capacity"])


def multiplier_statistics(
    histories: list[dict[str, Any]], terms: dict[str, Term]
) -> dict[str, float]:
    """What the on-board update needs to know about the fitted model's error (fit set only).

    * ``shape``: RMS relative loss error left after each history's own calendar and cycle
      multipliers (non-negative least squares over its whole truth);
    * ``extrapolation``: with the multipliers fitted up to a cut-off (97, 95, 90, 85 %
      capacity), the relative error of the predicted loss later on, per unit
      ``ln(t / t_cut)`` (root of sum e^2 / sum ln^2);
    * ``calendar_rms``, ``cycle_rms``, ``correlation``: spread of the multipliers about 1
      over the histories where each term makes at least ``MIN_SHARE`` of the modelled loss
      at the end (elsewhere a history does not determine that term's multiplier): the
      model's own error in splitting loss between calendar and cycle aging.
    """
    from scipy.optimize import nnls  # noqa: PLC0415

    shape: list[float] = []
    errors: list[float] = []
    logs: list[float] = []
    multipliers = []
    for history in histories:
        design, loss = _design(terms, history)
        time_d = np.asarray(history["truth"]["time_d"])
        keep = time_d > 0.0
        theta = nnls(design[keep], loss[keep])[0]
        shape.extend((design[keep] @ theta - loss[keep]) / np.maximum(loss[keep], 0.01))
        share = design[-1] / max(float(design[-1].sum()), 1e-12)
        if history["kind"] != "calendar" and share.min() >= MIN_SHARE:
            multipliers.append(np.linalg.lstsq(design[keep], loss[keep], rcond=None)[0])
        for cut in CUTOFFS:
            past = keep & (loss <= 1.0 - cut)
            future = loss > 1.0 - cut
            if past.sum() < 3 or not future.any():
                continue
            cut_d = float(time_d[past][-1])
            theta = nnls(design[past], loss[past])[0]
            errors.extend((design[future] @ theta - loss[future]) / loss[future])
            logs.extend(np.log(time_d[future] / cut_d))
    deviation = np.array(multipliers) - 1.0
    cal, cyc = np.sqrt(np.mean(deviation**2, axis=0))
    return {
        "shape": float(np.sqrt(np.mean(np.square(shape)))),
        "extrapolation": float(np.sqrt(np.sum(np.square(errors)) / np.sum(np.square(logs)))),
        "calendar_rms": float(cal),
        "cycle_rms": float(cyc),
        "correlation": float(np.mean(deviation[:, 0] * deviation[:, 1]) / (cal * cyc)),
    }


def fit(out: Path) -> None:
    """Step 2: fit the model per chemistry to the fit set; write <chem>_params.json."""
    for chem in MODELS:
        document = json.loads((out / f"{chem.lower()}_histories.json").read_text())
        fit_set = [h for h in document["histories"] if h["split"] == "fit"]
        cap_terms, cap_rms, cap_rel, n_cap = _fit_quantity(fit_set, "capacity")
        res_terms = None
        res_rms = res_rel = math.nan
        if all("resistance" in h["truth"] for h in fit_set):
            res_terms, res_rms, res_rel, _ = _fit_quantity(fit_set, "resistance")
        stats = multiplier_statistics(fit_set, cap_terms)
        params = AgingParameters(
            chemistry=chem,  # type: ignore[arg-type]
            source=f"BLAST-Lite {document['provenance']['blast_lite_version']} "
            f"{document['provenance']['model']} ({document['provenance']['cell']})",
            capacity_calendar=cap_terms["calendar"],
            capacity_cycle=cap_terms["cycle"],
            resistance_calendar=res_terms["calendar"] if res_terms else None,
            resistance_cycle=res_terms["cycle"] if res_terms else None,
            fit=FitQuality(
                points=n_cap,
                histories=len(fit_set),
                capacity_rms_pct=100 * cap_rms,
                capacity_loss_rel_rms=cap_rel,
                capacity_shape_rel_rms=stats["shape"],
                capacity_extrapolation_rel=stats["extrapolation"],
                capacity_calendar_multiplier_rms=stats["calendar_rms"],
                capacity_cycle_multiplier_rms=stats["cycle_rms"],
                capacity_multiplier_correlation=stats["correlation"],
                resistance_rms_pct=None if res_terms is None else 100 * res_rms,
                resistance_gain_rel_rms=None if res_terms is None else res_rel,
            ),
        )
        path = out / f"{chem.lower()}_params.json"
        path.write_text(params.model_dump_json(indent=2) + "\n")
        print(
            f"{chem}: capacity rms {100 * cap_rms:.2f} %, loss rel rms {cap_rel:.3f}, "
            f"multipliers {stats}; "
            f"resistance rms {100 * res_rms:.2f} % -> {path}"
        )


def main() -> int:
    """Simulate with BLAST-Lite (unless --fit-only), then fit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "bms" / "aging" / "data")
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--fit-only", action="store_true", help="refit from the shipped data")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.fit_only:
        run_simulations(args.out, args.seed)
    fit(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
