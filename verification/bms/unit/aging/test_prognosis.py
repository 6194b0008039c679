"""Tests of bms.aging._prognosis: the Bayesian update of the aging scales and the RUL.

Covers: a measurement update never increases the variance of any scale and
strictly reduces it along the measured direction (property test over random
rows and variances); non-finite inputs or a variance <= 0 leave the estimate
unchanged; noise-free measurements of a cell aging 30 % faster than nominal
pull the capacity multipliers towards 1.3; the RUL interval contains the
prediction and widens with less data (fewer measurements, earlier cut-off);
the RUL is monotone in usage severity (hotter, higher SoC, more cycles give a
shorter life) and the life to 70 % is longer than to 80 %; the interval
level widens the interval; a history without measurements keeps the prior.
With the fit's multiplier statistics in the parameters: with ``split_prior``
the prior is the model's calendar/cycle split error plus a common cell
factor (positive definite; the independent prior by default or without the
statistics); with either prior the update moves the multipliers
and the reported capacity to the measurements of a cell aging 20 % slower
or 30 % faster; the interval widens with fewer measurements; the
extrapolation error widens it, more for the later threshold. A bias common
to every measured capacity (a current sensor's gain) is learnt as such: the
multipliers and the RUL stay where unbiased measurements put them, which
they do not without the bias state; with its sigma 0 the bias never moves.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bms.aging import (
    AgingParameters,
    FitQuality,
    HistoryRow,
    PrognosisConfig,
    Term,
    UsageHistory,
    initial_estimate,
    load_parameters,
    nominal_losses,
    prognose,
    update_scales,
)
from verification.hypothesis_profiles import examples

DAY_S = 86400.0


def _params(**fit_changes: float) -> AgingParameters:
    calendar = Term(
        driver="time",
        log_rate=math.log(0.003),
        activation_j_mol=50000.0,
        soc_linear=1.0,
        soc_quadratic=0.0,
        dod_exponent=0.0,
        c_rate_coefficient=0.0,
        exponent=0.5,
    )
    cycle = Term(
        driver="efc",
        log_rate=math.log(2e-4),
        activation_j_mol=20000.0,
        soc_linear=0.0,
        soc_quadratic=0.0,
        dod_exponent=1.0,
        c_rate_coefficient=0.3,
        exponent=0.9,
    )
    r_cal = Term(
        driver="time",
        log_rate=math.log(1e-4),
        activation_j_mol=40000.0,
        soc_linear=0.0,
        soc_quadratic=0.0,
        dod_exponent=0.0,
        c_rate_coefficient=0.0,
        exponent=1.0,
    )
    fit = FitQuality(
        points=10,
        histories=2,
        capacity_rms_pct=0.3,
        capacity_loss_rel_rms=0.05,
        resistance_rms_pct=0.5,
        resistance_gain_rel_rms=0.05,
    ).model_copy(update=fit_changes)
    return AgingParameters(
        chemistry="NMC",
        source="test",
        capacity_calendar=calendar,
        capacity_cycle=cycle,
        resistance_calendar=r_cal,
        resistance_cycle=r_cal.model_copy(update={"driver": "efc"}),
        fit=fit,
    )


def _history(
    days: int,
    changes: dict[str, float] | None = None,
    measure_every: int = 0,
    true_scale: float = 1.0,
) -> UsageHistory:
    usage = {
        "temperature_degc": 25.0,
        "soc_mean_pct": 60.0,
        "dod_pct": 50.0,
        "efc": 0.5,
        "c_rate": 0.5,
    }
    usage.update(changes or {})
    plain = UsageHistory(
        rows=tuple(
            HistoryRow(start_s=d * DAY_S, end_s=(d + 1) * DAY_S, **usage) for d in range(days)
        )
    )
    if not measure_every:
        return plain
    losses = nominal_losses(_params(), plain)
    rows = []
    for d, row in enumerate(plain.rows):
        measured = row
        if (d + 1) % measure_every == 0:
            capacity = 100 * (1 - true_scale * (losses[d, 0] + losses[d, 1]))
            update = {"capacity_pct": capacity, "capacity_sigma_pct": 0.5}
            measured = row.model_copy(update=update)
        rows.append(measured)
    return UsageHistory(rows=tuple(rows))


@pytest.mark.verifies("SWR_AGE_002")
@settings(max_examples=examples(60), deadline=None)
@given(
    row=st.lists(st.floats(-1.0, 1.0), min_size=5, max_size=5),
    variance=st.floats(1e-8, 1.0),
    target=st.floats(-1.0, 1.0),
)
def test_update_never_increases_variance(row: list[float], variance: float, target: float) -> None:
    prior = initial_estimate(PrognosisConfig())
    h = np.array(row)
    posterior = update_scales(prior, h, target, variance)
    _, p0 = prior.arrays()
    _, p1 = posterior.arrays()
    assert np.all(np.diag(p1) <= np.diag(p0) + 1e-12)
    assert np.all(np.linalg.eigvalsh(p1) >= -1e-12)
    if float(h @ h) > 1e-3:
        assert h @ p1 @ h < h @ p0 @ h
        assert posterior.measurements == 1


@pytest.mark.verifies("SWR_AGE_002")
@pytest.mark.parametrize(
    ("target", "variance", "row"),
    [
        (math.nan, 1e-4, [1, 0, 0, 0, 0]),
        (0.1, math.inf, [1, 0, 0, 0, 0]),
        (0.1, 0.0, [1, 0, 0, 0, 0]),
        (0.1, -1.0, [1, 0, 0, 0, 0]),
        (0.1, 1e-4, [math.nan, 0, 0, 0, 0]),
    ],
)
def test_bad_update_leaves_estimate_unchanged(
    target: float, variance: float, row: list[float]
) -> None:
    prior = initial_estimate(PrognosisConfig())
    assert update_scales(prior, np.array(row, dtype=float), target, variance) == prior


@pytest.mark.verifies("SWR_AGE_002")
def test_measurements_pull_scales_towards_truth() -> None:
    history = _history(3 * 365, measure_every=30, true_scale=1.3)
    result = prognose(_params(), history)
    mean, cov = result.estimate.arrays()
    # calendar and cycle multipliers are only jointly observable here: their weighted sum is
    losses = nominal_losses(_params(), history)[-1, :2]
    assert float(losses @ mean[:2]) / float(losses.sum()) == pytest.approx(1.3, abs=0.05)
    assert cov[0, 0] < 0.3**2
    assert result.estimate.measurements == 36


@pytest.mark.verifies("SWR_AGE_003")
def test_interval_widens_with_less_data() -> None:
    params = _params()
    full = prognose(params, _history(4 * 365, measure_every=30, true_scale=1.2))
    sparse = prognose(params, _history(4 * 365, measure_every=360, true_scale=1.2))
    early = prognose(params, _history(365, measure_every=30, true_scale=1.2))
    none = prognose(params, _history(4 * 365))

    def width(result_days: tuple[float | None, float | None]) -> float:
        lower, upper = result_days
        assert lower is not None
        return (upper if upper is not None else math.inf) - lower

    widths = [
        width((r.remaining[0].lower_days, r.remaining[0].upper_days)) for r in (full, sparse, none)
    ]
    assert widths[0] < widths[1] < widths[2]
    eol_full = width((full.remaining[0].lower_days, full.remaining[0].upper_days))
    eol_early = width((early.remaining[0].lower_days, early.remaining[0].upper_days))
    assert eol_full < eol_early
    for r in (full, sparse, early, none):
        for life in r.remaining:
            assert life.lower_days is not None
            assert life.days is not None
            assert life.lower_days <= life.days
            assert life.upper_days is None or life.days <= life.upper_days
    assert none.estimate == initial_estimate(PrognosisConfig())


@pytest.mark.verifies("SWR_AGE_003")
@pytest.mark.parametrize(
    ("mild", "severe"),
    [
        ({"temperature_degc": 20.0}, {"temperature_degc": 35.0}),
        ({"soc_mean_pct": 40.0}, {"soc_mean_pct": 90.0}),
        ({"efc": 0.2}, {"efc": 1.0}),
    ],
)
def test_rul_is_monotone_in_usage_severity(
    mild: dict[str, float], severe: dict[str, float]
) -> None:
    params = _params()
    a = prognose(params, _history(365, mild))
    b = prognose(params, _history(365, severe))
    for life_a, life_b in zip(a.remaining, b.remaining, strict=True):
        assert life_a.days is not None
        assert life_b.days is not None
        assert life_b.days < life_a.days
    assert a.remaining[1].days is not None
    assert a.remaining[0].days is not None
    assert a.remaining[1].days > a.remaining[0].days


@pytest.mark.verifies("SWR_AGE_003")
def test_higher_level_gives_a_wider_interval() -> None:
    history = _history(2 * 365, measure_every=60)
    narrow = prognose(_params(), history, PrognosisConfig(interval_level=0.8))
    wide = prognose(_params(), history, PrognosisConfig(interval_level=0.99))
    assert narrow.remaining[0].lower_days is not None
    assert wide.remaining[0].lower_days is not None
    assert wide.remaining[0].lower_days < narrow.remaining[0].lower_days
    assert wide.remaining[0].days == narrow.remaining[0].days


@pytest.mark.verifies("SWR_AGE_003")
@pytest.mark.parametrize("chemistry", ["NMC", "LFP"])
def test_shipped_parameters_give_a_finite_prognosis(chemistry: str) -> None:
    params = load_parameters(chemistry)
    # (the LG M50 loses 20 % in about two years of two half cycles a day at 35 degC)
    result = prognose(params, _history(365, {"temperature_degc": 30.0, "efc": 0.5}))
    assert 70.0 < result.capacity_pct < 100.0
    assert result.remaining[0].days is not None
    assert result.remaining[0].days > 0
    assert (result.resistance_pct is None) == (params.resistance_calendar is None)


_FIT_STATISTICS = {
    "capacity_shape_rel_rms": 0.01,
    "capacity_extrapolation_rel": 0.05,
    "capacity_calendar_multiplier_rms": 0.2,
    "capacity_cycle_multiplier_rms": 0.15,
    "capacity_multiplier_correlation": -0.7,
}


@pytest.mark.verifies("SWR_AGE_002")
def test_prior_from_fit_statistics_has_a_common_cell_factor() -> None:
    config = PrognosisConfig(prior_sigma=0.3, split_prior=True)
    mean, cov = initial_estimate(config, _params(**_FIT_STATISTICS)).arrays()
    np.testing.assert_allclose(mean, [1.0, 1.0, 1.0, 1.0, 0.0])
    assert cov[0, 0] == pytest.approx(0.3**2 + 0.2**2)
    assert cov[1, 1] == pytest.approx(0.3**2 + 0.15**2)
    assert cov[0, 1] == pytest.approx(0.3**2 - 0.7 * 0.2 * 0.15)
    assert cov[0, 1] == cov[1, 0]
    assert np.all(np.linalg.eigvalsh(cov) > 0.0)
    np.testing.assert_allclose(cov[2:4, 2:4], np.eye(2) * 0.3**2)
    assert cov[4, 4] == pytest.approx(0.005**2)  # the measurements' common bias, 0.5 %
    np.testing.assert_allclose(cov[4, :4], 0.0)
    # without the statistics, or by default, the prior is the independent one
    plain = initial_estimate(config, _params())
    assert plain == initial_estimate(config)
    assert initial_estimate(PrognosisConfig(), _params(**_FIT_STATISTICS)) == plain


@pytest.mark.verifies("SWR_AGE_002")
@pytest.mark.parametrize("split_prior", [False, True])
@pytest.mark.parametrize("true_scale", [0.8, 1.3])
def test_update_with_fit_statistics_moves_the_estimate_towards_the_measurements(
    true_scale: float, split_prior: bool
) -> None:
    params = _params(**_FIT_STATISTICS)
    history = _history(3 * 365, measure_every=30, true_scale=true_scale)
    result = prognose(params, history, PrognosisConfig(split_prior=split_prior))
    mean, _ = result.estimate.arrays()
    losses = nominal_losses(params, history)[-1, :2]
    assert float(losses @ mean[:2]) / float(losses.sum()) == pytest.approx(true_scale, abs=0.03)
    # the capacity it reports follows the measurements, not the nominal model
    nominal = 100 * (1 - float(losses.sum()))
    measured = 100 * (1 - true_scale * float(losses.sum()))
    assert abs(result.capacity_pct - measured) < 0.2 * abs(nominal - measured)


@pytest.mark.verifies("SWR_AGE_003")
@pytest.mark.parametrize("split_prior", [False, True])
def test_interval_with_fit_statistics_widens_with_less_data(split_prior: bool) -> None:
    params = _params(**_FIT_STATISTICS)
    config = PrognosisConfig(split_prior=split_prior)
    results = [
        prognose(params, _history(4 * 365, measure_every=every, true_scale=1.2), config)
        for every in (30, 360)
    ]
    results.append(prognose(params, _history(4 * 365), config))
    widths = []
    for result in results:
        for life in result.remaining:
            assert life.lower_days is not None
            assert life.days is not None
            assert life.lower_days <= life.days
            assert life.upper_days is None or life.days <= life.upper_days
        life = result.remaining[1]  # to 70 %: still ahead of every one of them
        assert life.lower_days is not None
        assert life.lower_days > 0.0
        widths.append((math.inf if life.upper_days is None else life.upper_days) - life.lower_days)
    assert widths[0] < widths[1] < widths[2]


@pytest.mark.verifies("SWR_AGE_003")
def test_extrapolation_error_widens_the_interval_further_ahead() -> None:
    history = _history(3 * 365, measure_every=30, true_scale=1.1)
    flat = _params(**(_FIT_STATISTICS | {"capacity_extrapolation_rel": 0.0}))
    assert flat.fit.capacity_extrapolation_rel == 0.0
    without = prognose(flat, history)
    with_growth = prognose(_params(**_FIT_STATISTICS), history)
    extra = []
    for a, b in zip(without.remaining, with_growth.remaining, strict=True):
        assert a.days == b.days
        assert a.lower_days is not None
        assert b.lower_days is not None
        assert b.lower_days < a.lower_days
        extra.append(a.lower_days - b.lower_days)
    # the extra width grows with the horizon: more for 70 % than for 80 %
    assert extra[1] > extra[0]


def _shifted(history: UsageHistory, points: float) -> UsageHistory:
    """The same history with every measured capacity ``points`` higher (one sensor's gain)."""
    return UsageHistory(
        rows=tuple(
            row
            if row.capacity_pct is None
            else row.model_copy(update={"capacity_pct": row.capacity_pct + points})
            for row in history.rows
        )
    )


@pytest.mark.verifies("SWR_AGE_002", "SWR_AGE_003")
def test_a_bias_common_to_every_measured_capacity_is_learnt_as_such() -> None:
    params = _params()
    clean = _history(3 * 365, measure_every=30, true_scale=1.0)
    biased = _shifted(clean, 1.0)
    losses = nominal_losses(params, clean)[-1, :2]

    def combined(result_mean: tuple[float, ...]) -> float:
        return float(losses @ np.array(result_mean[:2])) / float(losses.sum())

    unbiased = prognose(params, clean, PrognosisConfig(capacity_bias_sigma_pct=1.0))
    learnt = prognose(params, biased, PrognosisConfig(capacity_bias_sigma_pct=1.0))
    ignored = prognose(params, biased, PrognosisConfig(capacity_bias_sigma_pct=0.0))
    assert combined(learnt.estimate.mean) == pytest.approx(1.0, abs=0.03)
    assert combined(ignored.estimate.mean) < 0.95
    _, cov = learnt.estimate.arrays()
    assert abs(learnt.estimate.mean[4] - 0.01) < 2 * math.sqrt(cov[4, 4])
    reference = unbiased.remaining[0].days
    assert reference is not None
    assert learnt.remaining[0].days is not None
    assert ignored.remaining[0].days is not None
    assert abs(learnt.remaining[0].days - reference) < 0.05 * reference
    assert ignored.remaining[0].days - reference > 0.1 * reference


@pytest.mark.verifies("SWR_AGE_002")
def test_without_a_bias_sigma_the_bias_never_moves() -> None:
    history = _shifted(_history(2 * 365, measure_every=30, true_scale=1.2), 1.0)
    result = prognose(_params(), history, PrognosisConfig(capacity_bias_sigma_pct=0.0))
    _, cov = result.estimate.arrays()
    assert result.estimate.mean[4] == 0.0
    assert cov[4, 4] == 0.0
