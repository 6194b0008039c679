"""Tests of bms/estimation/_sof.py: current and power limits, SWR_SOF_001..003.

Covers: the limits read from the reference pack's configuration; a
discharge (charge) limit held for the horizon on the equivalent-circuit
plant keeps every cell above the under-voltage (below the over-voltage)
warning tier, and 10 % more crosses it (the limit is the largest such
current); limits never exceed the configured maxima; temperature derating
is 1 inside the warning tiers, 0 at and beyond the fault tiers, monotone in
between; an uncertain SoC lowers the limit; an empty or a full cell stops
discharge or charge; non-finite inputs give zero limits; power is the
current times the predicted string voltage; with the particles' surface
lag in the model, mid-discharge near empty, the limit holds on the plant
and is within 10 % of the largest that does, while the limit that leaves
the lag out does not hold.
"""

import math
from dataclasses import replace

import numpy as np
import pytest

from bms.cell import CellModel, Chemistry, cell_model
from bms.config import load_config
from bms.estimation import sof_limits, state_of_function, temperature_derating
from bms.estimation._sof import PowerLimits, SofLimits
from bms.plant import PackSimulator
from verification.bms.unit.cell.chemistry_fixture import (
    kinetic_tables,
    lagged_electrodes_section,
    synthetic_chemistry,
)

CHEMISTRY = synthetic_chemistry()
CONFIG = load_config()
LIMITS = sof_limits(CONFIG)
MODEL = cell_model(CHEMISTRY)
CELLS = 4
CHARGE = synthetic_chemistry(**kinetic_tables()).charge
if CHARGE is not None:  # the kinetic fixture's charge section without its kinetic current
    CHARGE = CHARGE.model_copy(update={"kinetic_current_a": None})


UNCAPPED = replace(LIMITS, max_charge_current_a=400.0, max_discharge_current_a=400.0)
"""Maxima above what the voltage allows: where the voltage limit is the subject (the
reference pack's 55 A charge maximum, the LG M50's 0.7C, would otherwise bind first)."""


def _limits(
    soc: float, temperature: float = 25.0, sigma: float = 0.0, limits: SofLimits = LIMITS
) -> PowerLimits:
    return state_of_function(
        MODEL,
        limits,
        soc=np.full(CELLS, soc),
        soc_sigma=np.full(CELLS, sigma),
        rc_voltages_v=(np.zeros(CELLS), np.zeros(CELLS)),
        temperature_degc=np.full(CELLS, temperature),
    )


@pytest.mark.verifies("SWR_SOF_002")
def test_limits_come_from_the_configuration() -> None:
    protection = CONFIG.protection
    assert LIMITS.max_charge_current_a == min(
        protection.charge_current.warning_a,
        CONFIG.cell.absolute_max_charge_current_a * CONFIG.pack.parallel_count,
    )
    assert LIMITS.min_cell_voltage_v == protection.cell_voltage.under_warning_v
    assert LIMITS.max_cell_voltage_v == protection.cell_voltage.over_warning_v
    assert LIMITS.horizon_s == 10.0


def _min_max_voltage_after(cell_current_a: float, soc: float) -> tuple[float, float]:
    sim = PackSimulator(CHEMISTRY, CELLS, initial_soc=soc)
    voltages = [sim.step(cell_current_a, 0.1).cell_voltages_v for _ in range(100)]
    return float(np.min(voltages)), float(np.max(voltages))


@pytest.mark.verifies("SWR_SOF_001")
def test_discharge_limit_is_the_largest_sustainable_current() -> None:
    soc = 0.04  # low enough that the voltage, not the configured maximum, limits
    limit = _limits(soc).discharge_current_a / CONFIG.pack.parallel_count
    assert limit < LIMITS.max_discharge_current_a / CONFIG.pack.parallel_count
    assert _min_max_voltage_after(limit, soc)[0] >= LIMITS.min_cell_voltage_v - 0.002
    assert _min_max_voltage_after(1.1 * limit, soc)[0] < LIMITS.min_cell_voltage_v


