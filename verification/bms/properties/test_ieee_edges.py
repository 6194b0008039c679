"""IEEE 754 edge cases of the float contracts that CrossHair checks only over the reals.

CrossHair reasons about floats as real numbers (DESIGN.md section 7), so
its "not refuted" on a float contract says nothing about NaN, infinities,
-0.0, subnormals or overflow. Each float contract of the BMS is paired
here with a hypothesis property that draws exactly those values
(hypothesis' default float strategy seldom produces them):

* ``step_balancing`` (``bms/control/_balancing.py``): one flag per cell,
  no bleeding when inhibited, disabled, with a non-finite reading, at or
  below the under-voltage inhibit or at or above the heat inhibit, never
  more than the cap, never the lowest cell;
* ``derate``, ``table_factor`` and ``_taper`` (``bms/control/_derating.py``):
  limits within [0, maximum], factors within [0, 1], zero on non-finite data;
* ``classify_isolation`` (``bms/protection/_classify.py``): a non-finite
  resistance is a fault, a normal level means at least the warning threshold.

It also checks that the ``certification`` hypothesis profile runs at least
1,000 examples per property, derandomized (``verification/conftest.py``).
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bms.config import load_config
from bms.control import BalancingInhibit, BalancingState, derate, step_balancing
from bms.control._derating import _taper, table_factor
from bms.protection._classify import classify_isolation
from bms.protection._debounce import Level
from bms.units import DegreesC, Fraction, Volts

CONFIG = load_config()
BALANCING = CONFIG.control.balancing
DERATING = CONFIG.control.derating
ISOLATION = CONFIG.protection.isolation

EDGES = (
    math.nan,
    -math.nan,
    math.inf,
    -math.inf,
    -0.0,
    0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    1e300,
)
"""NaN (both signs), infinities, signed zeros, subnormals, the largest finite and huge values."""

ieee = st.one_of(
    st.sampled_from(EDGES),
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
)
"""Any float, with the IEEE edge cases drawn often."""

cell_v = st.one_of(st.floats(2.5, 4.3), ieee)
"""Cell voltages: mostly plausible, often an IEEE edge."""
temp_c = st.one_of(st.floats(-30.0, 70.0), ieee)
"""Temperatures: mostly plausible, often an IEEE edge."""


@pytest.mark.verifies(
    "SWR_BAL_001",
    "SWR_BAL_002",
    "SWR_BAL_003",
    "SWR_BAL_004",
    "SWR_BAL_005",
    method="fault_injection",
)
@given(
    voltages=st.lists(cell_v, max_size=12),
    temperatures=st.lists(temp_c, max_size=4),
    previous=st.lists(st.booleans(), max_size=12),
    enabled=st.booleans(),
)
def test_balancing_contracts_hold_on_ieee_edges(
    voltages: list[float], temperatures: list[float], previous: list[bool], enabled: bool
) -> None:
    state = BalancingState(bleeding=tuple(previous), inhibit=BalancingInhibit.NONE)
    result = step_balancing(
        state,
        [Volts(v) for v in voltages],
        [DegreesC(t) for t in temperatures],
        enabled=enabled,
        limits=BALANCING,
    )
    assert len(result.bleeding) == len(voltages)
    if not any(result.bleeding):
        return
    assert enabled
    assert result.inhibit is BalancingInhibit.NONE
    assert all(math.isfinite(v) for v in [*voltages, *temperatures])
    assert min(voltages) > BALANCING.min_cell_voltage_v
    assert max(temperatures) < BALANCING.max_temperature_degc
    assert sum(result.bleeding) <= BALANCING.max_bleeding_cells
    lowest = min(voltages)
    assert not any(b and v <= lowest for b, v in zip(result.bleeding, voltages, strict=True))


@pytest.mark.verifies("SWR_BAL_004", method="fault_injection")
@given(
    voltages=st.lists(cell_v, min_size=1, max_size=8),
    bad=st.sampled_from([math.nan, math.inf, -math.inf]),
    where=st.integers(0, 7),
)
def test_balancing_non_finite_reading_inhibits(
    voltages: list[float], bad: float, where: int
) -> None:
    voltages[where % len(voltages)] = bad
    result = step_balancing(
        BalancingState(),
        [Volts(v) for v in voltages],
        [DegreesC(25.0)],
        enabled=True,
        limits=BALANCING,
    )
    assert result.inhibit is BalancingInhibit.INVALID_MEASUREMENT
    assert not any(result.bleeding)


@pytest.mark.verifies("SWR_DER_001", "SWR_DER_005", "SWR_DER_006", method="fault_injection")
@given(
    voltages=st.lists(cell_v, max_size=8),
    temperatures=st.lists(temp_c, max_size=4),
    soc=st.one_of(st.none(), st.floats(0.0, 1.0), ieee),
)
def test_derating_bounded_on_ieee_edges(
    voltages: list[float], temperatures: list[float], soc: float | None
) -> None:
    limits = derate(
        [Volts(v) for v in voltages],
        [DegreesC(t) for t in temperatures],
        None if soc is None else Fraction(soc),
        DERATING,
    )
    assert 0.0 <= limits.charge_a <= DERATING.max_charge_current_a
    assert 0.0 <= limits.discharge_a <= DERATING.max_discharge_current_a
    non_finite = not voltages or not all(math.isfinite(v) for v in voltages)
    if non_finite or (soc is not None and not math.isfinite(soc)):
        assert limits.charge_a == limits.discharge_a == 0.0


@pytest.mark.verifies("SWR_DER_001", "SWR_DER_003", method="fault_injection")
@given(values=st.lists(ieee, max_size=6))
def test_table_factor_in_unit_interval_on_ieee_edges(values: list[float]) -> None:
    factor = table_factor(DERATING.charge_temperature, values)
    assert 0.0 <= factor <= 1.0
    if not values or not all(math.isfinite(v) for v in values):
        assert factor == 0.0


@pytest.mark.verifies("SWR_DER_004", method="fault_injection")
@given(value=ieee, start=ieee, end=ieee)
def test_taper_in_unit_interval_on_ieee_edges(value: float, start: float, end: float) -> None:
    if start == end:  # the contract's precondition; the configuration forbids it
        return
    assert 0.0 <= _taper(value, start=start, end=end) <= 1.0


@pytest.mark.verifies("SWR_PROT_ISO_001", method="fault_injection")
@given(
    resistance=ieee, reference=st.one_of(st.floats(1.0, 1000.0), st.sampled_from([5e-324, 1e300]))
)
def test_isolation_contracts_hold_on_ieee_edges(resistance: float, reference: float) -> None:
    level, reason = classify_isolation(resistance, reference, ISOLATION)
    if not math.isfinite(resistance):
        assert level is Level.FAULT
        assert reason
    if level is Level.NORMAL:
        assert resistance >= ISOLATION.warning_ohm_per_v * reference
    if level is not Level.FAULT:
        assert resistance >= ISOLATION.fault_ohm_per_v * reference


def test_certification_profile_runs_a_thousand_derandomized_examples() -> None:
    profile = settings.get_profile("certification")
    assert profile.max_examples >= 1000
    assert profile.derandomize
    calls: list[float] = []

    @settings(profile)
    @given(st.floats(allow_nan=True))
    def count(value: float) -> None:
        calls.append(value)

    count()
    assert len(calls) >= 1000
