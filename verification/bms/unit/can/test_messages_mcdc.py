"""MC/DC support tests of bms/can/_messages.py (SWR_CAN_001).

Covers the premises of the written MC/DC justifications for this module
(``verification/mcdc_justifications.toml``): every signal of the shipped
CAN database declares a minimum and a maximum (so ``_saturate``'s fallback
for a missing bound is never taken), and the fault-signal table has one
entry per single-bit fault flag, none for ``FaultFlag.NONE``, each with a
non-empty name (iterating a ``Flag`` yields only its named single-bit
members).
"""

import pytest

from bms.can import FAULT_SIGNALS, FaultFlag, can_database


@pytest.mark.verifies("SWR_CAN_001")
def test_every_signal_declares_its_range() -> None:
    signals = [s for m in can_database().messages for s in m.signals]
    assert signals
    assert all(s.minimum is not None and s.maximum is not None for s in signals)


@pytest.mark.verifies("SWR_CAN_001")
def test_fault_signal_table_has_one_named_entry_per_bit() -> None:
    assert FaultFlag.NONE not in list(FaultFlag)
    assert FaultFlag.NONE not in FAULT_SIGNALS
    assert set(FAULT_SIGNALS) == set(FaultFlag)
    assert all(flag.name and flag.value.bit_count() == 1 for flag in FAULT_SIGNALS)
    assert all(FAULT_SIGNALS.values())
