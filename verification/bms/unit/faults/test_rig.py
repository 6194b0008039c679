"""Tests of bms/faults/_rig.py: the closed-loop plant of the campaign.

Covers: a fresh rig is at rest with the link discharged; contactor feedback
follows the command only after the mechanical delay; the link charges
through the precharge path (with a small current) and follows the pack once
the mains close; the vehicle's current obeys the BMS limits unless a fault
overrides it; a welded contactor stays closed; frames have the configured
counts, ``VCU_Command`` arrives every tenth step and ``VCU_Crash`` every
second one, both passing the E2E receiver; the same seed gives the same
frames.
"""

import pytest

from bms.can import E2eStatus, protected_message
from bms.cell import load_chemistry
from bms.config import load_config
from bms.controller import ContactorCommandOutput, VehicleReceiver, receive_vehicle
from bms.faults import OperatingPoint, PackRig

CONFIG = load_config()
CHEMISTRY = load_chemistry("NMC_Chen2020")
DRIVING = OperatingPoint("driving", 25.0, 0.8)
OPEN = ContactorCommandOutput(main_positive=False, main_negative=False, precharge=False)
PRECHARGE = ContactorCommandOutput(main_positive=False, main_negative=True, precharge=True)
CLOSED = ContactorCommandOutput(main_positive=True, main_negative=True, precharge=False)


def rig(seed: int = 3) -> PackRig:
    return PackRig(CONFIG, CHEMISTRY, DRIVING, seed=seed)


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_frame_shape_and_messages() -> None:
    plant = rig()
    frames = []
    for _ in range(20):
        frames.append(plant.frame(close_request=True))
        plant.advance(OPEN)
    assert len(frames[0].cell_voltages_v) == CONFIG.pack.series_count
    assert len(frames[0].cell_temperatures_degc) == CONFIG.pack.temperature_sensor_count
    ids = [frame.arbitration_id for f in frames for frame in f.can_rx]
    assert ids.count(protected_message("VCU_Command").arbitration_id) == 2
    assert ids.count(protected_message("VCU_Crash").arbitration_id) == 10
    receiver = VehicleReceiver()
    for index, f in enumerate(frames):
        receiver, reception = receive_vehicle(receiver, f.can_rx, index * 10)
        assert reception.corrupt == ""
        assert E2eStatus.TIMEOUT not in reception.statuses
    assert frames[0].link_voltage_v == 0.0


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_precharge_then_close_then_open() -> None:
    plant = rig()
    delay_steps = plant.parameters.contactor_delay_ms // CONFIG.pack.protection_period_ms
    for _ in range(delay_steps):
        plant.advance(PRECHARGE)
        assert not plant.closed.precharge_closed
    for _ in range(100):
        plant.advance(PRECHARGE)
    assert plant.closed.precharge_closed
    assert plant.link_v == pytest.approx(plant.pack_voltage_v, rel=0.02)
    assert abs(plant.current_a) < CONFIG.protection.contactor_sequence.precharge_done_current_a
    plant.limits_a = (100.0, 15.0)
    for _ in range(10):
        plant.advance(CLOSED)
    assert plant.closed.main_positive_closed
    assert plant.current_a == pytest.approx(15.0)  # the driving demand, capped by the limit
    plant.override_current_a = 400.0
    plant.advance(CLOSED)
    assert plant.current_a == 400.0
    for _ in range(10):
        plant.advance(OPEN)
    assert plant.link_v < 0.5 * plant.pack_voltage_v
    assert plant.current_a == 0.0


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_welded_contactor_stays_closed() -> None:
    plant = rig()
    for _ in range(5):
        plant.advance(CLOSED)
    for _ in range(10):
        plant.advance(OPEN, frozenset({"main_positive"}))
    assert plant.closed.main_positive_closed
    assert not plant.closed.main_negative_closed


def test_same_seed_same_frames() -> None:
    assert rig(5).frame(True) == rig(5).frame(True)
    assert rig(5).frame(True) != rig(6).frame(True)
