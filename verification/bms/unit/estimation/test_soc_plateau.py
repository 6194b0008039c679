"""Tests of bms/estimation/_soc_plateau.py and the reported sigma it floors: SWR_SOC_010.

Covers: the table is what a brute-force scan of a fine SoC grid gives (a
third of the farthest SoC whose OCV is within the voltage), large on LFP's
plateau and small at its knee, growing with the voltage; it is read
bilinearly in temperature; a start at least ``plateau_start_sigma`` unsure
(or a kept start so marked) marks its cells, a kept one does not, and a
voltage of 0 switches the floor off, and so does a steep OCV (the NMC cell)
unless the tuning asks for it; the floor reaches the reported sigma of
marked cells only and leaves the filter's state (estimate and covariance)
exactly as it is; a cell whose estimate reaches a knee gives it up (and a
release of 0 never does); the key-off keeps the marks and the next start
takes them; a start given its step constants ahead reports the floor before
its first step, and the first step keeps their table even under another
tuning object (the capacity's feedback), where a bare start builds its own.
"""

from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest

from bms.cell import cell_tables, load_chemistry, ocv
from bms.estimation import (
    EkfState,
    SocEstimate,
    SocEstimator,
    SocFilterTuning,
    ekf_step,
    initial_ekf_state,
    kept_start,
    reported_soc_sigma,
    soc_to_keep,
    step_constants,
)
from bms.estimation._soc_plateau import PLATEAU_GRID_POINTS, plateau_sigma, plateau_sigma_table

FloatArray = npt.NDArray[np.float64]
LFP = load_chemistry("LFP_Prada2013")
TABLES = cell_tables(LFP)
VOLTAGE = SocFilterTuning().plateau_voltage_v


def _brute_force(soc: float, temperature: float, voltage: float) -> float:
    """A third of the farthest SoC within ``voltage`` of the OCV at ``soc``, on a fine grid."""
    grid = np.linspace(0.0, 1.0, 20001)
    curve = ocv(TABLES, np.full(grid.size, temperature), grid)
    here = float(ocv(TABLES, np.array([temperature]), np.array([soc]))[0])
    alike = np.abs(curve - here) <= voltage
    return float(np.max(np.abs(grid[alike] - soc))) / 3.0


@pytest.mark.verifies("SWR_SOC_010")
@pytest.mark.parametrize("temperature", [-10.0, 25.0])
def test_the_table_is_a_third_of_the_farthest_soc_the_voltage_cannot_tell(
    temperature: float,
) -> None:
    table = plateau_sigma_table(TABLES, VOLTAGE)
    assert table.shape == (TABLES.temperature_degc.size, PLATEAU_GRID_POINTS)
    step = 1.0 / (PLATEAU_GRID_POINTS - 1)
    for soc in (0.05, 0.15, 0.3, 0.46, 0.55, 0.63, 0.7, 0.75, 0.88, 0.97):
        on_grid = round(soc / step) * step
        read = float(plateau_sigma(table, TABLES, np.array([on_grid]), np.array([temperature]))[0])
        # The table scans its own half-point grid: within a grid step of the fine scan.
        assert read == pytest.approx(_brute_force(on_grid, temperature, VOLTAGE), abs=step)


@pytest.mark.verifies("SWR_SOC_010")
def test_the_floor_is_wide_on_the_plateau_narrow_at_the_knee_and_grows_with_the_voltage() -> None:
    soc, temperature = np.array([0.1, 0.55]), np.full(2, 25.0)
    knee, plateau = plateau_sigma(plateau_sigma_table(TABLES, VOLTAGE), TABLES, soc, temperature)
    assert knee < 0.01  # 27 mV per point: the voltage places it
    assert plateau > 0.05  # 0.2-1 mV per point: it does not
    floors = [
        plateau_sigma(plateau_sigma_table(TABLES, v), TABLES, soc, temperature)
        for v in (0.005, 0.015, 0.03)
    ]
    assert np.all(np.diff(floors, axis=0) >= 0.0)
    assert np.all(floors[2] > floors[0])


