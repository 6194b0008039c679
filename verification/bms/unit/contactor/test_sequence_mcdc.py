"""MC/DC tests of bms/contactor/_sequence.py (SWR_CONT_WELD_001).

Covers the condition the main tests leave without independent effect: the
weld check by the link voltage takes an infinite pack voltage, like one of
0 V, as unknown (reference 0 V), so a link voltage that a finite pack
voltage explains (below the weld fraction of it) counts as a weld when the
pack voltage reads infinite or zero; with no link voltage left there is no
weld either way. A close request withdrawn during the precharge (no
forced opening) opens at once (SWR_CONT_PRE_001); a pack voltage of 0 V
never counts as precharged, even with link voltage and current at zero
(SWR_CONT_PRE_001).
"""

import math
from dataclasses import replace

import pytest

from bms.config import load_config
from bms.contactor import (
    ContactorCommands,
    ContactorInputs,
    ContactorMachine,
    ContactorState,
    step_contactors,
)

CONFIG = load_config()
PERIOD = CONFIG.pack.protection_period_ms
SEQUENCE = CONFIG.protection.contactor_sequence
PACK_V = 355.0
IDLE = ContactorInputs(
    close_request=False,
    force_open=False,
    reset_request=False,
    pack_voltage_v=PACK_V,
    link_voltage_v=0.0,
    current_a=0.0,
    feedback=ContactorCommands(),
)


def _after_start_up_weld_check(inputs: ContactorInputs) -> ContactorMachine:
    machine = ContactorMachine()
    for _ in range(-(-SEQUENCE.weld_check_ms // PERIOD) + 1):
        machine, _ = step_contactors(machine, inputs, CONFIG)
    return machine


@pytest.mark.verifies("SWR_CONT_WELD_001", method="fault_injection")
@pytest.mark.parametrize(
    ("pack_v", "link_v", "welded"),
    [
        (PACK_V, 10.0, ()),
        (math.inf, 10.0, ("link",)),
        (math.inf, 0.0, ()),
        (0.0, 10.0, ("link",)),
    ],
)
def test_link_weld_check_with_an_unusable_pack_voltage(
    pack_v: float, link_v: float, welded: tuple[str, ...]
) -> None:
    machine = _after_start_up_weld_check(
        replace(IDLE, pack_voltage_v=pack_v, link_voltage_v=link_v)
    )
    assert machine.welded == welded
    expected = ContactorState.WELDED if welded else ContactorState.OPEN
    assert machine.state is expected


@pytest.mark.verifies("SWR_CONT_PRE_001")
def test_close_request_withdrawn_during_precharge_opens() -> None:
    machine = _after_start_up_weld_check(IDLE)
    states = [machine.state]
    closing = replace(IDLE, close_request=True)
    for _ in range(200):
        if machine.state is ContactorState.PRECHARGING:
            break
        machine, _ = step_contactors(machine, closing, CONFIG)
        states.append(machine.state)
    assert states[0] is ContactorState.OPEN
    assert states[-1] is ContactorState.PRECHARGING
    kept, _ = step_contactors(machine, closing, CONFIG)
    assert kept.state is ContactorState.PRECHARGING
    zero = replace(closing, pack_voltage_v=0.0, link_voltage_v=0.0, current_a=0.0)
    assert step_contactors(machine, zero, CONFIG)[0].state is ContactorState.PRECHARGING
    charged = replace(closing, link_voltage_v=PACK_V)
    assert step_contactors(machine, charged, CONFIG)[0].state is ContactorState.CLOSED
    dropped, output = step_contactors(machine, IDLE, CONFIG)
    assert dropped.state is ContactorState.OPENING
    assert not output.commands.precharge
