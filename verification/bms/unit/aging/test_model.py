"""Tests of bms.aging._model: the aging terms, the shipped fits and the parameter loader.

Covers: a term at constant stress is ``k * x^z`` (the square root of time for
``z = 0.5``); a multiplier on the rate multiplies the loss; the Arrhenius
ratio between two temperatures; under changing stress the closed form equals
BLAST-Lite's incremental power-law state update; the shipped NMC and LFP fits
reproduce their BLAST-Lite fit set within 1.5 capacity points RMS (computed
here from the shipped histories, and equal to what the parameter file
states), and their provenance names BLAST-Lite and the model, and they carry
the multiplier statistics of the update (the error left after per-history
multipliers below the whole fit error); the C-rate power law and its floor
at rest; a parameter
file with a bad field or an unknown chemistry is rejected naming the field.
SWR_SOH_009: the worst calendar fade, ``b days^z``, bounds the shipped
model's loss in every storage from -10 to 45 degC at any SoC, and is the
hottest storage's at its fastest SoC (not looser).
"""

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bms.aging import (
    GAS_CONSTANT_J_MOL_K,
    HOT_STORAGE_DEGC,
    PatternRow,
    Term,
    UsagePattern,
    load_parameters,
    term_loss,
    worst_calendar_fade,
)
from bms.errors import ConfigError
from verification.bms.unit.aging.blast_lite_fixture import blast_lite_document

DAY_S = 86400.0


def _term(**changes: Any) -> Term:
    values: dict[str, Any] = {
        "driver": "time",
        "log_rate": math.log(0.004),
        "activation_j_mol": 40000.0,
        "soc_linear": 1.5,
        "soc_quadratic": 2.0,
        "dod_exponent": 0.0,
        "c_rate_coefficient": 0.0,
        "exponent": 0.5,
    }
    values.update(changes)
    return Term(**values)


def _row(temperature_degc: float = 25.0, soc_pct: float = 50.0) -> PatternRow:
    return PatternRow(
        duration_s=DAY_S,
        temperature_degc=temperature_degc,
        soc_mean_pct=soc_pct,
        dod_pct=0.0,
        efc=0.0,
        c_rate=0.0,
    )


@pytest.mark.verifies("SWR_AGE_001")
def test_constant_stress_is_a_power_law_of_time() -> None:
    days = np.array([0.0, 1.0, 4.0, 100.0, 400.0])
    loss = term_loss(_term(), UsagePattern(rows=(_row(),)), days * DAY_S)
    np.testing.assert_allclose(loss, 0.004 * np.sqrt(days), rtol=1e-12)
    scaled = term_loss(
        _term(log_rate=math.log(0.004 * 1.7)), UsagePattern(rows=(_row(),)), days * DAY_S
    )
    np.testing.assert_allclose(scaled, 1.7 * loss, rtol=1e-12)


@pytest.mark.verifies("SWR_AGE_001")
def test_arrhenius_and_soc_dependence() -> None:
    t = np.array([365 * DAY_S])
    cold = term_loss(_term(), UsagePattern(rows=(_row(15.0),)), t)[0]
    hot = term_loss(_term(), UsagePattern(rows=(_row(45.0),)), t)[0]
    expected = math.exp(40000.0 / GAS_CONSTANT_J_MOL_K * (1 / 288.15 - 1 / 318.15))
    assert hot / cold == pytest.approx(expected, rel=1e-9)
    low = term_loss(_term(), UsagePattern(rows=(_row(soc_pct=30.0),)), t)[0]
    high = term_loss(_term(), UsagePattern(rows=(_row(soc_pct=90.0),)), t)[0]
    assert high / low == pytest.approx(math.exp(1.5 * 0.6 + 2.0 * (0.16 - 0.04)), rel=1e-9)


@pytest.mark.verifies("SWR_AGE_001")
def test_c_rate_power_law() -> None:
    term = _term(driver="efc", exponent=1.0, c_rate_log_coefficient=0.5)

    def loss(c_rate: float) -> float:
        row = PatternRow(
            duration_s=DAY_S,
            temperature_degc=25.0,
            soc_mean_pct=50.0,
            dod_pct=100.0,
            efc=1.0,
            c_rate=c_rate,
        )
        return float(term_loss(term, UsagePattern(rows=(row,)), np.array([DAY_S]))[0])

    assert loss(0.8) / loss(0.2) == pytest.approx(4.0**0.5, rel=1e-9)
    assert loss(0.0) == pytest.approx(loss(0.01), rel=1e-12)  # floored, finite at rest
    assert math.isfinite(loss(0.0))