@pytest.mark.verifies("SWR_SOC_010")
def test_the_floor_is_bilinear_in_temperature_and_holds_its_ends() -> None:
    table = plateau_sigma_table(TABLES, VOLTAGE)
    breakpoints = TABLES.temperature_degc
    soc = np.full(3, 100 / (PLATEAU_GRID_POINTS - 1))  # on the grid: no SoC blend
    column = round(float(soc[0]) * (PLATEAU_GRID_POINTS - 1))
    middle = 0.5 * (breakpoints[0] + breakpoints[1])
    temperatures = np.array([breakpoints[0] - 30.0, middle, breakpoints[-1] + 30.0])
    read = plateau_sigma(table, TABLES, soc, temperatures)
    assert read[0] == pytest.approx(table[0, column])
    assert read[1] == pytest.approx(0.5 * (table[0, column] + table[1, column]))
    assert read[2] == pytest.approx(table[-1, column])


@pytest.mark.verifies("SWR_SOC_010")
def test_an_unsure_start_marks_its_cells_and_a_kept_one_does_not() -> None:
    tuning = SocFilterTuning()
    sigma = np.array([0.01, 0.049, 0.05, 0.3])
    state = initial_ekf_state(4, 0.5, sigma, tuning)
    assert state.plateau_bound is not None
    assert state.plateau_bound.tolist() == [False, False, True, True]
    kept = initial_ekf_state(4, 0.5, 0.01, tuning)
    assert kept.plateau_bound is None
    marked = np.array([True, False, False, False])
    again = initial_ekf_state(4, 0.5, 0.01, tuning, plateau_bound=marked)
    assert again.plateau_bound is not None
    assert again.plateau_bound.tolist() == marked.tolist()
    off = replace(tuning, plateau_voltage_v=0.0)
    assert initial_ekf_state(4, 0.5, sigma, off, plateau_bound=marked).plateau_bound is None


def _drive(
    tuning: SocFilterTuning, sigma: FloatArray, soc: float | FloatArray = 0.55, steps: int = 300
) -> tuple[EkfState, SocEstimate]:
    """``steps`` of a 1 A discharge at 25 degC from ``soc`` (the LFP plateau), read 20 mV low."""
    model = SocEstimator(LFP, sigma.size).model
    start = np.broadcast_to(np.asarray(soc, dtype=np.float64), sigma.shape)
    state = initial_ekf_state(sigma.size, start, sigma, tuning)
    voltages = ocv(model.tables, np.full(sigma.size, 25.0), start) - 0.02
    for _ in range(steps):
        state, out = ekf_step(
            model, tuning, state, cell_voltages_v=voltages, current_a=1.0,
            cell_temperatures_degc=np.full(sigma.size, 25.0), dt_s=0.1,
        )  # fmt: skip
    return state, out


@pytest.mark.verifies("SWR_SOC_010")
def test_the_floor_reaches_the_reported_sigma_of_marked_cells_and_not_the_filter() -> None:
    sigma = np.array([0.3, 0.3])
    tuning = SocFilterTuning()
    state, out = _drive(tuning, sigma)
    plain, plain_out = _drive(replace(tuning, plateau_voltage_v=0.0), sigma)
    # The filter itself is the same to the bit: the floor is on the report only.
    assert np.array_equal(state.x, plain.x)
    assert np.array_equal(state.p, plain.p)
    own = np.sqrt(state.p[0, 0])
    floor = plateau_sigma(
        plateau_sigma_table(TABLES, tuning.plateau_voltage_v), TABLES, state.x[0], np.full(2, 25.0)
    )
    assert np.all(floor > own)  # on the plateau the filter claims more than the OCV gives
    assert np.array_equal(out.soc_sigma, floor)
    assert np.array_equal(plain_out.soc_sigma, own)
    # Only marked cells: unmark one and it reports its own sigma.
    half = replace(state, plateau_bound=np.array([True, False]))
    assert reported_soc_sigma(half).tolist() == [floor[0], own[1]]


