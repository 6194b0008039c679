"""Tests of bms/estimation/_capacity.py: AWTLS capacity estimation against SWR_SOH_001, SWR_SOH_002.

Covers: the capacity of a plant cell aged to 85 % converges to within 2 %,
with the truth inside the 3-sigma bound, from SoC changes with the noise of
a SoC filter and charge counted by a sensor with issue 3's errors; the bound
shrinks as data arrive; the closed-form curvature equals the cost's finite
difference; the forgetting factor tracks a capacity that fades; unusable
inputs (non-finite, zero variance) leave a cell unchanged; argument
validation. SWR_SOH_004: on the plant, the bound shrinks as segments add
information (below half of its value after 5 once 40 are in), and with a
forgetting factor of 0.9 a step fade of 10 % is followed to within 1 %
within 60 segments, the truth inside the 3-sigma bound.
"""

import math

import numpy as np
import pytest

from bms.estimation import CapacityState, awtls_update, initial_capacity_state
from bms.estimation._capacity import _minimise
from bms.plant import PackSimulator, SensorModel
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry

CHEMISTRY = synthetic_chemistry()
SOC_SIGMA = 0.005
STEP_S = 30.0


def _segments(
    count: int, seed: int, capacity_fraction: float = 0.85
) -> tuple[list[np.ndarray], list[tuple[float, float]], float]:
    """SoC changes (noisy, as a filter gives them) and counted charge of an aged 2-cell pack.

    Each charge comes with its variance: the 0.5 % gain error and the 50 mA
    offset over the segment's duration, taken as one sigma each.
    """
    rng = np.random.default_rng(seed)
    sim = PackSimulator(
        CHEMISTRY, 2, initial_soc=0.9, seed=seed, capacity_fraction=capacity_fraction
    )
    sensors = SensorModel(seed=seed)
    xs, ys = [], []
    for _ in range(count):
        start = sim.true_soc
        target = rng.uniform(0.2, 0.9)
        current = 5.0 if start.mean() > target else -3.0
        charge = 0.0
        steps = int(
            abs(start.mean() - target) * 5.0 * capacity_fraction * 3600 / abs(current) / STEP_S
        )
        for _ in range(steps):
            charge += sensors.measure(sim.step(current, STEP_S)).current_a * STEP_S / 3600.0
        xs.append(start - sim.true_soc + rng.normal(0.0, SOC_SIGMA, 2) * math.sqrt(2))
        ys.append((charge, (0.005 * charge) ** 2 + (0.05 * steps * STEP_S / 3600.0) ** 2 + 0.02**2))
    return xs, ys, float(sim.cell_capacity_ah[0])


@pytest.mark.verifies("SWR_SOH_001", "SWR_SOH_002")
def test_converges_on_a_cell_aged_to_85_percent() -> None:
    xs, ys, truth = _segments(40, seed=3)
    state = initial_capacity_state(
        2, nominal_capacity_ah=5.0, initial_sigma_ah=0.5, soc_sigma=SOC_SIGMA * math.sqrt(2),
        ah_sigma=0.02, gamma=0.99,
    )  # fmt: skip
    sigmas = []
    for x, (y, y_var) in zip(xs, ys, strict=True):
        state = awtls_update(state, x, y, 2 * SOC_SIGMA**2, y_var)
        sigmas.append(state.capacity_sigma_ah)
    assert truth == pytest.approx(4.25)
    assert np.all(np.abs(state.capacity_ah - truth) <= 0.02 * truth)
    assert np.all(np.abs(state.capacity_ah - truth) <= 3 * state.capacity_sigma_ah)
    assert np.all(sigmas[-1] < sigmas[0])


@pytest.mark.verifies("SWR_SOH_001")
def test_curvature_matches_the_cost() -> None:
    rng = np.random.default_rng(0)
    state = initial_capacity_state(
        3, nominal_capacity_ah=5.0, initial_sigma_ah=0.5, soc_sigma=0.01, ah_sigma=0.01
    )
    for _ in range(20):
        x = rng.uniform(0.1, 0.6, 3)
        state = awtls_update(state, x + rng.normal(0, 0.01, 3), 4.5 * x, 1e-4, 1e-4)
    c = state.c
    q, second = _minimise(c)

    def cost(value: np.ndarray) -> np.ndarray:
        numerator = (
            value**4 * c[3] - 2 * c[4] * value**3 + (c[0] + c[5]) * value**2
            - 2 * c[1] * value + c[2]
        )  # fmt: skip
        result: np.ndarray = numerator / (value**2 + 1) ** 2
        return result

    h = 1e-4
    numeric = (cost(q + h) - 2 * cost(q) + cost(q - h)) / h**2
    assert second == pytest.approx(numeric, rel=1e-4)
    assert np.all(cost(q) <= cost(q + 10 * h))
    assert np.all(cost(q) <= cost(q - 10 * h))