@pytest.mark.verifies("SWR_SOF_001")
def test_charge_limit_is_the_largest_sustainable_current() -> None:
    soc = 0.97
    limit = _limits(soc, limits=UNCAPPED).charge_current_a / CONFIG.pack.parallel_count
    assert 0.0 < limit < UNCAPPED.max_charge_current_a / CONFIG.pack.parallel_count
    assert _min_max_voltage_after(-limit, soc)[1] <= LIMITS.max_cell_voltage_v + 0.002
    assert _min_max_voltage_after(-1.1 * limit, soc)[1] > LIMITS.max_cell_voltage_v


@pytest.mark.verifies("SWR_SOF_002")
@pytest.mark.parametrize("soc", [0.0, 0.3, 0.6, 0.9, 1.0])
@pytest.mark.parametrize("temperature", [-30.0, 0.0, 25.0, 47.0, 70.0])
def test_never_above_the_maxima(soc: float, temperature: float) -> None:
    limits = _limits(soc, temperature)
    assert 0.0 <= limits.discharge_current_a <= LIMITS.max_discharge_current_a
    assert 0.0 <= limits.charge_current_a <= LIMITS.max_charge_current_a
    assert limits.discharge_power_w >= 0.0
    assert limits.charge_power_w >= 0.0


@pytest.mark.verifies("SWR_SOF_003")
def test_derating_window() -> None:
    window = LIMITS.charge_temperature
    for inside in (window.under_warning_degc, 25.0, window.over_warning_degc):
        assert temperature_derating(np.array([inside]), window) == 1.0
    for outside in (window.under_fault_degc, -40.0, window.over_fault_degc, 90.0):
        assert temperature_derating(np.array([outside]), window) == 0.0
    middle = (window.over_warning_degc + window.over_fault_degc) / 2
    assert temperature_derating(np.array([middle]), window) == pytest.approx(0.5)
    assert temperature_derating(np.array([25.0, middle]), window) == pytest.approx(0.5)
    assert temperature_derating(np.array([math.nan]), window) == 0.0
    assert temperature_derating(np.array([]), window) == 0.0


@pytest.mark.verifies("SWR_SOF_003")
def test_hot_pack_is_derated() -> None:
    cool = _limits(0.5, 40.0)
    hot = _limits(0.5, 48.0)
    assert hot.charge_current_a < cool.charge_current_a
    assert hot.charge_current_a <= 0.4 * LIMITS.max_charge_current_a + 1e-9


@pytest.mark.verifies("SWR_SOF_001")
def test_uncertain_soc_lowers_the_limits() -> None:
    assert _limits(0.05, sigma=0.005).discharge_current_a < _limits(0.05).discharge_current_a
    uncertain = _limits(0.95, sigma=0.01, limits=UNCAPPED)
    assert uncertain.charge_current_a < _limits(0.95, limits=UNCAPPED).charge_current_a


@pytest.mark.verifies("SWR_SOF_001")
def test_empty_cell_stops_discharge_and_full_cell_stops_charge() -> None:
    assert _limits(0.0).discharge_current_a == 0.0
    assert _limits(1.0).charge_current_a == 0.0


@pytest.mark.verifies("SWR_SOF_001")
def test_non_finite_input_gives_zero_limits() -> None:
    limits = state_of_function(
        MODEL,
        LIMITS,
        soc=np.array([0.5, math.nan]),
        soc_sigma=np.zeros(2),
        rc_voltages_v=(np.zeros(2), np.zeros(2)),
        temperature_degc=np.full(2, 25.0),
    )
    assert limits == PowerLimits(0.0, 0.0, 0.0, 0.0)


@pytest.mark.verifies("SWR_SOF_001")
def test_power_is_current_times_predicted_string_voltage() -> None:
    limits = _limits(0.04)
    cell_current = limits.discharge_current_a / CONFIG.pack.parallel_count
    predicted = LIMITS.min_cell_voltage_v * CELLS  # voltage-limited: every cell at the tier
    assert limits.discharge_power_w == pytest.approx(limits.discharge_current_a * predicted)
    assert cell_current > 0.0


