"""Tests of bms/estimation/_soc_estimator.py: the SoC filter of a pack as an object.

Covers: its step is the pure step on the state it holds (the same state
and estimate as ``ekf_step`` from the same start); per-cell capacity and
resistance scales reach the model it steps with; argument validation.
"""

import numpy as np
import pytest

from bms.estimation import SocEstimator, SocFilterTuning, ekf_step, initial_ekf_state
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry

CHEMISTRY = synthetic_chemistry()


@pytest.mark.verifies("SWR_SOC_001")
def test_its_step_is_the_pure_step_on_the_state_it_holds() -> None:
    tuning = SocFilterTuning()
    estimator = SocEstimator(CHEMISTRY, 3, initial_soc=0.6, initial_sigma=0.1, tuning=tuning)
    state = initial_ekf_state(3, 0.6, 0.1, tuning)
    rng = np.random.default_rng(3)
    for _ in range(50):
        voltages = 3.7 + 0.01 * rng.standard_normal(3)
        current = float(rng.uniform(-5.0, 5.0))
        temperatures = np.full(3, 25.0)
        out = estimator.step(voltages, current, temperatures, 0.1)
        state, expected = ekf_step(
            estimator.model, tuning, state, cell_voltages_v=voltages, current_a=current,
            cell_temperatures_degc=temperatures, dt_s=0.1,
        )  # fmt: skip
        assert np.array_equal(out.soc, expected.soc)
        assert np.array_equal(out.soc_sigma, expected.soc_sigma)
    assert np.array_equal(estimator.state.x, state.x)
    assert np.array_equal(estimator.state.p, state.p)


@pytest.mark.verifies("SWR_SOC_001")
def test_cell_scales_reach_the_model_it_steps_with() -> None:
    estimator = SocEstimator(CHEMISTRY, 2)
    capacity, resistance = np.array([0.9, 1.0]), np.array([1.2, 1.0])
    estimator.set_cell_scales(capacity, resistance)
    assert np.array_equal(np.asarray(estimator.model.capacity_scale), capacity)
    assert np.array_equal(np.asarray(estimator.model.resistance_scale), resistance)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"series_count": 0}, "series_count"), ({"initial_sigma": 0.0}, "initial_sigma")],
)
def test_invalid_construction(kwargs: dict[str, float], message: str) -> None:
    arguments = {"series_count": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        SocEstimator(CHEMISTRY, **arguments)  # type: ignore[arg-type]
