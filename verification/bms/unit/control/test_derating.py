"""Tests of bms/control/_derating.py against SWR_DER_001..005.

Covers: full limits in the nominal window; the voltage tapers at their
start, middle and end; the SoC and temperature tables at breakpoints and
beyond their ends (clamped); the worst temperature sensor governing;
fail-safe zero on NaN, infinities and empty samples. Hypothesis properties:
bounded (0 <= limit <= maximum for any floats), monotone in SoC, in the
highest/lowest cell voltage and in temperature outside the plateau.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.config import DeratingConfig, load_config
from bms.control import CurrentLimits, derate, table_factor
from bms.units import Amperes, DegreesC, Fraction, Volts

LIMITS: DeratingConfig = load_config().control.derating
NOMINAL_V = [Volts(3.7)] * 4
NOMINAL_T = [DegreesC(25.0)] * 3
NOMINAL_SOC = Fraction(0.5)
ZERO = CurrentLimits(charge_a=Amperes(0.0), discharge_a=Amperes(0.0))


def limits_at(
    voltages: list[float] | None = None,
    temperatures: list[float] | None = None,
    soc: float = NOMINAL_SOC,
) -> CurrentLimits:
    return derate(
        [Volts(v) for v in voltages] if voltages is not None else NOMINAL_V,
        [DegreesC(t) for t in temperatures] if temperatures is not None else NOMINAL_T,
        Fraction(soc),
        LIMITS,
    )


@pytest.mark.verifies("SWR_DER_001")
def test_nominal_sample_gets_the_full_limits() -> None:
    assert limits_at() == CurrentLimits(
        charge_a=Amperes(LIMITS.max_charge_current_a),
        discharge_a=Amperes(LIMITS.max_discharge_current_a),
    )


@pytest.mark.verifies("SWR_DER_004")
@pytest.mark.parametrize(
    ("highest_v", "share"),
    [
        (LIMITS.charge_taper_start_v, 1.0),
        ((LIMITS.charge_taper_start_v + LIMITS.charge_taper_end_v) / 2, 0.5),
        (LIMITS.charge_taper_end_v, 0.0),
        (LIMITS.charge_taper_end_v + 0.1, 0.0),
    ],
)
def test_charge_voltage_taper(highest_v: float, share: float) -> None:
    result = limits_at([3.7, highest_v, 3.7])
    assert result.charge_a == pytest.approx(share * LIMITS.max_charge_current_a)
    assert result.discharge_a == LIMITS.max_discharge_current_a


@pytest.mark.verifies("SWR_DER_004")
@pytest.mark.parametrize(
    ("lowest_v", "share"),
    [
        (LIMITS.discharge_taper_start_v, 1.0),
        ((LIMITS.discharge_taper_start_v + LIMITS.discharge_taper_end_v) / 2, 0.5),
        (LIMITS.discharge_taper_end_v, 0.0),
        (LIMITS.discharge_taper_end_v - 0.1, 0.0),
    ],
)
def test_discharge_voltage_taper(lowest_v: float, share: float) -> None:
    result = limits_at([3.7, lowest_v, 3.7])
    assert result.discharge_a == pytest.approx(share * LIMITS.max_discharge_current_a)
    assert result.charge_a == LIMITS.max_charge_current_a


@pytest.mark.verifies("SWR_DER_002")
@pytest.mark.parametrize(
    ("soc", "charge_share", "discharge_share"),
    [(0.0, 1.0, 0.0), (-0.5, 1.0, 0.0), (0.95, 0.3, 1.0), (1.0, 0.0, 1.0), (1.5, 0.0, 1.0)],
)
def test_soc_tables(soc: float, charge_share: float, discharge_share: float) -> None:
    result = limits_at(soc=soc)
    assert result.charge_a == pytest.approx(charge_share * LIMITS.max_charge_current_a)
    assert result.discharge_a == pytest.approx(discharge_share * LIMITS.max_discharge_current_a)


@pytest.mark.verifies("SWR_DER_003")
def test_worst_temperature_sensor_governs_and_ends_are_zero() -> None:
    table = LIMITS.charge_temperature
    assert table_factor(table, [25.0, table.breakpoints[0]]) == 0.0
    assert table_factor(table, [25.0, table.breakpoints[-1] + 30.0]) == 0.0
    assert table_factor(table, [25.0, table.breakpoints[1]]) == table.factors[1]
    hot = limits_at(temperatures=[25.0, LIMITS.discharge_temperature.breakpoints[-1]])
    assert hot == ZERO


@pytest.mark.verifies("SWR_DER_005")
@pytest.mark.parametrize(
    ("voltages", "temperatures", "soc"),
    [
        ([3.7, math.nan], None, 0.5),
        ([3.7, -math.inf], None, 0.5),
        ([], None, 0.5),
        (None, [25.0, math.nan], 0.5),
        (None, [], 0.5),
        (None, None, math.nan),
        (None, None, math.inf),
    ],
    ids=["nan-v", "inf-v", "no-cell", "nan-t", "no-sensor", "nan-soc", "inf-soc"],
)
def test_invalid_input_gives_zero(
    voltages: list[float] | None, temperatures: list[float] | None, soc: float
) -> None:
    assert limits_at(voltages, temperatures, soc) == ZERO


@pytest.mark.verifies("SWR_DER_006")
@pytest.mark.parametrize("soc", [0.0, 0.5, 1.0])
def test_without_soc_only_temperature_and_voltage_derate(soc: float) -> None:
    assert derate(NOMINAL_V, NOMINAL_T, None, LIMITS) == limits_at()
    hot = [DegreesC(LIMITS.charge_temperature.breakpoints[-2])]
    high = [Volts(LIMITS.charge_taper_end_v)]
    assert derate(NOMINAL_V, hot, None, LIMITS).charge_a == pytest.approx(
        LIMITS.charge_temperature.factors[-2] * LIMITS.max_charge_current_a
    )
    assert derate(high, NOMINAL_T, None, LIMITS).charge_a == 0.0
    with_soc = derate(NOMINAL_V, hot, Fraction(soc), LIMITS)
    without = derate(NOMINAL_V, hot, None, LIMITS)
    assert with_soc.charge_a <= without.charge_a
    assert with_soc.discharge_a <= without.discharge_a


@pytest.mark.verifies("SWR_DER_006", method="fault_injection")
@given(
    st.lists(st.one_of(st.floats(2.0, 4.5), st.floats(allow_nan=True)), max_size=6),
    st.lists(st.one_of(st.floats(-50.0, 90.0), st.floats(allow_nan=True)), max_size=4),
)
def test_without_soc_bounded_and_zero_on_invalid(
    voltages: list[float], temperatures: list[float]
) -> None:
    result = derate([Volts(v) for v in voltages], [DegreesC(t) for t in temperatures], None, LIMITS)
    assert 0.0 <= result.charge_a <= LIMITS.max_charge_current_a
    assert 0.0 <= result.discharge_a <= LIMITS.max_discharge_current_a
    values = [*voltages, *temperatures]
    if not voltages or not temperatures or not all(math.isfinite(v) for v in values):
        assert result == ZERO


any_float = st.floats(allow_nan=True, allow_infinity=True)
voltage = st.floats(min_value=2.0, max_value=4.5)
temperature = st.floats(min_value=-50.0, max_value=90.0)
fraction = st.floats(min_value=-0.2, max_value=1.2)


@pytest.mark.verifies("SWR_DER_001", "SWR_DER_005", method="fault_injection")
@given(
    st.lists(st.one_of(voltage, any_float), max_size=8),
    st.lists(st.one_of(temperature, any_float), max_size=6),
    st.one_of(fraction, any_float),
)
def test_bounded_for_any_input(
    voltages: list[float], temperatures: list[float], soc: float
) -> None:
    result = limits_at(voltages, temperatures, soc)
    assert 0.0 <= result.charge_a <= LIMITS.max_charge_current_a
    assert 0.0 <= result.discharge_a <= LIMITS.max_discharge_current_a


@pytest.mark.verifies("SWR_DER_002")
@given(
    fraction,
    fraction,
    st.lists(voltage, min_size=1, max_size=6),
    st.lists(temperature, min_size=1, max_size=4),
)
def test_monotone_in_soc(
    soc_a: float, soc_b: float, voltages: list[float], temperatures: list[float]
) -> None:
    low, high = sorted((soc_a, soc_b))
    at_low, at_high = (
        limits_at(voltages, temperatures, low),
        limits_at(voltages, temperatures, high),
    )
    assert at_high.charge_a <= at_low.charge_a
    assert at_high.discharge_a >= at_low.discharge_a


@pytest.mark.verifies("SWR_DER_004")
@given(
    st.lists(voltage, min_size=1, max_size=6),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=0, max_value=5),
    fraction,
)
def test_monotone_in_cell_voltage(
    voltages: list[float], rise: float, index: int, soc: float
) -> None:
    index %= len(voltages)
    raised = list(voltages)
    raised[index] += rise
    before, after = limits_at(voltages, None, soc), limits_at(raised, None, soc)
    assert after.charge_a <= before.charge_a
    assert after.discharge_a >= before.discharge_a


@pytest.mark.verifies("SWR_DER_002", "SWR_DER_003", "SWR_DER_004", method="fault_injection")
@given(
    st.lists(voltage, min_size=1, max_size=6),
    st.lists(temperature, min_size=1, max_size=4),
    fraction,
    st.integers(min_value=0, max_value=20),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)
def test_injected_non_finite_value_never_raises_a_limit(
    voltages: list[float], temperatures: list[float], soc: float, where: int, bad: float
) -> None:
    clean = limits_at(voltages, temperatures, soc)
    spots = len(voltages) + len(temperatures) + 1
    where %= spots
    if where < len(voltages):
        voltages = [bad if i == where else v for i, v in enumerate(voltages)]
    elif where < spots - 1:
        index = where - len(voltages)
        temperatures = [bad if i == index else t for i, t in enumerate(temperatures)]
    else:
        soc = bad
    corrupted = limits_at(voltages, temperatures, soc)
    assert corrupted.charge_a <= clean.charge_a
    assert corrupted.discharge_a <= clean.discharge_a
    assert corrupted == ZERO


def _plateau(factors: tuple[float, ...], breakpoints: tuple[float, ...]) -> tuple[float, float]:
    peak = max(factors)
    on_peak = [b for b, f in zip(breakpoints, factors, strict=True) if f == peak]
    return on_peak[0], on_peak[-1]


@pytest.mark.verifies("SWR_DER_003")
@given(
    st.lists(temperature, min_size=1, max_size=4),
    st.floats(min_value=0.0, max_value=40.0),
    st.integers(min_value=0, max_value=3),
)
def test_monotone_outward_in_temperature(
    temperatures: list[float], move: float, index: int
) -> None:
    index %= len(temperatures)
    for name in ("charge_temperature", "discharge_temperature"):
        table = getattr(LIMITS, name)
        first, last = _plateau(table.factors, table.breakpoints)
        value = temperatures[index]
        moved = list(temperatures)
        if value >= last:
            moved[index] = value + move
        elif value <= first:
            moved[index] = value - move
        else:
            continue
        assert table_factor(table, moved) <= table_factor(table, temperatures)
        before, after = limits_at(None, temperatures), limits_at(None, moved)
        assert after.charge_a <= before.charge_a or name != "charge_temperature"
        assert after.discharge_a <= before.discharge_a or name != "discharge_temperature"
