"""Tests of bms/control/_balancing.py against SWR_BAL_001..005.

Covers: the start threshold and the hysteresis band at their boundaries;
the lowest cell never bleeding (hypothesis, any voltages); the under-voltage,
over-temperature, invalid-measurement and disabled inhibits at their
boundaries and as properties over any sample (NaN and infinities
included); the cap on bleeding cells, highest first; a previous decision of
the wrong length ignored. On the SoC basis (SWR_BAL_006, SWR_BAL_007): the
conservative start and stop thresholds and their hysteresis; the lowest-SoC
cell never bleeds and the voltage guard holds (hypothesis); with estimates
whose errors stay inside their bound a bleeding cell is truly above the
lowest cell by more than one step's bleed, so balancing never drains a cell
below the lowest (hypothesis); the top gate (``LOW_SOC``); the fall-back to
the voltage basis on a missing, short, non-finite or negative-sigma estimate.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bms.config import BalancingConfig, load_config
from bms.control import BalancingInhibit, BalancingState, SocBalancingTuning, step_balancing
from bms.units import DegreesC, Volts
from verification.hypothesis_profiles import examples

LIMITS: BalancingConfig = load_config().control.balancing
WARM = [DegreesC(25.0)] * 4
NOTHING_BLEEDING = BalancingState()


def volts(*values: float) -> list[Volts]:
    return [Volts(v) for v in values]


def step(
    voltages: list[Volts],
    temperatures: list[DegreesC] = WARM,
    state: BalancingState = NOTHING_BLEEDING,
    *,
    enabled: bool = True,
    limits: BalancingConfig = LIMITS,
) -> BalancingState:
    return step_balancing(state, voltages, temperatures, enabled=enabled, limits=limits)


@pytest.mark.verifies("SWR_BAL_005")
def test_starts_only_above_the_start_threshold() -> None:
    low = 3.9
    at = step(volts(low, low + LIMITS.start_delta_v, low))
    above = step(volts(low, low + LIMITS.start_delta_v + 1e-6, low))
    assert at.bleeding == (False, False, False)
    assert above.bleeding == (False, True, False)
    assert above.inhibit is BalancingInhibit.NONE
    assert above.active


@pytest.mark.verifies("SWR_BAL_005")
def test_hysteresis_keeps_bleeding_down_to_the_stop_threshold() -> None:
    low = 3.9
    state = step(volts(low, low + 0.02))
    assert state.bleeding == (False, True)
    inside_band = step(
        volts(low, low + (LIMITS.start_delta_v + LIMITS.stop_delta_v) / 2), state=state
    )
    assert inside_band.bleeding == (False, True)
    fresh_inside_band = step(volts(low, low + (LIMITS.start_delta_v + LIMITS.stop_delta_v) / 2))
    assert fresh_inside_band.bleeding == (False, False)
    at_stop = step(volts(low, low + LIMITS.stop_delta_v - 1e-9), state=inside_band)
    assert at_stop.bleeding == (False, False)


@pytest.mark.verifies("SWR_BAL_001", method="fault_injection")
def test_equal_cells_never_bleed() -> None:
    state = BalancingState(bleeding=(True, True, True))
    assert step(volts(4.0, 4.0, 4.0), state=state).bleeding == (False, False, False)


@pytest.mark.verifies("SWR_BAL_002")
@pytest.mark.parametrize(
    ("lowest_v", "inhibit"),
    [
        (LIMITS.min_cell_voltage_v, BalancingInhibit.UNDER_VOLTAGE),
        (math.nextafter(LIMITS.min_cell_voltage_v, 0.0), BalancingInhibit.UNDER_VOLTAGE),
        (LIMITS.min_cell_voltage_v + 1e-6, BalancingInhibit.NONE),
    ],
)
def test_under_voltage_inhibit_boundary(lowest_v: float, inhibit: BalancingInhibit) -> None:
    state = step(volts(lowest_v, 4.0))
    assert state.inhibit is inhibit
    assert state.bleeding == ((False, True) if inhibit is BalancingInhibit.NONE else (False, False))


@pytest.mark.verifies("SWR_BAL_003")
@pytest.mark.parametrize(
    ("hottest_degc", "inhibit"),
    [
        (LIMITS.max_temperature_degc, BalancingInhibit.OVER_TEMPERATURE),
        (LIMITS.max_temperature_degc + 10.0, BalancingInhibit.OVER_TEMPERATURE),
        (math.nextafter(LIMITS.max_temperature_degc, 0.0), BalancingInhibit.NONE),
    ],
)
def test_temperature_inhibit_boundary(hottest_degc: float, inhibit: BalancingInhibit) -> None:
    state = step(volts(3.9, 4.0), [DegreesC(20.0), DegreesC(hottest_degc)])
    assert state.inhibit is inhibit
    assert state.active is (inhibit is BalancingInhibit.NONE)


@pytest.mark.verifies("SWR_BAL_004")
@pytest.mark.parametrize(
    ("voltages", "temperatures", "enabled", "inhibit"),
    [
        (volts(3.9, 4.0), WARM, False, BalancingInhibit.DISABLED),
        (volts(3.9, math.nan), WARM, True, BalancingInhibit.INVALID_MEASUREMENT),
        (volts(3.9, math.inf), WARM, True, BalancingInhibit.INVALID_MEASUREMENT),
        (volts(3.9, 4.0), [DegreesC(math.nan)], True, BalancingInhibit.INVALID_MEASUREMENT),
        (volts(3.9, 4.0), [], True, BalancingInhibit.INVALID_MEASUREMENT),
        ([], WARM, True, BalancingInhibit.INVALID_MEASUREMENT),
    ],
    ids=["disabled", "nan-voltage", "inf-voltage", "nan-temperature", "no-sensor", "no-cell"],
)
def test_inhibits(
    voltages: list[Volts], temperatures: list[DegreesC], enabled: bool, inhibit: BalancingInhibit
) -> None:
    state = step(voltages, temperatures, BalancingState((True,) * len(voltages)), enabled=enabled)
    assert state.inhibit is inhibit
    assert state.bleeding == (False,) * len(voltages)


@pytest.mark.verifies("SWR_BAL_005")
def test_at_most_max_bleeding_cells_highest_first() -> None:
    limits = LIMITS.model_copy(update={"max_bleeding_cells": 2})
    state = step(volts(3.9, 4.0, 4.1, 4.05, 4.1), limits=limits)
    assert state.bleeding == (False, False, True, False, True)


@pytest.mark.verifies("SWR_BAL_005", method="fault_injection")
def test_previous_decision_of_wrong_length_is_ignored() -> None:
    inside_band = 3.9 + (LIMITS.start_delta_v + LIMITS.stop_delta_v) / 2
    state = step(volts(3.9, inside_band), state=BalancingState((True, True, True)))
    assert state.bleeding == (False, False)


cell_voltage = st.floats(min_value=2.0, max_value=4.5)
any_float = st.floats(allow_nan=True, allow_infinity=True)


@pytest.mark.verifies("SWR_BAL_001", "SWR_BAL_005")
@given(
    st.lists(cell_voltage, min_size=1, max_size=24),
    st.lists(st.booleans(), min_size=24, max_size=24),
)
def test_lowest_cell_never_bleeds(voltages: list[float], previous: list[bool]) -> None:
    prior = BalancingState(tuple(previous[: len(voltages)]))
    state = step(volts(*voltages), state=prior)
    lowest = min(voltages)
    for voltage_v, bleeding in zip(voltages, state.bleeding, strict=True):
        if voltage_v - lowest <= LIMITS.stop_delta_v:
            assert not bleeding
    assert sum(state.bleeding) <= LIMITS.max_bleeding_cells


@pytest.mark.verifies("SWR_BAL_002", "SWR_BAL_003", "SWR_BAL_004", method="fault_injection")
@given(
    st.lists(st.one_of(cell_voltage, any_float), min_size=0, max_size=16),
    st.lists(st.one_of(st.floats(min_value=-40.0, max_value=80.0), any_float), max_size=8),
    st.booleans(),
)
def test_never_bleeds_when_under_voltage_hot_invalid_or_disabled(
    voltages: list[float], temperatures: list[float], enabled: bool
) -> None:
    state = step(
        volts(*voltages),
        [DegreesC(t) for t in temperatures],
        BalancingState((True,) * len(voltages)),
        enabled=enabled,
    )
    finite = all(math.isfinite(v) for v in [*voltages, *temperatures])
    forbidden = (
        not enabled
        or not voltages
        or not temperatures
        or not finite
        or min(voltages) <= LIMITS.min_cell_voltage_v
        or max(temperatures) >= LIMITS.max_temperature_degc
    )
    assert len(state.bleeding) == len(voltages)
    if forbidden:
        assert not state.active
        assert state.inhibit is not BalancingInhibit.NONE


class BalancingMachine(RuleBasedStateMachine):
    """Stateful: random sample sequences through one balancing state, safety rules as invariants."""

    def __init__(self) -> None:
        super().__init__()
        self.state = BalancingState()
        self.voltages: list[float] = [3.9] * 6
        self.temperatures: list[float] = [25.0, 30.0]
        self.enabled = True
        self.previous: tuple[bool, ...] = ()
        self.seen: tuple[list[float], list[float], bool] = ([4.0] * 6, [25.0], False)

    @rule(index=st.integers(0, 5), voltage=st.floats(2.5, 4.3))
    def set_cell(self, index: int, voltage: float) -> None:
        self.voltages[index] = voltage

    @rule(index=st.integers(0, 1), temperature=st.one_of(st.floats(-30.0, 70.0), any_float))
    def set_temperature(self, index: int, temperature: float) -> None:
        self.temperatures[index] = temperature

    @rule(enabled=st.booleans())
    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled

    @rule(bleed=st.floats(0.0, 0.004))
    def bleed_the_bleeding_cells(self, bleed: float) -> None:
        self.voltages = [
            v - bleed if on else v
            for v, on in zip(self.voltages, self.state.bleeding or (False,) * 6, strict=True)
        ]

    @rule()
    def step(self) -> None:
        self.previous = self.state.bleeding
        self.seen = (list(self.voltages), list(self.temperatures), self.enabled)
        self.state = step(
            volts(*self.voltages),
            [DegreesC(t) for t in self.temperatures],
            self.state,
            enabled=self.enabled,
        )

    @invariant()
    def safety_rules_hold(self) -> None:
        voltages, temperatures, enabled = self.seen
        if not self.state.bleeding:
            return
        lowest = min(voltages)
        hot_or_invalid = not all(math.isfinite(t) for t in temperatures) or max(temperatures) >= (
            LIMITS.max_temperature_degc
        )
        for voltage_v, bleeding, was in zip(
            voltages, self.state.bleeding, self.previous or (False,) * 6, strict=True
        ):
            if bleeding and not was:
                assert voltage_v - lowest > LIMITS.start_delta_v
            if bleeding:
                assert voltage_v - lowest > LIMITS.stop_delta_v
                assert enabled
                assert not hot_or_invalid
                assert lowest > LIMITS.min_cell_voltage_v


@pytest.mark.verifies("SWR_BAL_001", "SWR_BAL_002", "SWR_BAL_003", "SWR_BAL_005")
class TestBalancingMachine(BalancingMachine.TestCase):  # type: ignore[misc,valid-type]
    """The balancing machine run by pytest."""

    settings = settings(max_examples=examples(30), stateful_step_count=30)


TUNING = SocBalancingTuning()
SPREAD_V = [Volts(4.0 + 0.01 * i) for i in range(4)]


def soc_step(
    soc: list[float],
    sigma: list[float],
    voltages: list[Volts] | None = None,
    state: BalancingState = NOTHING_BLEEDING,
) -> BalancingState:
    return step_balancing(
        state,
        voltages if voltages is not None else SPREAD_V[: len(soc)],
        WARM,
        enabled=True,
        limits=LIMITS,
        cell_soc=soc,
        cell_soc_sigma=sigma,
    )


@pytest.mark.verifies("SWR_BAL_006")
def test_soc_basis_start_threshold_counts_the_bound() -> None:
    sigma = 0.005
    margin = TUNING.sigma_factor * math.sqrt(2) * sigma
    at = soc_step([0.9, 0.9 + margin + TUNING.start_delta - 1e-9], [sigma, sigma])
    above = soc_step([0.9, 0.9 + margin + TUNING.start_delta + 1e-6], [sigma, sigma])
    assert (at.basis, at.bleeding) == ("soc", (False, False))
    assert (above.basis, above.bleeding, above.inhibit) == (
        "soc", (False, True), BalancingInhibit.NONE
    )  # fmt: skip
    tighter = soc_step([0.9, 0.9 + TUNING.start_delta + 1e-6], [0.0, 0.0])
    assert tighter.bleeding == (False, True)


@pytest.mark.verifies("SWR_BAL_006")
def test_soc_basis_hysteresis() -> None:
    bleeding = soc_step([0.9, 0.91], [0.0, 0.0])
    assert bleeding.bleeding == (False, True)
    inside = [0.9, 0.9 + (TUNING.start_delta + TUNING.stop_delta) / 2]
    assert soc_step(inside, [0.0, 0.0], state=bleeding).bleeding == (False, True)
    assert soc_step(inside, [0.0, 0.0]).bleeding == (False, False)
    at_stop = [0.9, 0.9 + TUNING.stop_delta - 1e-9]
    assert soc_step(at_stop, [0.0, 0.0], state=bleeding).bleeding == (False, False)


@pytest.mark.verifies("SWR_BAL_006", "SWR_BAL_001", method="fault_injection")
def test_soc_basis_keeps_the_voltage_guard() -> None:
    guarded = soc_step([0.9, 0.95], [0.0, 0.0], volts(4.0, 4.0 + LIMITS.stop_delta_v * 0.99))
    assert guarded.bleeding == (False, False)


@pytest.mark.verifies("SWR_BAL_007")
def test_soc_basis_waits_for_the_top_of_charge() -> None:
    low = soc_step([0.5, math.nextafter(TUNING.min_soc, 0.0)], [0.0, 0.0])
    assert (low.basis, low.inhibit, low.active) == ("soc", BalancingInhibit.LOW_SOC, False)
    assert soc_step([0.5, TUNING.min_soc], [0.0, 0.0]).active


@pytest.mark.verifies("SWR_BAL_007", method="fault_injection")
@pytest.mark.parametrize(
    ("soc", "sigma"),
    [
        (None, [0.0, 0.0, 0.0]),
        ([0.9, 0.95, 0.99], None),
        ([0.9, 0.95], [0.0, 0.0]),
        ([0.9, math.nan, 0.99], [0.0, 0.0, 0.0]),
        ([0.9, 0.95, 0.99], [0.0, math.inf, 0.0]),
        ([0.9, 0.95, 0.99], [0.0, -0.01, 0.0]),
    ],
    ids=["no-soc", "no-sigma", "short", "nan-soc", "inf-sigma", "negative-sigma"],
)
def test_invalid_estimate_falls_back_to_voltage(
    soc: list[float] | None, sigma: list[float] | None
) -> None:
    state = step_balancing(
        NOTHING_BLEEDING, volts(3.9, 3.95, 4.0), WARM, enabled=True, limits=LIMITS,
        cell_soc=soc, cell_soc_sigma=sigma,
    )  # fmt: skip
    assert state.basis == "voltage"
    assert state.bleeding == (False, True, True)


soc_value = st.floats(min_value=0.0, max_value=1.0)
sigma_value = st.floats(min_value=0.0, max_value=0.05)


@pytest.mark.verifies("SWR_BAL_006", "SWR_BAL_001", "SWR_BAL_005")
@given(
    st.lists(st.tuples(soc_value, sigma_value, cell_voltage, st.booleans()), min_size=1,
             max_size=24),
)  # fmt: skip
def test_soc_basis_never_bleeds_the_lowest(cells: list[tuple[float, float, float, bool]]) -> None:
    soc = [c[0] for c in cells]
    sigma = [c[1] for c in cells]
    voltages = [c[2] for c in cells]
    prior = BalancingState(tuple(c[3] for c in cells))
    state = soc_step(soc, sigma, volts(*voltages), prior)
    lowest = min(range(len(soc)), key=lambda i: (soc[i], i))
    assert not state.bleeding[lowest]
    for index, bleeding in enumerate(state.bleeding):
        if bleeding:
            margin = TUNING.sigma_factor * math.hypot(sigma[index], sigma[lowest])
            assert soc[index] - soc[lowest] - margin > TUNING.stop_delta
            assert voltages[index] - min(voltages) > LIMITS.stop_delta_v
    assert sum(state.bleeding) <= LIMITS.max_bleeding_cells


@pytest.mark.verifies("SWR_BAL_006", method="fault_injection")
@given(
    st.lists(
        st.tuples(soc_value, sigma_value, st.floats(-1.0, 1.0), st.booleans()),
        min_size=2, max_size=24,
    ),
)  # fmt: skip
def test_soc_basis_never_drains_a_cell_below_the_lowest(
    cells: list[tuple[float, float, float, bool]],
) -> None:
    """Estimates off the truth by at most ``k sigma / sqrt(2)`` each (the bound holds)."""
    truth = [c[0] for c in cells]
    sigma = [c[1] for c in cells]
    estimate = [
        t + share * TUNING.sigma_factor * s / math.sqrt(2)
        for t, s, share in zip(truth, sigma, (c[2] for c in cells), strict=True)
    ]
    prior = BalancingState(tuple(c[3] for c in cells))
    state = soc_step(estimate, sigma, volts(*[4.0 + 0.01 * i for i in range(len(cells))]), prior)
    for index, bleeding in enumerate(state.bleeding):
        if bleeding:
            # bleeding at most stop_delta before the next decision leaves it above the lowest
            assert truth[index] - TUNING.stop_delta > min(truth)