@pytest.mark.verifies("SWR_SOH_001")
def test_forgetting_tracks_fade() -> None:
    rng = np.random.default_rng(1)
    state = initial_capacity_state(
        1, nominal_capacity_ah=5.0, initial_sigma_ah=0.5, soc_sigma=0.01, ah_sigma=0.01, gamma=0.9
    )
    for capacity in np.linspace(5.0, 4.0, 200):
        x = rng.uniform(0.2, 0.6, 1)
        state = awtls_update(state, x + rng.normal(0, 0.01, 1), capacity * x, 1e-4, 1e-4)
    assert state.capacity_ah[0] == pytest.approx(4.0, rel=0.03)


@pytest.mark.verifies("SWR_SOH_002")
def test_unusable_inputs_leave_the_cell_unchanged() -> None:
    state = initial_capacity_state(
        3, nominal_capacity_ah=5.0, initial_sigma_ah=0.5, soc_sigma=0.01, ah_sigma=0.01
    )
    after = awtls_update(
        state, np.array([math.nan, 0.3, 0.3]), np.array([1.0, math.inf, 1.2]), 1e-4,
        np.array([1e-4, 1e-4, 0.0]),
    )  # fmt: skip
    assert np.array_equal(after.c, state.c)
    assert np.array_equal(after.capacity_ah, state.capacity_ah)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nominal_capacity_ah": 0.0}, "nominal_capacity_ah"),
        ({"soc_sigma": 0.0}, "soc_sigma"),
        ({"gamma": 1.5}, "gamma"),
    ],
)
def test_invalid_initialisation(kwargs: dict[str, float], message: str) -> None:
    arguments = {
        "nominal_capacity_ah": 5.0, "initial_sigma_ah": 0.5, "soc_sigma": 0.01, "ah_sigma": 0.01,
        **kwargs,
    }  # fmt: skip
    with pytest.raises(ValueError, match=message):
        initial_capacity_state(2, **arguments)


def _fresh_state(gamma: float) -> CapacityState:
    return initial_capacity_state(
        2, nominal_capacity_ah=5.0, initial_sigma_ah=0.5, soc_sigma=SOC_SIGMA * math.sqrt(2),
        ah_sigma=0.02, gamma=gamma,
    )  # fmt: skip


@pytest.mark.verifies("SWR_SOH_004")
def test_bound_shrinks_with_information() -> None:
    xs, ys, _ = _segments(40, seed=5, capacity_fraction=1.0)
    state = _fresh_state(gamma=1.0)
    sigmas = []
    for x, (y, y_var) in zip(xs, ys, strict=True):
        state = awtls_update(state, x, y, 2 * SOC_SIGMA**2, y_var)
        sigmas.append(state.capacity_sigma_ah)
    assert np.all(sigmas[9] < sigmas[4])
    assert np.all(sigmas[19] < sigmas[9])
    assert np.all(sigmas[39] < 0.5 * sigmas[4])


@pytest.mark.verifies("SWR_SOH_004")
def test_forgetting_tracks_a_step_fade() -> None:
    before, before_y, new = _segments(30, seed=6, capacity_fraction=1.0)
    after, after_y, faded = _segments(60, seed=7, capacity_fraction=0.9)
    assert faded == pytest.approx(0.9 * new)
    state = _fresh_state(gamma=0.9)
    for x, (y, y_var) in zip(before, before_y, strict=True):
        state = awtls_update(state, x, y, 2 * SOC_SIGMA**2, y_var)
    assert np.all(np.abs(state.capacity_ah - new) <= 0.01 * new)
    for x, (y, y_var) in zip(after, after_y, strict=True):
        state = awtls_update(state, x, y, 2 * SOC_SIGMA**2, y_var)
    assert np.all(np.abs(state.capacity_ah - faded) <= 0.01 * faded)
    assert np.all(np.abs(state.capacity_ah - faded) <= 3 * state.capacity_sigma_ah)
    no_forgetting = _fresh_state(gamma=1.0)
    for x, (y, y_var) in zip(before + after, before_y + after_y, strict=True):
        no_forgetting = awtls_update(no_forgetting, x, y, 2 * SOC_SIGMA**2, y_var)
    assert np.all(np.abs(no_forgetting.capacity_ah - faded) > 0.01 * faded)
