"""Tests of bms/controller/_estimating.py: the estimation channel, function by function.

Covers (the closed-loop behaviour is in test_controller.py, test_charging.py,
test_capacity.py and test_key_on.py): the SoC filter runs only on an
estimation step and only with a cell model, and a frame with the wrong
number of cell voltages marks the estimate failed instead of raising; the
plating cap puts the charge limit at 0 A with a reason naming the error
when its computation raises; the first filter step of an LFP pack keeps the
plateau's table its context built instead of building one; the charge is
counted for the coulomb bound
only when there is a plating cap; the key-on window samples the cell
current while the contactors are open, and nothing without a cell model.
"""

from dataclasses import replace
from typing import Any

import pytest

import bms.controller._estimating as estimating_module
from bms.cell import cell_model, load_chemistry
from bms.config import load_config, shipped_pack_path
from bms.contactor import ContactorMachine, ContactorState
from bms.controller import ControllerContext, ControllerState
from bms.controller._estimating import account_charge, cap_plating, estimate, key_on
from bms.protection import ProtectionReport
from verification.bms.unit.controller.frames import frame

CONFIG = load_config()
NMC = load_chemistry("NMC_Chen2020")
MODEL = cell_model(NMC)
CONTEXT = ControllerContext(CONFIG, model=MODEL, chemistry=NMC)
BARE = ControllerContext(CONFIG)


def _report(current_a: float) -> ProtectionReport:
    return ProtectionReport((), False, False, 100.0, 100.0, current_a)


@pytest.mark.verifies("SWR_CTRL_EST_001")
def test_the_filter_runs_on_estimation_steps_with_a_model_only() -> None:
    every = CONFIG.pack.estimation_period_ms // CONFIG.pack.protection_period_ms
    inputs = frame(0)
    off_period = ControllerState(step=2)
    assert estimate(off_period, inputs, _report(0.0), CONTEXT) is off_period
    first = ControllerState(step=1)
    assert estimate(first, inputs, _report(0.0), BARE) is first
    ran = estimate(first, inputs, _report(0.0), CONTEXT)
    assert ran.estimator is not None
    assert ran.soc is not None
    assert not ran.estimation_failed
    assert estimate(ControllerState(step=1 + every), inputs, _report(0.0), CONTEXT).soc is not None


@pytest.mark.verifies("SWR_CTRL_EST_001", "SWR_SOC_010")
def test_the_first_filter_step_keeps_the_plateau_table_its_context_built() -> None:
    lfp = load_chemistry("LFP_Prada2013")
    pack = load_config(shipped_pack_path("lfp_96s"))
    context = ControllerContext(pack, model=cell_model(lfp), chemistry=lfp)
    built = context.filter_constants
    assert built is not None
    assert built.plateau_sigma is not None
    cells = pack.pack.series_count
    inputs = frame(0).model_copy(update={"cell_voltages_v": (3.3,) * cells})
    ran = estimate(ControllerState(step=1), inputs, _report(0.0), context)
    assert ran.estimator is not None
    assert ran.estimator.constants is not None
    assert ran.estimator.constants.plateau_sigma is built.plateau_sigma  # not built again


@pytest.mark.verifies("SWR_CTRL_EST_001", method="fault_injection")
def test_a_frame_with_the_wrong_cell_count_fails_the_estimate_without_raising() -> None:
    cells = CONFIG.pack.series_count - 1  # past the frame's validation, as a caller could
    short = frame(0).model_copy(update={"cell_voltages_v": (3.7,) * cells})
    failed = estimate(ControllerState(step=1), short, _report(0.0), CONTEXT)
    assert failed.estimation_failed
    assert failed.estimator is None


@pytest.mark.verifies("SWR_PLAT_005", method="fault_injection")
def test_a_failing_plating_cap_limits_the_charge_to_zero_with_its_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise FloatingPointError("injected")

    monkeypatch.setattr(estimating_module, "plating_charge_limit", broken)
    assert CONTEXT.plating is not None
    state = cap_plating(ControllerState(), frame(0), CONFIG, CONTEXT.plating, 0.05)
    assert state.plating_charge_a == 0.0
    assert state.plating_reason is not None
    assert "FloatingPointError" in state.plating_reason


@pytest.mark.verifies("SWR_PLAT_005")
def test_the_charge_is_counted_only_with_a_plating_cap() -> None:
    start = ControllerState()
    assert account_charge(start, _report(-50.0), BARE) is start
    counted = account_charge(start, _report(-50.0), CONTEXT)
    assert counted.charge_bound != start.charge_bound


@pytest.mark.verifies("SWR_CTRL_EST_002")
def test_the_key_on_window_samples_while_open_and_only_with_a_model() -> None:
    machine = replace(ContactorMachine(), state=ContactorState.OPEN)
    open_state = ControllerState(contactors=machine)
    sampled = key_on(open_state, True, _report(0.2), CONTEXT)
    assert sampled.key_on != open_state.key_on
    assert key_on(open_state, True, _report(0.2), BARE) is open_state
