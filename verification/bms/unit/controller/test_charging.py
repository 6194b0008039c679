"""Tests of bms/controller/_charging.py and its wiring in the controller: SWR_PLAT_005, SWR_BAL_008.

Covers the pure parts: the charge count adds only charge (a discharge is not
subtracted), NaN stays NaN, and the idle time resets on a charge; the bound
restarts from the estimate plus 3 sigma only after 300 s without charge and
never from a non-finite estimate; the bound is 1 before the first start and
start + (charge + offset x time) / capacity after it; the bleed current is
the measured voltage over the resistance and the parallel count for the
bleeding cells, 0 A for a non-finite voltage, None when no cell bleeds.

And, on the equivalent-circuit plant (``bms.plant.PackSimulator``, the shipped
``NMC_Chen2020`` chemistry and its plating map) in closed loop with the
controller: a charge in which the SoC filter is biased low (30 % against
60 % true) and its own 3-sigma bound would allow 100 A (the derating's
maximum of a pack of cells rated for 1.5C charge, above the reference
pack's 0.7C so that the map binds; 119.8 A from the map at its bound),
against 85.8 A that the map allows at the true SoC, keeps the published
charge limit at or below
the map's limit at the true SoC and temperature, because the coulomb bound
is used (the test checks that the filter's bound alone would exceed it);
after 300 s at rest the bound restarts from the filter's estimate; the cap
needs a chemistry and a cell model (the estimation channel) and divides
the charge by each cell's capacity estimate less 3 sigma at its coldest
temperature's capacity (a new pack's 91 % of the configured one, one of
unknown age 57 %: SWR_SOH_008); a fresh
controller (no known start) caps at the map's limit at SoC 1; a chemistry
without a map gives a 0 A charge limit and the ``plating_limit_fallback``
warning with its reason, the discharge limit untouched; injected faults (a
NaN current, a failing filter) give the map's smallest limit with the
warning, never an exception or a latched fault; and during
balancing the SoC of a bled cell stays unbiased (the test also runs the
same pack with the filter not told the bleed, whose error is 10 times as
large); on an LFP pack whose filter keeps the plateau's floor (SWR_SOC_010)
balancing weighs cells by the filter's own sigma and bleeds, where the
reported one would let no cell bleed.
"""

import math
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import bms.controller._estimating as estimating_module
from bms.cell import Chemistry, cell_model, load_chemistry
from bms.config import (
    BmsConfig,
    default_pack_path,
    load_config,
    parse_config,
    shipped_pack_path,
)
from bms.controller import (
    BmsController,
    ControllerContext,
    ControllerOutputs,
    ControllerState,
    ControllerStatus,
    controller_step,
    new_pack_capacity,
)
from bms.controller._charging import (
    BOUND_REST_S,
    ChargeBound,
    bleed_current,
    count_charge,
    plating_charge_limit,
    restart_bound,
    soc_upper_bound,
)
from bms.estimation import SocFilterTuning, initial_ekf_state, plating_limits, reported_soc_sigma
from bms.plant import PackMeasurement, PackSimulator, PackSpread
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry
from verification.bms.unit.controller.frames import follow, frame

CONFIG = load_config()
PERIOD_MS = CONFIG.pack.protection_period_ms
PARALLEL = CONFIG.pack.parallel_count
CELLS = CONFIG.pack.series_count
NMC = load_chemistry("NMC_Chen2020")
TUNING = SocFilterTuning()
FloatArray = npt.NDArray[np.float64]
CHARGE_STEPS = 300
"""Charging steps of the closed-loop charge (3 s)."""
PLATING_FALLBACK = "plating_limit_fallback"
"""The controller's warning of a plating cap at its most conservative limit."""


