"""Tests of bms/can/_dbc.py and bms/can/bms.dbc against SWR_CAN_001 and SWR_CAN_002.

Covers: the DBC ships in the package and parses strictly; it holds the
status, limits, cell statistics, faults, command and crash messages; the
five safety-relevant messages carry a data id, a period, a CRC byte 0 and a
counter in the low nibble of byte 1, with distinct data ids; the cell
statistics are not protected (asking for them is an error); timeout is
three periods.
"""

from importlib import resources

import pytest

from bms.can import DBC_NAME, TIMEOUT_PERIODS, can_database, protected_message

PROTECTED = ("BMS_Status", "BMS_Limits", "BMS_Faults", "VCU_Command", "VCU_Crash")


@pytest.mark.verifies("SWR_CAN_001")
def test_dbc_is_package_data_with_every_message() -> None:
    assert resources.files("bms.can").joinpath(DBC_NAME).is_file()
    names = {message.name for message in can_database().messages}
    assert names == {*PROTECTED, "BMS_CellVoltages", "BMS_CellTemperatures"}


@pytest.mark.verifies("SWR_CAN_002")
@pytest.mark.parametrize("name", PROTECTED)
def test_protected_messages_layout(name: str) -> None:
    spec = protected_message(name)
    message = can_database().get_message_by_name(name)
    crc = message.get_signal_by_name("CRC")
    counter = message.get_signal_by_name("AliveCounter")
    assert (crc.start, crc.length) == (0, 8)
    assert (counter.start, counter.length, counter.maximum) == (8, 4, 14)
    assert spec.arbitration_id == message.frame_id
    assert spec.length == message.length
    assert spec.timeout_ms == TIMEOUT_PERIODS * spec.period_ms
    assert spec.period_ms > 0


@pytest.mark.verifies("SWR_CAN_002")
def test_data_ids_are_distinct_and_periods_as_specified() -> None:
    specs = [protected_message(name) for name in PROTECTED]
    assert len({spec.data_id for spec in specs}) == len(specs)
    assert protected_message("VCU_Command").timeout_ms == 300
    assert protected_message("VCU_Crash").timeout_ms == 60


@pytest.mark.parametrize("name", ["BMS_CellVoltages", "BMS_CellTemperatures", "NoSuchMessage"])
def test_unprotected_or_unknown_message_is_rejected(name: str) -> None:
    with pytest.raises(KeyError):
        protected_message(name)