@pytest.mark.verifies("SWR_AGE_001")
def test_changing_stress_matches_blast_state_update() -> None:
    term = _term(exponent=0.65)
    pattern = UsagePattern(rows=(_row(10.0, 30.0), _row(40.0, 95.0), _row(25.0, 60.0)))
    ks = [
        float(term_loss(term, UsagePattern(rows=(r,)), np.array([DAY_S]))[0]) for r in pattern.rows
    ]
    # BLAST-Lite's _update_power_state: dq = k p (q / k)^((p - 1) / p) dx, first step q = k dx^p
    q, steps = 0.0, 200
    for day in range(60):
        k = ks[day % 3]
        for _ in range(steps):
            dx = 1.0 / steps
            q += k * dx**0.65 if q == 0 else k * 0.65 * (q / k) ** ((0.65 - 1) / 0.65) * dx
    closed = term_loss(term, pattern, np.array([60 * DAY_S]))[0]
    assert closed == pytest.approx(q, rel=2e-3)


@pytest.mark.verifies("SWR_AGE_001")
@pytest.mark.parametrize("chemistry", ["NMC", "LFP"])
def test_shipped_fit_reproduces_blast_lite(chemistry: str) -> None:
    params = load_parameters(chemistry)
    document = blast_lite_document(chemistry)
    assert document["provenance"]["model"] in params.source
    assert document["provenance"]["blast_lite_version"] in params.source
    errors = []
    for history in document["histories"]:
        if history["split"] != "fit":
            continue
        pattern = UsagePattern.model_validate({"rows": tuple(history["pattern"])})
        time_s = np.asarray(history["truth"]["time_d"]) * DAY_S
        model = (
            1.0
            - term_loss(params.capacity_calendar, pattern, time_s)
            - term_loss(params.capacity_cycle, pattern, time_s)
        )
        errors.append(model - np.asarray(history["truth"]["capacity"]))
    rms_pct = 100 * float(np.sqrt(np.mean(np.concatenate(errors) ** 2)))
    assert rms_pct <= 1.5
    assert rms_pct == pytest.approx(params.fit.capacity_rms_pct, rel=1e-6)
    assert {h["split"] for h in document["histories"]} == {"fit", "heldout"}
    # the statistics the on-board update reads: the multipliers absorb most of the model error
    fit = params.fit
    assert fit.capacity_shape_rel_rms is not None
    assert fit.capacity_shape_rel_rms < fit.capacity_loss_rel_rms
    assert fit.capacity_extrapolation_rel is not None
    assert fit.capacity_extrapolation_rel > 0.0
    assert fit.capacity_calendar_multiplier_rms is not None
    assert fit.capacity_cycle_multiplier_rms is not None
    assert fit.capacity_multiplier_correlation is not None


@pytest.mark.verifies("SWR_AGE_001")
def test_bad_parameter_files_name_the_field(tmp_path: Path) -> None:
    good = json.loads(load_parameters("NMC").model_dump_json())
    good["capacity_calendar"]["exponent"] = -1.0
    path = tmp_path / "p.json"
    path.write_text(json.dumps(good))
    with pytest.raises(ConfigError, match=r"p\.json: capacity_calendar\.exponent: "):
        load_parameters("NMC", path)
    with pytest.raises(ConfigError, match="'NCA' is not NMC or LFP"):
        load_parameters("NCA")
    path.write_text("{")
    with pytest.raises(ConfigError, match=r"p\.json: <file>: cannot be read"):
        load_parameters("NMC", path)


def _storage_loss_pct(params: Any, temperature: float, soc: float, days: Any) -> Any:
    row = PatternRow(
        duration_s=DAY_S, temperature_degc=temperature, soc_mean_pct=soc, dod_pct=0.0,
        efc=0.0, c_rate=0.0,
    )  # fmt: skip
    return 100.0 * term_loss(params.capacity_calendar, UsagePattern(rows=(row,)), days * DAY_S)


@pytest.mark.verifies("SWR_SOH_009")
@pytest.mark.parametrize("chemistry", ["NMC", "LFP"])
def test_the_worst_calendar_fade_bounds_every_storage_the_fit_covers(chemistry: str) -> None:
    params = load_parameters(chemistry)
    scale_pct, exponent = worst_calendar_fade(params)
    assert exponent == params.capacity_calendar.exponent
    days = np.array([1.0 / 24.0, 1.0, 30.0, 365.0, 3650.0])
    worst = scale_pct * days**exponent
    losses = [
        _storage_loss_pct(params, temperature, soc, days)
        for temperature in (-10.0, 10.0, 25.0, 35.0, HOT_STORAGE_DEGC)
        for soc in np.linspace(0.0, 100.0, 41)
    ]
    assert np.all(np.array(losses) <= worst * (1.0 + 1e-9))
    # And it is one of them (the hottest, at the fastest SoC on the 5 % grid), not looser.
    grid = [_storage_loss_pct(params, HOT_STORAGE_DEGC, soc, days) for soc in range(0, 101, 5)]
    assert max(float(loss[3]) for loss in grid) == pytest.approx(float(worst[3]), rel=1e-9)
