"""Tests of bms/estimation/_soc_memory.py: the key-off SoC, parked, for the next filter's start.

Covers SWR_SOC_008: the SoC is kept and its sigma grows by the
self-discharge bound of the days parked (``sqrt(sigma^2 + (0.002 d)^2)``);
no days keep it as it was; a clock set back, a non-finite or negative time
parked, a SoC outside [0, 1] or non-finite, or a sigma that is not > 0 give
no start (the filter starts unknown). The SoC's sensitivity to the
coulomb count's scale error (``beta``) is read at key-off as the
covariance over the scale variance, kept through the parking (one not
finite or not one per cell is left out, the SoC kept), and a start from
it restores the covariance, its correlation clipped to 0.99 for any
``beta``; the first step starts from it, the unknown start uncorrelated.

Covers SWR_SOC_009: the first step's innovations judge the kept SoC, each
against the sigma the filter expected for it; beyond the gate (5 sigma) the
reason names the cell; a cell whose voltage was not measured, a rejected
step or a zero sigma refute nothing; the filter's own first step at rest
refutes a start 30 points off the rest voltage and not one on it. The
first filter step starts from the kept SoC when the voltage does not refute
it, and otherwise (or with none, or one for another cell count) from the
unknown start (50 %, 30 points), saying why.
"""

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bms.cell import cell_model, ocv
from bms.estimation import (
    KEPT_SOC_GATE_SIGMA,
    MAX_KEPT_SCALE_CORRELATION,
    SELF_DISCHARGE_PER_DAY,
    UNKNOWN_SOC,
    EkfState,
    SocEstimate,
    SocFilterTuning,
    SocStart,
    ekf_step,
    first_filter_step,
    initial_ekf_state,
    kept_soc_disagreement,
    parked_soc,
    soc_to_keep,
    usable_soc_start,
)
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry

SOC = np.array([0.2, 0.55, 0.9])
SIGMA = np.array([0.01, 0.02, 0.005])
BETA = np.array([0.4, -0.1, 0.0])


@pytest.mark.verifies("SWR_SOC_008")
def test_the_parked_soc_keeps_its_value_and_grows_its_sigma_by_the_self_discharge_bound() -> None:
    start = parked_soc(SocStart(SOC, SIGMA), 10.0)
    assert start is not None
    assert SELF_DISCHARGE_PER_DAY == 0.002
    assert np.array_equal(start.soc, SOC)
    assert start.sigma == pytest.approx(np.sqrt(SIGMA**2 + 0.02**2))
    same = parked_soc(SocStart(SOC, SIGMA), 0.0)
    assert same is not None
    assert np.array_equal(same.sigma, SIGMA)
    longer = parked_soc(SocStart(SOC, SIGMA), 30.0)
    assert longer is not None
    assert np.all(longer.sigma > start.sigma)


@pytest.mark.verifies("SWR_SOC_008", method="fault_injection")
@pytest.mark.parametrize(
    ("soc", "sigma", "days"),
    [
        (SOC, SIGMA, -0.5),  # a clock set back: how long it stood is unknown
        (SOC, SIGMA, math.nan),
        (SOC, SIGMA, math.inf),
        (np.array([0.2, math.nan, 0.9]), SIGMA, 1.0),
        (np.array([0.2, 1.2, 0.9]), SIGMA, 1.0),
        (np.array([-0.1, 0.5, 0.9]), SIGMA, 1.0),
        (SOC, np.array([0.01, 0.0, 0.01]), 1.0),
        (SOC, np.array([0.01, math.inf, 0.01]), 1.0),
    ],
)
def test_a_start_that_cannot_be_trusted_is_none(
    soc: np.ndarray, sigma: np.ndarray, days: float
) -> None:
    assert parked_soc(SocStart(soc, sigma, BETA), days) is None


@pytest.mark.verifies("SWR_SOC_008")
def test_the_parked_soc_keeps_its_scale_sensitivity_and_leaves_out_one_it_cannot_use() -> None:
    start = parked_soc(SocStart(SOC, SIGMA, BETA), 10.0)
    assert start is not None
    assert start.scale_sensitivity is not None
    assert np.array_equal(start.scale_sensitivity, BETA)  # the capacity is the same after
    usable = usable_soc_start(start, 3)
    assert usable is not None
    assert usable.scale_sensitivity is not None
    for unusable in (np.array([0.4, math.nan, 0.0]), np.array([0.4, 0.1])):
        kept = usable_soc_start(parked_soc(SocStart(SOC, SIGMA, unusable), 10.0), 3)
        assert kept is not None
        assert kept.scale_sensitivity is None  # left out; the SoC is still kept
        assert np.array_equal(kept.soc, SOC)


