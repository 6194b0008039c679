"""Tests of bms.estimation.capacity_since: what the pairs since a start measure on their own.

Covers (SWR_AGE_005): over 400 Monte-Carlo cells whose prior is 10 % off
and tight (1 %), with a random walk between pairs and the forgetting factor,
the capacity from the later pairs alone is unbiased and its bound honest
(normalised error: mean within 0.15, rms 0.8-1.25), where the estimate of
the end state is pulled to the prior; without pairs there is no
measurement (NaN); a state loaded without its fade counts it as 1.
"""

import numpy as np
import pytest

from bms.estimation import (
    CapacityState,
    awtls_update,
    capacity_since,
    initial_capacity_state,
    predict_capacity,
)

CELLS = 400
TRUE_AH = 5.0
SOC_SIGMA = 0.014
CHARGE_SIGMA_AH = 0.01
WALK_AH2 = 0.002**2


def _prior() -> CapacityState:
    """A prior 10 % above the truth and far too sure of it (1 %), widened once by the walk."""
    state = initial_capacity_state(
        CELLS,
        nominal_capacity_ah=1.1 * TRUE_AH,
        initial_sigma_ah=0.01 * 1.1 * TRUE_AH,
        soc_sigma=SOC_SIGMA,
        ah_sigma=CHARGE_SIGMA_AH,
    )
    return predict_capacity(state, WALK_AH2)


def _with_pairs(state: CapacityState, pairs: int, seed: int) -> CapacityState:
    rng = np.random.default_rng(seed)
    for _ in range(pairs):
        true_change = rng.uniform(0.3, 0.8, CELLS)
        soc_change = true_change + SOC_SIGMA * rng.standard_normal(CELLS)
        charge = TRUE_AH * true_change + CHARGE_SIGMA_AH * rng.standard_normal(CELLS)
        state = awtls_update(state, soc_change, charge, SOC_SIGMA**2, CHARGE_SIGMA_AH**2)
        state = predict_capacity(state, WALK_AH2)
    return state


@pytest.mark.verifies("SWR_AGE_005")
def test_the_later_pairs_alone_measure_the_capacity_without_the_prior() -> None:
    start = _prior()
    end = _with_pairs(start, 12, seed=5)
    measured = capacity_since(start, end)
    z = (measured.capacity_ah - TRUE_AH) / measured.capacity_sigma_ah
    assert abs(float(np.mean(z))) < 0.15
    assert 0.8 < float(np.sqrt(np.mean(z**2))) < 1.25
    # the end state's own estimate still leans on the prior 10 % high
    pulled = (end.capacity_ah - TRUE_AH) / end.capacity_sigma_ah
    assert float(np.mean(pulled)) > 1.0
    assert np.all(measured.capacity_sigma_ah > end.capacity_sigma_ah)


@pytest.mark.verifies("SWR_AGE_005")
def test_measurements_of_consecutive_spans_are_independent_of_each_other() -> None:
    start = _prior()
    middle = _with_pairs(start, 8, seed=6)
    end = _with_pairs(middle, 8, seed=7)
    first, second = capacity_since(start, middle), capacity_since(middle, end)
    z1 = (first.capacity_ah - TRUE_AH) / first.capacity_sigma_ah
    z2 = (second.capacity_ah - TRUE_AH) / second.capacity_sigma_ah
    assert abs(float(np.corrcoef(z1, z2)[0, 1])) < 0.15
    assert abs(float(np.mean(z2))) < 0.15


@pytest.mark.verifies("SWR_AGE_005")
def test_without_a_pair_there_is_no_measurement() -> None:
    start = _prior()
    walked = predict_capacity(predict_capacity(start, WALK_AH2), 4 * WALK_AH2)
    measured = capacity_since(start, walked)
    assert np.all(np.isnan(measured.capacity_ah))
    assert np.all(np.isnan(measured.capacity_sigma_ah))
    loaded = CapacityState(
        c=start.c, k=start.k, gamma=start.gamma,
        capacity_ah=start.capacity_ah, capacity_sigma_ah=start.capacity_sigma_ah,
    )  # fmt: skip
    assert np.all(np.isnan(capacity_since(loaded, loaded).capacity_ah))