@pytest.mark.verifies("SWR_SOC_010")
def test_a_start_with_its_constants_floors_at_once_and_its_first_step_keeps_the_table() -> None:
    tuning = SocFilterTuning()
    model = SocEstimator(LFP, 2).model
    built = step_constants(tuning, 0.1, model.tables, None)
    assert built.plateau_sigma is not None
    sigma = np.full(2, 0.05)  # unsure enough to be marked, less than the plateau's floor
    bare = initial_ekf_state(2, 0.55, sigma, tuning)
    ahead = initial_ekf_state(2, 0.55, sigma, tuning, constants=built)
    assert reported_soc_sigma(bare).tolist() == sigma.tolist()  # no table before a step
    floor = plateau_sigma(built.plateau_sigma, TABLES, np.full(2, 0.55), np.full(2, 25.0))
    assert np.array_equal(reported_soc_sigma(ahead), np.maximum(sigma, floor))
    assert np.all(floor > sigma)
    fed_back = replace(tuning, capacity_uncertainty_pct=2.0)  # another tuning object
    voltages = ocv(model.tables, np.full(2, 25.0), np.full(2, 0.55))

    def step(state: EkfState) -> EkfState:
        return ekf_step(
            model, fed_back, state, cell_voltages_v=voltages, current_a=1.0,
            cell_temperatures_degc=np.full(2, 25.0), dt_s=0.1,
        )[0]  # fmt: skip

    stepped = step(ahead)
    assert stepped.constants is not None
    assert stepped.constants.plateau_sigma is built.plateau_sigma
    own = step(bare)
    assert own.constants is not None
    assert own.constants.plateau_sigma is not built.plateau_sigma


@pytest.mark.verifies("SWR_SOC_010")
def test_a_cell_that_reaches_a_knee_gives_the_floor_up() -> None:
    sigma, soc = np.full(2, 0.3), np.array([0.55, 0.1])  # the plateau; the graphite's knee
    tuning = SocFilterTuning()
    state, out = _drive(tuning, sigma, soc)
    assert state.plateau_bound is not None
    assert state.plateau_bound.tolist() == [True, False]
    assert out.soc_sigma[1] == np.sqrt(state.p[0, 0, 1])  # its own sigma from then on
    kept = soc_to_keep(state, tuning)
    assert kept is not None
    assert kept.plateau_bound is not None
    assert kept.plateau_bound.tolist() == [True, False]  # and none at its next start
    never, _ = _drive(replace(tuning, plateau_release_sigma=0.0), sigma, soc)
    assert never.plateau_bound is not None
    assert never.plateau_bound.tolist() == [True, True]


@pytest.mark.verifies("SWR_SOC_010")
def test_a_steep_ocv_gets_no_floor_unless_the_tuning_asks_for_one() -> None:
    nmc = load_chemistry("NMC_Chen2020")
    model = SocEstimator(nmc, 1).model
    soc = np.array([0.88])  # the NMC cell's flat stretch
    voltage = ocv(model.tables, np.array([25.0]), soc)
    for wanted, floored in ((None, False), (True, True)):
        tuning = SocFilterTuning(plateau_floor=wanted, plateau_voltage_v=0.04)  # a wide floor
        state = initial_ekf_state(1, soc, 0.06, tuning)
        assert state.plateau_bound is not None  # marked at the start, whatever the chemistry
        for _ in range(300):  # at rest: the filter's own sigma falls below the floor
            state, out = ekf_step(
                model, tuning, state, cell_voltages_v=voltage, current_a=0.0,
                cell_temperatures_degc=np.array([25.0]), dt_s=0.1,
            )  # fmt: skip
        own = float(np.sqrt(state.p[0, 0, 0]))
        assert (state.plateau_bound is not None) == floored  # no floor: the mark is dropped
        assert (float(out.soc_sigma[0]) > own) == floored


@pytest.mark.verifies("SWR_SOC_010", "SWR_SOC_008")
def test_the_key_off_keeps_the_marks_and_the_next_start_takes_them() -> None:
    tuning = SocFilterTuning()
    state, _ = _drive(tuning, np.array([0.3, 0.01]))
    kept = soc_to_keep(state, tuning)
    assert kept is not None
    assert kept.plateau_bound is not None
    assert kept.plateau_bound.tolist() == [True, False]
    assert np.array_equal(kept.sigma, np.sqrt(state.p[0, 0]))  # the filter's, not the floor
    restarted = kept_start(kept, tuning)
    assert restarted.plateau_bound is not None
    assert restarted.plateau_bound.tolist() == [True, False]  # though its sigma is small now