@pytest.mark.verifies("SWR_SOF_001", "SWR_CELL_006")
@pytest.mark.parametrize(("soc", "direction", "cold"), [(0.04, 1.0, -10.0), (0.97, -1.0, 10.0)])
def test_a_bent_drops_limit_is_sustainable_and_above_the_linear_one(
    soc: float, direction: float, cold: float
) -> None:
    """Cold, a bent drop: the limit beats the zero-current slope's and holds on the plant.

    Kinetic currents are 0.4-1 A there (charge is derated to 0 at -10 degC, so
    it is tested at 10 degC). The limit is also the largest that holds, to 10 %.
    """
    chemistry = synthetic_chemistry(**kinetic_tables())
    bent = state_of_function(
        cell_model(chemistry), UNCAPPED, soc=np.full(CELLS, soc), soc_sigma=np.zeros(CELLS),
        rc_voltages_v=(np.zeros(CELLS), np.zeros(CELLS)), temperature_degc=np.full(CELLS, cold),
    )  # fmt: skip
    straight = chemistry.model_copy(update={"kinetic_current_a": None, "charge": CHARGE})
    linear = state_of_function(
        cell_model(straight), UNCAPPED, soc=np.full(CELLS, soc), soc_sigma=np.zeros(CELLS),
        rc_voltages_v=(np.zeros(CELLS), np.zeros(CELLS)), temperature_degc=np.full(CELLS, cold),
    )  # fmt: skip
    parallel = CONFIG.pack.parallel_count
    key = "discharge_current_a" if direction > 0 else "charge_current_a"
    limit, below = getattr(bent, key) / parallel, getattr(linear, key) / parallel
    assert limit > 1.2 * below > 0.0

    def extreme_after(current: float) -> float:
        sim = PackSimulator(chemistry, CELLS, initial_soc=soc, ambient_degc=cold)
        sim_voltages = [sim.step(current, 0.1).cell_voltages_v for _ in range(100)]
        return float(np.min(sim_voltages) if direction > 0 else np.max(sim_voltages))

    # at a voltage-bound limit every cell ends the horizon at the window's edge: the power
    # is the current times that voltage (a linear R0 I would read far below it in the cold)
    power = bent.discharge_power_w if direction > 0 else bent.charge_power_w
    edge = LIMITS.min_cell_voltage_v if direction > 0 else LIMITS.max_cell_voltage_v
    assert power == pytest.approx(getattr(bent, key) * CELLS * edge, rel=0.01)
    if direction > 0:
        assert extreme_after(limit) >= LIMITS.min_cell_voltage_v - 0.002
        assert extreme_after(1.1 * limit) < LIMITS.min_cell_voltage_v
    else:
        assert extreme_after(-limit) <= LIMITS.max_cell_voltage_v + 0.002
        assert extreme_after(-1.1 * limit) > LIMITS.max_cell_voltage_v


def _after_discharge(chemistry: Chemistry) -> PackSimulator:
    """A pack 6 min into a 1C discharge from 17.5 % (7.5 % left, mid-segment): surfaces ahead."""
    sim = PackSimulator(chemistry, CELLS, initial_soc=0.175)
    for _ in range(360):
        sim.step(5.0, 1.0)
    return sim


def _discharge_limit(sim: PackSimulator, model: CellModel) -> float:
    state = sim.state
    limits = state_of_function(
        model, UNCAPPED, soc=state.soc, soc_sigma=np.zeros(CELLS),
        rc_voltages_v=(state.v_rc1_v, state.v_rc2_v), temperature_degc=state.temperature_degc,
        surface_lag=state.surface_lag,
    )  # fmt: skip
    return limits.discharge_current_a / CONFIG.pack.parallel_count


def _lowest_after(chemistry: Chemistry, current: float) -> float:
    sim = _after_discharge(chemistry)
    return float(np.min([sim.step(current, 0.1).cell_voltages_v for _ in range(100)]))


@pytest.mark.verifies("SWR_SOF_001", "SWR_CELL_007")
def test_a_limit_with_the_surface_lag_holds_where_one_without_it_does_not() -> None:
    """Near empty, mid-discharge: the lag's two passes hold, not far below the edge."""
    lagged = synthetic_chemistry(electrodes=lagged_electrodes_section())
    sim = _after_discharge(lagged)
    limit = _discharge_limit(sim, sim.model)
    assert limit > 0.0
    assert _lowest_after(lagged, limit) >= LIMITS.min_cell_voltage_v - 0.002
    assert _lowest_after(lagged, 1.1 * limit) < LIMITS.min_cell_voltage_v
    blind = _discharge_limit(sim, replace(sim.model, surface_lag=None))  # the lag left out
    assert blind > limit
    assert _lowest_after(lagged, blind) < LIMITS.min_cell_voltage_v - 0.002