def _filter_state(soc: np.ndarray, sigma: np.ndarray, cross: np.ndarray) -> EkfState:
    """A filter state with this SoC, sigma and SoC covariance with the scale error."""
    tuning = SocFilterTuning()
    ekf = initial_ekf_state(soc.size, soc, sigma, tuning)
    full = np.zeros_like(ekf.x)
    full[0] = cross
    return replace(ekf, capacity_cross=full)


@pytest.mark.verifies("SWR_SOC_008")
def test_the_soc_to_keep_reads_beta_and_a_start_from_it_restores_the_covariance() -> None:
    tuning = SocFilterTuning()
    cross = 0.5 * SIGMA * math.sqrt(tuning.scale_variance) * np.array([1.0, -1.0, 0.2])
    kept = soc_to_keep(_filter_state(SOC, SIGMA, cross), tuning)
    assert kept is not None
    assert kept.scale_sensitivity is not None
    assert kept.scale_sensitivity == pytest.approx(cross / tuning.scale_variance)
    assert np.array_equal(kept.sigma, SIGMA)
    start = initial_ekf_state(
        3, kept.soc, kept.sigma, tuning, scale_sensitivity=kept.scale_sensitivity
    )
    assert start.capacity_cross is not None
    assert start.capacity_cross[0] == pytest.approx(cross)  # inside the clip: as it was
    assert not np.any(start.capacity_cross[1:])
    unknown = initial_ekf_state(3, kept.soc, kept.sigma, tuning)
    assert unknown.capacity_cross is not None
    assert not np.any(unknown.capacity_cross)
    beyond = _filter_state(np.array([1.02, 0.5, -0.01]), SIGMA, np.array([math.nan, 0.0, 0.0]))
    clipped = soc_to_keep(beyond, tuning)
    assert clipped is not None
    assert np.array_equal(clipped.soc, [1.0, 0.5, 0.0])
    assert clipped.scale_sensitivity is None  # not finite: left out
    assert soc_to_keep(_filter_state(SOC, np.array([0.01, 0.0, 0.01]), cross), tuning) is None


@pytest.mark.verifies("SWR_SOC_008")
@given(
    beta=arrays(np.float64, 3, elements=st.floats(-1e6, 1e6, allow_subnormal=False)),
    sigma=arrays(np.float64, 3, elements=st.floats(1e-4, 0.3)),
)
def test_a_start_from_any_kept_beta_keeps_the_covariance_with_the_scale_error_definite(
    beta: np.ndarray, sigma: np.ndarray
) -> None:
    tuning = SocFilterTuning()
    start = initial_ekf_state(3, SOC, sigma, tuning, scale_sensitivity=beta)
    assert start.capacity_cross is not None
    correlation = start.capacity_cross[0] / np.sqrt(start.p[0, 0] * tuning.scale_variance)
    assert np.all(np.abs(correlation) <= MAX_KEPT_SCALE_CORRELATION * (1.0 + 1e-12))
    assert np.all(np.sign(start.capacity_cross[0]) == np.sign(beta))
    inside = np.abs(beta) * np.sqrt(tuning.scale_variance / start.p[0, 0]) <= 0.99
    assert start.capacity_cross[0][inside] == pytest.approx(
        beta[inside] * tuning.scale_variance, rel=1e-12
    )


def _estimate(innovation_v: list[float], sigma_v: list[float], **changes: Any) -> SocEstimate:
    """A first step's estimate with these innovations and single-sample sigmas.

    The inflated sigma is set ten times wider: the gate must not read it.
    """
    cells = len(innovation_v)
    values: dict[str, Any] = {
        "soc": np.full(cells, 0.5),
        "soc_sigma": np.full(cells, 0.01),
        "current_bias_a": np.zeros(cells),
        "resistance_deviation": np.zeros(cells),
        "innovation_v": np.array(innovation_v),
        "innovation_sigma_v": 10.0 * np.array(sigma_v),
        "innovation_sample_sigma_v": np.array(sigma_v),
        "voltage_rejected": np.zeros(cells, dtype=bool),
        "rejected": False,
    }
    return SocEstimate(**{**values, **changes})


@pytest.mark.verifies("SWR_SOC_009")
def test_an_innovation_beyond_the_gate_refutes_the_kept_soc_and_names_its_cell() -> None:
    assert KEPT_SOC_GATE_SIGMA == 5.0
    start = SocStart(soc=SOC, sigma=SIGMA)
    reason = kept_soc_disagreement(_estimate([0.001, -0.06, 0.049], [0.01, 0.01, 0.01]), start)
    assert reason is not None
    assert "cell 1's voltage is -60 mV from its kept SoC 55.0 % (6.0 sigma > 5)" in reason
    assert kept_soc_disagreement(_estimate([0.001, -0.05, 0.049], [0.01] * 3), start) is None
    assert kept_soc_disagreement(_estimate([0.0, -0.03, 0.0], [0.01] * 3), start, 2.5) is not None