def _fast_charge_config() -> BmsConfig:
    """The reference pack with cells rated for 1.5C (7.5 A) charge instead of the LG M50's 0.7C.

    Its charge maxima (100 A derating, 110/140 A tiers) lie above the plating map at 60 %
    SoC and 25 degC (85.8 A), so that the map, the closed-loop charge's subject, binds.
    """
    text = default_pack_path().read_text(encoding="utf-8")
    for old, new in (
        ("absolute_max_charge_current_a = 3.395", "absolute_max_charge_current_a = 7.5"),
        ("warning_a = 55.0\nfault_a = 65.0", "warning_a = 110.0\nfault_a = 140.0"),
        ("max_charge_current_a = 50.0", "max_charge_current_a = 100.0"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return parse_config(text, "fast-charge variant of the reference pack")


# --- the pure parts ---------------------------------------------------------------------------


@pytest.mark.verifies("SWR_PLAT_005")
def test_only_charge_is_counted_and_a_charge_resets_the_idle_time() -> None:
    bound = ChargeBound(start_soc=(0.5,), start_sigma=(0.01,), idle_s=10.0)
    discharged = count_charge(
        bound, 40.0, parallel_count=20, dt_s=0.01, charge_detection_a=2.0
    )  # 2 A per cell of discharge: not subtracted
    assert discharged.charged_ah == 0.0
    assert discharged.idle_s == pytest.approx(10.01)
    charged = count_charge(bound, -40.0, parallel_count=20, dt_s=3.6, charge_detection_a=2.0)
    assert charged.charged_ah == pytest.approx(2.0 * 3.6 / 3600.0)
    assert charged.elapsed_s == pytest.approx(3.6)
    assert charged.idle_s == 0.0
    small = count_charge(bound, -1.0, parallel_count=20, dt_s=0.01, charge_detection_a=2.0)
    assert small.idle_s == pytest.approx(10.01)  # above -2 A: not charging, but counted
    assert small.charged_ah > 0.0
    unknown = count_charge(bound, math.nan, parallel_count=20, dt_s=0.01, charge_detection_a=2.0)
    assert math.isnan(unknown.charged_ah)
    assert unknown.idle_s == 0.0  # NaN counts as charging


@pytest.mark.verifies("SWR_PLAT_005")
def test_the_bound_restarts_only_after_the_rest_and_from_a_finite_estimate() -> None:
    soc, sigma = np.array([0.5, 0.99]), np.array([0.01, 0.01])
    early = ChargeBound(
        start_soc=(0.7, 0.7), start_sigma=(0.0, 0.0), charged_ah=0.1, idle_s=BOUND_REST_S - 0.01
    )
    assert restart_bound(early, soc, sigma) == early
    rested = replace(early, idle_s=BOUND_REST_S)
    restarted = restart_bound(rested, soc, -sigma)  # a sigma's sign is not its size
    assert restarted.start_soc == pytest.approx((0.5, 0.99))
    assert restarted.start_sigma == pytest.approx((0.01, 0.01))
    assert (restarted.charged_ah, restarted.elapsed_s) == (0.0, 0.0)
    assert restart_bound(rested, np.array([0.5, math.nan]), sigma) == rested


@pytest.mark.verifies("SWR_PLAT_005")
def test_the_bound_is_one_before_a_start_then_counts_with_the_offset() -> None:
    before = soc_upper_bound(ChargeBound(), 3, capacity_ah=5.0, capacity_lower_ah=4.5, offset_a=0.1)
    assert before.tolist() == [1.0] * 3
    bound = ChargeBound(
        start_soc=(0.2, 0.4), start_sigma=(0.01, 0.0), charged_ah=0.5, elapsed_s=1800.0
    )
    upper = soc_upper_bound(bound, 2, capacity_ah=5.0, capacity_lower_ah=4.4, offset_a=0.1)
    moved, excursion = 0.55 / 5.0, 0.55 / 4.4 - 0.55 / 5.0
    assert upper == pytest.approx(
        [0.2 + moved + math.hypot(0.03, excursion), 0.4 + moved + excursion]
    )


@pytest.mark.verifies("SWR_PLAT_005")
def test_the_pack_cap_is_the_smallest_cell_limit_times_the_parallel_count() -> None:
    soc, sigma, temps = np.array([0.3, 0.5]), np.array([0.01, 0.01]), np.array([25.0, 25.0])
    upper = np.array([0.3, 0.7])
    limit_a, reason = plating_charge_limit(
        NMC.plating,
        soc=soc,
        soc_sigma=sigma,
        temperature_degc=temps,
        soc_upper=upper,
        parallel_count=20,
    )
    cell = plating_limits(
        NMC.plating, soc=soc, soc_sigma=sigma, temperature_degc=temps, soc_upper=upper
    )
    assert reason is None
    assert limit_a == pytest.approx(20 * float(cell.cell_charge_current_a.min()))
    assert (
        limit_a
        < 20
        * plating_limits(
            NMC.plating, soc=soc, soc_sigma=sigma, temperature_degc=temps
        ).min_cell_charge_current_a
    )


@pytest.mark.verifies("SWR_BAL_008")
def test_bleed_current_is_voltage_over_resistance_shared_by_the_parallel_cells() -> None:
    current = bleed_current(
        (True, False, True, True),
        (4.0, 4.1, math.nan, 9.0),
        resistance_ohm=20.0,
        parallel_count=20,
        max_voltage_v=5.0,
    )
    assert current is not None
    assert current.tolist() == pytest.approx([0.01, 0.0, 0.0, 5.0 / 400.0])
    kwargs: dict[str, Any] = {"resistance_ohm": 20.0, "parallel_count": 20, "max_voltage_v": 5.0}
    assert bleed_current((False, False), (4.0, 4.0), **kwargs) is None
    assert bleed_current((True,), (4.0, 4.0), **kwargs) is None


# --- closed loop on the equivalent-circuit plant ---------------------------------------------


def _inputs(time_ms: int, m: PackMeasurement, pack_current_a: float, **changes: Any) -> Any:
    """A controller frame of the plant's measurement (32 sensors: every third cell)."""
    temps = m.cell_temperatures_degc[:: CELLS // CONFIG.pack.temperature_sensor_count]
    return frame(
        time_ms,
        cell_voltages_v=tuple(m.cell_voltages_v.tolist()),
        cell_temperatures_degc=tuple(temps.tolist()),
        current_a=(pack_current_a, pack_current_a),
        pack_voltage_v=float(m.cell_voltages_v.sum()),
        **changes,
    )


def _map_limit_a(chemistry: Chemistry, soc: FloatArray, temperature_degc: FloatArray) -> float:
    """The map's pack limit at the given (true) SoC and temperature: bilinear, smallest cell."""
    plating = chemistry.plating
    assert plating is not None
    table = np.asarray(plating.max_charge_current_a)
    temps_axis = np.asarray(plating.temperature_breakpoints_degc)
    by_soc = np.array([np.interp(soc, plating.soc_breakpoints, row) for row in table])  # (T, cells)
    cells = [np.interp(t, temps_axis, by_soc[:, i]) for i, t in enumerate(temperature_degc)]
    return PARALLEL * float(min(cells))


def _follow(outputs: ControllerOutputs, m: PackMeasurement) -> dict[str, Any]:
    """Contactor feedback as commanded; the link at the pack voltage once connected."""
    plant = follow(outputs)
    connected = plant["link_voltage_v"] > 0.0
    plant["link_voltage_v"] = float(m.cell_voltages_v.sum()) if connected else 0.0
    return plant


@pytest.mark.verifies("SWR_PLAT_005")
def test_a_charge_with_the_filter_biased_low_is_capped_by_the_coulomb_bound() -> None:
    config = _fast_charge_config()
    context = ControllerContext(config=config, model=cell_model(NMC), chemistry=NMC)
    plant = PackSimulator(NMC, CELLS, initial_soc=0.60, ambient_degc=25.0)
    state = ControllerState(
        estimator=initial_ekf_state(CELLS, 0.30, 0.005, TUNING),
        charge_bound=ChargeBound(start_soc=(0.61,) * CELLS, start_sigma=(0.003,) * CELLS),
    )
    feedback: dict[str, Any] = {}
    m, current_a, worst, charging = plant.measure(0.0), 0.0, math.inf, 0
    outputs: ControllerOutputs | None = None
    for step in range(3000):  # connect (precharge), then 3 s of charge at the published limit
        inputs = _inputs(step * PERIOD_MS, m, current_a, close=True, **feedback)
        state, outputs = controller_step(state, inputs, context)
        feedback = _follow(outputs, m)
        truth_a = _map_limit_a(NMC, plant.true_soc, m.cell_temperatures_degc)
        if charging:
            worst = min(worst, truth_a - outputs.charge_current_limit_a)
        connected = outputs.status is ControllerStatus.CONNECTED
        charging += connected
        current_a = -min(outputs.charge_current_limit_a, 120.0) if connected else 0.0
        m = plant.step(current_a / PARALLEL, PERIOD_MS / 1000.0)
        if charging == CHARGE_STEPS:
            break
    assert charging == CHARGE_STEPS, "the controller did not connect"
    assert outputs is not None
    assert worst >= 0.0, f"published charge limit {-worst:.2f} A above the map at the truth"
    assert outputs.charge_current_limit_a > 0.9 * truth_a  # the bound's limit, not a fallback
    assert PLATING_FALLBACK not in [f.fault for f in outputs.faults]
    # The scenario discriminates: the filter is still biased low, and its own bound alone
    # would allow more than the map allows at the truth.
    estimator = state.estimator
    assert estimator is not None
    soc, sigma = estimator.x[0], np.sqrt(estimator.p[0, 0])
    assert float(soc.max()) < float(plant.true_soc.min()) - 0.1
    alone = plating_limits(
        NMC.plating, soc=soc, soc_sigma=sigma, temperature_degc=m.cell_temperatures_degc
    )
    assert alone.min_cell_charge_current_a * PARALLEL > truth_a + 5.0


@pytest.mark.verifies("SWR_PLAT_005")
def test_the_bound_restarts_from_the_estimate_after_the_rest() -> None:
    context = ControllerContext(config=CONFIG, model=cell_model(NMC), chemistry=NMC)
    state = ControllerState(
        estimator=initial_ekf_state(CELLS, 0.40, 0.01, TUNING),
        charge_bound=ChargeBound(
            start_soc=(0.9,) * CELLS, start_sigma=(0.0,) * CELLS, idle_s=BOUND_REST_S - 0.05
        ),
    )
    plant = PackSimulator(NMC, CELLS, initial_soc=0.40)
    m = plant.measure(0.0)
    for step in range(11):
        state, _ = controller_step(state, _inputs(step * PERIOD_MS, m, 0.0), context)
    assert state.estimator is not None
    sigma = np.sqrt(state.estimator.p[0, 0])
    assert state.charge_bound.start_soc == pytest.approx(state.estimator.x[0].tolist(), abs=0.01)
    assert state.charge_bound.start_sigma == pytest.approx(sigma.tolist(), rel=0.1)
    assert max(state.charge_bound.start_soc) < 0.45
    # A charge freezes the start: it is no longer moved by the filter.
    start = (state.charge_bound.start_soc, state.charge_bound.start_sigma)
    for step in range(11, 31):
        state, _ = controller_step(state, _inputs(step * PERIOD_MS, m, -40.0), context)
    assert (state.charge_bound.start_soc, state.charge_bound.start_sigma) == start
    assert state.charge_bound.charged_ah == pytest.approx(2.0 * 0.2 / 3600.0)


@pytest.mark.verifies("SWR_PLAT_005")
def test_without_a_known_start_the_cap_is_the_map_at_full_charge() -> None:
    controller = BmsController(CONFIG, chemistry=NMC)
    outputs = [controller.step(frame(step * PERIOD_MS)) for step in range(3)]
    plating = NMC.plating
    assert plating is not None
    at_full = plating.max_charge_current_a[plating.temperature_breakpoints_degc.index(25.0)][-1]
    assert outputs[-1].charge_current_limit_a == pytest.approx(PARALLEL * at_full)


@pytest.mark.verifies("SWR_PLAT_005")
def test_the_cap_needs_the_estimation_channel() -> None:
    # Without a cell model there is no SoC filter, so no estimate for the cap to read.
    assert ControllerContext(config=CONFIG, chemistry=NMC).plating is None
    assert ControllerContext(config=CONFIG, model=cell_model(NMC)).plating is None
    aged = ControllerContext(config=CONFIG, model=cell_model(NMC, 0.9, 1.0), chemistry=NMC)
    assert aged.plating is not None
    assert aged.plating.tables is not None


@pytest.mark.verifies("SWR_PLAT_005", "SWR_SOH_008")
@pytest.mark.parametrize("new_pack", [True, False])
def test_the_coulomb_bound_reads_each_cells_capacity_and_its_3_sigma_bound_at_its_coldest(
    monkeypatch: pytest.MonkeyPatch, new_pack: bool
) -> None:
    seen: list[tuple[np.ndarray, np.ndarray]] = []

    def recording(
        bound: ChargeBound,
        cells: int,
        *,
        capacity_ah: np.ndarray,
        capacity_lower_ah: np.ndarray,
        offset_a: float,
    ) -> np.ndarray:
        seen.append((capacity_ah, capacity_lower_ah))
        return soc_upper_bound(
            bound,
            cells,
            capacity_ah=capacity_ah,
            capacity_lower_ah=capacity_lower_ah,
            offset_a=offset_a,
        )

    monkeypatch.setattr(estimating_module, "soc_upper_bound", recording)
    stored = new_pack_capacity(NMC, CELLS) if new_pack else None
    controller = BmsController(CONFIG, chemistry=NMC, capacity=stored)
    controller.step(frame(0))
    coldest = min(NMC.capacity_ah_by_temperature) / NMC.nominal_capacity_ah
    # New: 3 % sigma. Unknown age: 85 % with a 9.2 % sigma, whose 3 sigma reach 57 %.
    mean = 1.0 if new_pack else 0.85
    sigma = 0.03 if new_pack else math.sqrt(0.03**2 + 0.3**2 / 12.0)
    estimated, lowest = seen[-1]
    nominal = coldest * NMC.nominal_capacity_ah
    assert estimated == pytest.approx(np.full(CELLS, mean * nominal))
    assert lowest == pytest.approx(np.full(CELLS, (mean - 3.0 * sigma) * nominal))


@pytest.mark.verifies("SWR_PLAT_005")
def test_a_chemistry_without_a_map_charges_at_zero_and_says_why() -> None:
    with_map = BmsController(CONFIG, chemistry=synthetic_chemistry())
    outputs = [with_map.step(frame(step * PERIOD_MS)) for step in range(3)][-1]
    assert outputs.charge_current_limit_a == 0.0
    assert outputs.discharge_current_limit_a > 0.0
    warnings = [f for f in outputs.faults if f.fault == PLATING_FALLBACK]
    assert warnings
    assert "no plating map" in warnings[0].reason
    assert not warnings[0].latched
    assert outputs.latched_faults == ()


def _smallest_map_limit_a() -> float:
    plating = NMC.plating
    assert plating is not None
    return PARALLEL * min(min(row) for row in plating.max_charge_current_a)


@pytest.mark.verifies("SWR_PLAT_005", method="fault_injection")
def test_a_nan_current_gives_the_smallest_map_limit_until_the_next_start() -> None:
    context = ControllerContext(config=CONFIG, model=cell_model(NMC), chemistry=NMC)
    state = ControllerState(
        charge_bound=ChargeBound(start_soc=(0.3,) * CELLS, start_sigma=(0.0,) * CELLS)
    )
    plant = PackSimulator(NMC, CELLS, initial_soc=0.3)
    m = plant.measure(0.0)
    state, before = controller_step(state, _inputs(0, m, 0.0), context)
    assert state.plating_reason is None
    assert state.plating_charge_a is not None
    assert state.plating_charge_a > _smallest_map_limit_a()
    nan = _inputs(PERIOD_MS, m, math.nan)
    state, _ = controller_step(state, nan, context)
    for step in range(2, 12):  # the next estimation step, with finite currents again
        state, outputs = controller_step(state, _inputs(step * PERIOD_MS, m, 0.0), context)
    assert math.isnan(state.charge_bound.charged_ah)
    assert state.plating_charge_a == pytest.approx(_smallest_map_limit_a())
    warnings = [f for f in outputs.faults if f.fault == PLATING_FALLBACK]
    assert warnings
    assert "not finite" in warnings[0].reason
    assert outputs.discharge_current_limit_a == before.discharge_current_limit_a


@pytest.mark.verifies("SWR_PLAT_005", method="fault_injection")
def test_a_failing_filter_gives_the_smallest_map_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise FloatingPointError("estimator")

    monkeypatch.setattr(estimating_module, "ekf_step", broken)
    controller = BmsController(CONFIG, chemistry=NMC)
    outputs = controller.step(frame(0))
    assert controller.state.plating_charge_a == pytest.approx(_smallest_map_limit_a())
    assert outputs.charge_current_limit_a == pytest.approx(_smallest_map_limit_a())
    faults = {f.fault: f for f in outputs.faults}
    assert {"estimation_unavailable", PLATING_FALLBACK} <= set(faults)
    assert outputs.latched_faults == ()


def _balancing_config(resistance_ohm: float) -> BmsConfig:
    balancing = CONFIG.control.balancing.model_copy(update={"resistance_ohm": resistance_ohm})
    control = CONFIG.control.model_copy(update={"balancing": balancing})
    return CONFIG.model_copy(update={"control": control})


def _balance(filter_resistance_ohm: float) -> tuple[FloatArray, FloatArray]:
    """10 s at rest with balancing; the plant's groups bleed through 0.1 ohm (2 A per cell).

    The reference pack's 20 ohm bleeds 10 mA per cell (0.2 % SoC per hour); the test
    resistor makes the bias of an untold filter show within seconds. Returns each cell's
    final SoC error and how many steps it bled.
    """
    plant_resistance_ohm = 0.1
    context = ControllerContext(
        config=_balancing_config(filter_resistance_ohm), model=cell_model(NMC), chemistry=NMC
    )
    plant = PackSimulator(NMC, CELLS, spread=PackSpread(0.0, 0.0, 2.0), initial_soc=0.9, seed=3)
    state = ControllerState(estimator=initial_ekf_state(CELLS, plant.true_soc, 0.003, TUNING))
    m, bled = plant.measure(0.0), np.zeros(CELLS)
    for step in range(1000):
        state, outputs = controller_step(state, _inputs(step * PERIOD_MS, m, 0.0), context)
        bleeding = np.asarray(outputs.balancing, dtype=np.float64)
        bled += bleeding
        bleed_a = bleeding * m.cell_voltages_v / (plant_resistance_ohm * PARALLEL)
        m = plant.step(0.0, PERIOD_MS / 1000.0, bleed_a)
    assert state.estimator is not None
    return state.estimator.x[0] - plant.true_soc, bled


@pytest.mark.verifies("SWR_BAL_008")
def test_the_soc_of_a_bled_cell_stays_unbiased() -> None:
    error, bled = _balance(filter_resistance_ohm=0.1)
    assert (bled > 100).sum() >= 10  # the scenario bleeds many cells for a second or more
    assert float(np.abs(error[bled > 0]).max()) <= 0.001  # within 0.1 % SoC
    assert float(np.abs(error[bled == 0]).max()) <= 0.001
    untold, _ = _balance(filter_resistance_ohm=1e4)  # the filter told ~0 A (2 uA per cell)
    assert float(np.abs(untold[bled > 0]).max()) >= 0.005  # the bias the wiring removes


@pytest.mark.verifies("SWR_SOC_010", "SWR_BAL_008")
def test_balancing_weighs_cells_by_the_filters_own_sigma_not_the_plateau_floor() -> None:
    # An LFP pack at rest at 94-97 %, where its upper plateau meets the top knee, its filter
    # marked (a cycle that started unsure): the lowest cell reports the plateau's floor,
    # about 6 points, which would hold every cell (at most 2.4 points above it) within the
    # rule's margin; balancing reads the filter's own sigma, so the cells millivolts above
    # the lowest bleed. With the reported sigma none does.
    lfp = load_chemistry("LFP_Prada2013")
    pack = load_config(shipped_pack_path("lfp_96s"))
    context = ControllerContext(config=pack, model=cell_model(lfp), chemistry=lfp)
    plant = PackSimulator(lfp, CELLS, spread=PackSpread(0.0, 0.0, 0.5), initial_soc=0.955, seed=3)
    marked = np.ones(CELLS, dtype=bool)
    start = initial_ekf_state(CELLS, plant.true_soc, 0.003, TUNING, plateau_bound=marked)
    state, m, bled = ControllerState(estimator=start), plant.measure(0.0), np.zeros(CELLS)
    for step in range(50):
        state, outputs = controller_step(state, _inputs(step * PERIOD_MS, m, 0.0), context)
        bled += np.asarray(outputs.balancing, dtype=np.float64)
        m = plant.step(0.0, PERIOD_MS / 1000.0)
    ekf = state.estimator
    assert ekf is not None
    lowest = int(np.argmin(ekf.x[0]))
    assert ekf.plateau_bound is not None
    assert ekf.plateau_bound[lowest]  # on the plateau: still marked
    assert float(reported_soc_sigma(ekf)[lowest]) > 0.03  # its floor is what it reports
    assert (bled > 0).sum() >= 3  # and yet the cells on the knee bleed
