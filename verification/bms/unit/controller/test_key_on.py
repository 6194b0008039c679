"""Tests of the controller's key-on current-offset calibration (SWR_CTRL_EST_002).

Covers, with a chemistry: a current read while the contactors are open
becomes every cell's offset in the SoC filter and the capacity tracker's
once they close (the pack
reading over the parallel count, its variance the noise floor over the
sample count); a reading beyond the current sensors' accuracy is refused
with a warning ``current_offset_implausible`` naming it, which stays until a
later key-on succeeds; fewer than ten samples (a dwell in OPEN shorter than
100 ms) change nothing; without a chemistry nothing is sampled.
"""

from typing import Any

import numpy as np
import pytest

from bms.config import load_config
from bms.controller import BmsController, ControllerStatus
from bms.estimation import SocFilterTuning
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry
from verification.bms.unit.controller.test_controller import Rig

CONFIG = load_config()
PARALLEL = CONFIG.pack.parallel_count
WARNING = "current_offset_implausible"


def _key_on(
    open_steps: int, pack_current_a: float, rig: Rig | None = None, connects: bool = True
) -> tuple[Rig, Any]:
    """``open_steps`` steps open reading ``pack_current_a`` on both sensors, then a close request.

    Precharge ends only below 1 A (``precharge_done_current_a``), so a larger
    reading leaves the contactors precharging (``connects=False``).
    """
    rig = rig or Rig(BmsController(CONFIG, chemistry=synthetic_chemistry()))
    current = (pack_current_a, pack_current_a)
    rig.run(open_steps, current_a=current)
    outputs = rig.run(60, close=True, current_a=current)
    expected = ControllerStatus.CONNECTED if connects else ControllerStatus.PRECHARGING
    assert outputs.status is expected
    return rig, outputs


def _offset_state(rig: Rig) -> tuple[np.ndarray, np.ndarray]:
    estimator = rig.controller.state.estimator
    assert estimator is not None
    return estimator.x[3], estimator.p[3, 3]


@pytest.mark.verifies("SWR_CTRL_EST_002")
def test_the_current_read_while_open_becomes_the_filters_offset() -> None:
    rig, outputs = _key_on(100, 1.0)
    offset, variance = _offset_state(rig)
    # Calibrated to 1.0 A / 20 = 50 mA per cell; the filter has run 6 steps since.
    assert np.allclose(offset, 1.0 / PARALLEL, atol=2e-3)
    assert float(variance.max()) < (SocFilterTuning().initial_bias_sigma_a / 10.0) ** 2
    assert WARNING not in [f.fault for f in outputs.faults]
    assert rig.controller.state.pending_offset is None
    # and the capacity tracker's: it counts charge less the key-on's offset (SWR_SOH_005)
    capacity = rig.controller.state.capacity
    assert capacity is not None
    assert capacity.tracker.offset_a == pytest.approx(1.0 / PARALLEL)
    assert 0.0 < capacity.tracker.offset_sigma_a**2 < float(variance.max())


@pytest.mark.verifies("SWR_CTRL_EST_002", method="fault_injection")
def test_an_implausible_reading_is_refused_and_warned_until_the_next_key_on() -> None:
    # 0.25 A per cell, beyond the hall sensor's 2 A / 20 (and precharge never ends).
    rig, outputs = _key_on(100, 5.0, connects=False)
    warnings = [f for f in outputs.faults if f.fault == WARNING]
    assert len(warnings) == 1
    assert not warnings[0].latched
    assert "+0.250 A" in warnings[0].reason
    assert outputs.latched_faults == ()
    offset, _ = _offset_state(rig)
    assert float(np.max(np.abs(offset))) < 0.1  # not taken: the filter's own estimate
    still = rig.run(50, close=False, current_a=(0.4, 0.4))  # open again (sampled too)
    assert still.status is ControllerStatus.STANDBY
    assert WARNING in [f.fault for f in still.faults]
    _, again = _key_on(100, 0.4, rig)
    assert WARNING not in [f.fault for f in again.faults]
    offset, _ = _offset_state(rig)
    assert np.allclose(offset, 0.4 / PARALLEL, atol=2e-3)


@pytest.mark.verifies("SWR_CTRL_EST_002")
def test_too_few_samples_change_nothing() -> None:
    # The reference pack's 200 ms dwell in OPEN gives 20 samples; a 50 ms dwell gives 5.
    sequence = CONFIG.protection.contactor_sequence.model_copy(update={"minimum_dwell_ms": 50})
    protection = CONFIG.protection.model_copy(update={"contactor_sequence": sequence})
    config = CONFIG.model_copy(update={"protection": protection})
    rig = Rig(BmsController(config, chemistry=synthetic_chemistry()))
    rig, outputs = _key_on(0, 1.0, rig)
    offset, variance = _offset_state(rig)
    assert float(np.max(np.abs(offset))) < 0.02  # not 50 mA: not calibrated
    assert float(variance.min()) > (SocFilterTuning().initial_bias_sigma_a / 2.0) ** 2
    assert WARNING not in [f.fault for f in outputs.faults]


@pytest.mark.verifies("SWR_CTRL_EST_002")
def test_without_a_chemistry_nothing_is_sampled() -> None:
    rig = Rig(BmsController(CONFIG))
    rig.run(50, current_a=(1.0, 1.0))
    assert rig.controller.state.key_on.samples == 0
