"""Tests of bms/controller/_state.py: the controller's state and the context it derives once.

Covers: the context's current accuracy per cell is the least accurate
sensor's over the parallel count; the plating cap is derived only with both
a chemistry and a cell model, and counts with the smallest capacity over
temperature times the model's smallest capacity scale, with the map's
tables (none for a chemistry without a map); the SoC filter's step
constants are built with a model, for the estimation period, with the
plateau's table on the flat LFP cell only; a fresh state has run no step
and holds no estimate.
"""

import pytest

from bms.cell import cell_model, load_chemistry
from bms.config import load_config, shipped_pack_path
from bms.controller import ControllerContext, ControllerState

CONFIG = load_config()
NMC = load_chemistry("NMC_Chen2020")


@pytest.mark.verifies("SWR_CTRL_EST_002", "SWR_PLAT_005")
def test_the_current_accuracy_per_cell_is_the_least_accurate_sensors() -> None:
    # bms/config/nmc_96s.toml: sensors of 0.5 A and 2.0 A, 20 cells in parallel.
    assert [sensor.accuracy_a for sensor in CONFIG.pack.current_sensors] == [0.5, 2.0]
    assert CONFIG.pack.parallel_count == 20
    assert ControllerContext(CONFIG).cell_current_accuracy_a == pytest.approx(2.0 / 20)


@pytest.mark.verifies("SWR_PLAT_005")
def test_the_plating_cap_needs_a_chemistry_and_a_model() -> None:
    model = cell_model(NMC, capacity_scale=0.9)
    assert ControllerContext(CONFIG, model=model).plating is None
    assert ControllerContext(CONFIG, chemistry=NMC).plating is None
    cap = ControllerContext(CONFIG, model=model, chemistry=NMC).plating
    assert cap is not None
    assert cap.tables is not None
    unmapped = ControllerContext(
        CONFIG, model=model, chemistry=NMC.model_copy(update={"plating": None})
    )
    assert unmapped.plating is not None
    assert unmapped.plating.tables is None  # the cap is then 0 A (test_charging.py)


@pytest.mark.verifies("SWR_CTRL_EST_001")
def test_the_filter_constants_are_built_with_the_context_for_the_estimation_period() -> None:
    assert ControllerContext(CONFIG).filter_constants is None
    nmc = ControllerContext(CONFIG, model=cell_model(NMC)).filter_constants
    assert nmc is not None
    assert nmc.dt_s == pytest.approx(CONFIG.pack.estimation_period_ms / 1000.0)
    assert nmc.plateau_sigma is None  # a steep OCV keeps no plateau floor
    lfp = load_chemistry("LFP_Prada2013")
    lfp_pack = load_config(shipped_pack_path("lfp_96s"))
    built = ControllerContext(lfp_pack, model=cell_model(lfp)).filter_constants
    assert built is not None
    assert built.plateau_sigma is not None


@pytest.mark.verifies("SWR_CTRL_STEP_001")
def test_a_fresh_state_has_run_nothing() -> None:
    state = ControllerState()
    assert state.step == 0
    assert state.estimator is None
    assert state.soc is None
    assert state.capacity is None
    assert not state.internal_fault
    assert state.latched == ()
