"""Tests of bms/control/_thermal.py against SWR_THM_001..003.

Covers: each transition of the diagram at its threshold and one step
inside the hysteresis band; cooling winning over heating; NaN, infinities
and an empty sample requesting cooling; hypothesis properties: never
heating while the hottest sensor is at or above ``cool_off_degc`` nor on an
invalid sample, always cooling at or above ``cool_on_degc``, and a sequence
of requests that only changes when a band is left.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.config import ThermalConfig, load_config
from bms.control import ThermalRequest, ThermalState, step_thermal
from bms.units import DegreesC

LIMITS: ThermalConfig = load_config().control.thermal
OFF, HEAT, COOL = ThermalRequest.OFF, ThermalRequest.HEAT, ThermalRequest.COOL


def after(request: ThermalRequest, *temperatures: float) -> ThermalRequest:
    return step_thermal(ThermalState(request), [DegreesC(t) for t in temperatures], LIMITS).request


@pytest.mark.verifies("SWR_THM_001")
@pytest.mark.parametrize(
    ("before", "hottest", "expected"),
    [
        (OFF, LIMITS.cool_on_degc, COOL),
        (OFF, math.nextafter(LIMITS.cool_on_degc, 0.0), OFF),
        (COOL, math.nextafter(LIMITS.cool_off_degc, 99.0), COOL),
        (COOL, LIMITS.cool_off_degc, OFF),
        (HEAT, LIMITS.cool_on_degc, COOL),
    ],
)
def test_cooling_thresholds(
    before: ThermalRequest, hottest: float, expected: ThermalRequest
) -> None:
    assert after(before, 20.0, hottest) is expected


@pytest.mark.verifies("SWR_THM_002")
@pytest.mark.parametrize(
    ("before", "coldest", "hottest", "expected"),
    [
        (OFF, LIMITS.heat_on_degc, 20.0, HEAT),
        (OFF, math.nextafter(LIMITS.heat_on_degc, 99.0), 20.0, OFF),
        (HEAT, math.nextafter(LIMITS.heat_off_degc, 0.0), 20.0, HEAT),
        (HEAT, LIMITS.heat_off_degc, 20.0, OFF),
        (OFF, LIMITS.heat_on_degc, LIMITS.cool_off_degc, OFF),
        (HEAT, LIMITS.heat_on_degc, LIMITS.cool_off_degc, OFF),
        (COOL, LIMITS.heat_on_degc, LIMITS.cool_off_degc, OFF),
        (COOL, LIMITS.heat_on_degc, LIMITS.cool_off_degc - 1.0, HEAT),
    ],
)
def test_heating_thresholds(
    before: ThermalRequest, coldest: float, hottest: float, expected: ThermalRequest
) -> None:
    assert after(before, coldest, hottest) is expected


@pytest.mark.verifies("SWR_THM_003", method="fault_injection")
@pytest.mark.parametrize("before", list(ThermalRequest))
@pytest.mark.parametrize(
    "temperatures", [(), (20.0, math.nan), (math.inf,), (-math.inf, 20.0)], ids=repr
)
def test_invalid_sample_requests_cooling(
    before: ThermalRequest, temperatures: tuple[float, ...]
) -> None:
    assert after(before, *temperatures) is COOL


@pytest.mark.verifies("SWR_THM_003")
def test_cooling_wins_over_heating() -> None:
    assert after(OFF, LIMITS.heat_on_degc - 5.0, LIMITS.cool_on_degc) is COOL


sensor = st.one_of(
    st.floats(min_value=-40.0, max_value=80.0), st.floats(allow_nan=True, allow_infinity=True)
)


@pytest.mark.verifies("SWR_THM_001", "SWR_THM_002", "SWR_THM_003", method="fault_injection")
@given(st.lists(st.lists(sensor, max_size=5), min_size=1, max_size=20))
def test_safety_invariants_over_sequences(samples: list[list[float]]) -> None:
    state = ThermalState()
    for sample in samples:
        previous = state.request
        state = step_thermal(state, [DegreesC(t) for t in sample], LIMITS)
        valid = bool(sample) and all(math.isfinite(t) for t in sample)
        if not valid or max(sample) >= LIMITS.cool_on_degc:
            assert state.request is COOL
            continue
        hottest, coldest = max(sample), min(sample)
        if state.request is HEAT:
            assert hottest < LIMITS.cool_off_degc
            assert coldest <= LIMITS.heat_on_degc or previous is HEAT
        if previous is COOL and hottest > LIMITS.cool_off_degc:
            assert state.request is COOL
        if previous is HEAT and coldest < LIMITS.heat_off_degc and hottest < LIMITS.cool_off_degc:
            assert state.request is HEAT