@pytest.mark.verifies("SWR_SOC_009", method="fault_injection")
def test_a_step_that_measured_no_voltage_refutes_nothing() -> None:
    start = SocStart(soc=SOC, sigma=SIGMA)
    far = [0.0, 0.5, 0.0]
    rejected_cell = np.array([False, True, False])
    assert (
        kept_soc_disagreement(_estimate(far, [0.01] * 3, voltage_rejected=rejected_cell), start)
        is None
    )
    assert kept_soc_disagreement(_estimate(far, [0.01] * 3, rejected=True), start) is None
    assert kept_soc_disagreement(_estimate(far, [0.01, 0.0, 0.01]), start) is None


@pytest.mark.verifies("SWR_SOC_009")
@given(
    innovation=arrays(np.float64, 6, elements=st.floats(-0.5, 0.5)),
    sigma=arrays(np.float64, 6, elements=st.floats(1e-4, 0.05)),
)
def test_the_gate_refutes_exactly_when_a_cell_is_beyond_it(
    innovation: np.ndarray, sigma: np.ndarray
) -> None:
    start = SocStart(soc=np.full(6, 0.5), sigma=np.full(6, 0.01))
    reason = kept_soc_disagreement(_estimate(list(innovation), list(sigma)), start)
    assert (reason is None) == bool(np.all(np.abs(innovation) <= KEPT_SOC_GATE_SIGMA * sigma))


@pytest.mark.verifies("SWR_SOC_009")
@pytest.mark.parametrize(("offset", "refuted"), [(0.0, False), (0.3, True), (-0.3, True)])
def test_the_filters_first_step_at_rest_refutes_a_kept_soc_far_from_the_rest_voltage(
    offset: float, refuted: bool
) -> None:
    chemistry = synthetic_chemistry()
    model, tuning = cell_model(chemistry), SocFilterTuning()
    truth = np.array([0.4, 0.5, 0.6, 0.7])
    rest_v = ocv(model.tables, np.full(4, 25.0), truth)
    start = SocStart(soc=truth + np.array([0.0, offset, 0.0, 0.0]), sigma=np.full(4, 0.01))
    _, estimate = ekf_step(
        model, tuning, initial_ekf_state(4, start.soc, start.sigma, tuning),
        cell_voltages_v=rest_v, current_a=0.0, cell_temperatures_degc=np.full(4, 25.0), dt_s=0.1,
    )  # fmt: skip
    reason = kept_soc_disagreement(estimate, start)
    assert (reason is not None) == refuted
    if refuted:
        assert reason is not None
        assert reason.startswith("cell 1's voltage")


@pytest.mark.verifies("SWR_SOC_008", "SWR_SOC_009")
def test_the_first_step_starts_from_the_kept_soc_unless_the_voltage_refutes_it() -> None:
    model, tuning = cell_model(synthetic_chemistry()), SocFilterTuning()
    truth = np.array([0.3, 0.5, 0.7])
    rest_v = ocv(model.tables, np.full(3, 25.0), truth)
    starts: list[np.ndarray] = []
    crosses: list[np.ndarray] = []

    def step(ekf: Any) -> Any:
        starts.append(ekf.x[0].copy())
        crosses.append(ekf.capacity_cross[0].copy())
        return ekf_step(
            model, tuning, ekf, cell_voltages_v=rest_v, current_a=0.0,
            cell_temperatures_degc=np.full(3, 25.0), dt_s=0.1,
        )  # fmt: skip

    sigma = np.full(3, 0.01)
    first = first_filter_step(step, SocStart(truth, sigma, BETA / 2), 3, tuning)
    estimate, reason = first.estimate, first.dropped
    assert reason is None
    assert first.from_memory
    assert len(starts) == 1
    assert np.array_equal(starts[0], truth)
    assert crosses[0] == pytest.approx(BETA / 2 * tuning.scale_variance)  # inside the clip
    assert np.all(estimate.soc_sigma < 0.01)
    far = SocStart(truth + np.array([0.0, 0.0, 0.3]), sigma)
    first = first_filter_step(step, far, 3, tuning)
    reason = first.dropped
    assert reason is not None
    assert not first.from_memory
    assert reason.startswith("cell 2's voltage")
    assert np.array_equal(starts[1], far.soc)
    assert np.all(starts[2] == UNKNOWN_SOC)  # run again from the unknown start
    first = first_filter_step(step, far, 3, tuning, gate_sigma=math.inf)
    assert first.dropped is None
    assert first.from_memory
    assert np.array_equal(starts[3], far.soc)  # no gate: the memory stands
    for none in (None, SocStart(np.full(2, 0.5), np.full(2, 0.01))):
        first = first_filter_step(step, none, 3, tuning)
        assert first.dropped is None
        assert not first.from_memory
        assert np.all(starts[-1] == UNKNOWN_SOC)
        assert not np.any(crosses[-1])  # the unknown start: no correlation
    assert len(starts) == 6
