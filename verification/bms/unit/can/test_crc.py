"""Tests of bms/can/_crc.py against SWR_CAN_002.

Covers: the standard check value of CRC-8 SAE J1850 (0x4B for "123456789"),
the empty input, back-to-back agreement with an independent bitwise
implementation for any bytes (hypothesis), the data id entering the CRC
low byte first, and only its low 16 bits.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.can import crc8_sae_j1850, e2e_crc


def bitwise_j1850(data: bytes) -> int:
    """Reference: polynomial 0x1D, init 0xFF, no reflection, final XOR 0xFF."""
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1D) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc ^ 0xFF


@pytest.mark.verifies("SWR_CAN_002")
def test_standard_check_value() -> None:
    assert crc8_sae_j1850(b"123456789") == 0x4B
    assert bitwise_j1850(b"123456789") == 0x4B


@pytest.mark.verifies("SWR_CAN_002")
def test_empty_input() -> None:
    assert crc8_sae_j1850(b"") == 0x00  # 0xFF init, no byte, 0xFF xor-out


@pytest.mark.verifies("SWR_CAN_002", method="back_to_back")
@given(st.binary(max_size=16))
def test_agrees_with_bitwise_reference(data: bytes) -> None:
    assert crc8_sae_j1850(data) == bitwise_j1850(data)


@pytest.mark.verifies("SWR_CAN_002")
@given(st.integers(min_value=0, max_value=0xFFFF), st.binary(max_size=7))
def test_data_id_low_byte_first(data_id: int, payload: bytes) -> None:
    expected = bitwise_j1850(bytes((data_id & 0xFF, data_id >> 8)) + payload)
    assert e2e_crc(data_id, payload) == expected
    assert e2e_crc(data_id + 0x10000, payload) == expected
