"""MC/DC tests of bms/protection/_monitor.py (SWR_PROT_PLAUS_006).

Covers the condition the main tests leave without independent effect: when
the isolation readings go stale while the sample streams are already stale,
the frozen-stream fault keeps the streams' reason (the isolation check does
not overwrite a stale-data level that is already raised); with fresh streams
the same isolation age raises the fault with the isolation reason.
"""

from dataclasses import replace

import numpy as np
import pytest

from bms.config import load_config
from bms.protection import FaultId, ProtectionSample, ProtectionState, step_protection

CONFIG = load_config()
PROTECTION = CONFIG.protection
PERIOD = CONFIG.pack.protection_period_ms
STALE_STEPS = (
    PROTECTION.plausibility.max_stale_periods * PROTECTION.isolation.sample_period_ms // PERIOD
)


def _healthy(**changes: object) -> ProtectionSample:
    base = ProtectionSample(
        cell_voltages_v=np.linspace(3.70, 3.72, 96),
        cell_temperatures_degc=np.full(32, 25.0),
        currents_a=np.array([10.0, 10.2]),
        pack_voltage_v=355.0,
        isolation_resistance_ohm=2e6,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _stale_reason(samples: list[ProtectionSample]) -> str:
    state = ProtectionState()
    for sample in samples:
        state, report = step_protection(state, sample, reset=False, config=CONFIG)
    return next(s.reason for s in report.faults if s.fault is FaultId.STALE_DATA)


@pytest.mark.verifies("SWR_PROT_PLAUS_006", method="fault_injection")
def test_stale_isolation_does_not_overwrite_a_raised_stale_stream() -> None:
    both = _healthy(
        isolation_fresh=False, cells_fresh=False, temperatures_fresh=False, current_fresh=False
    )
    only_isolation = _healthy(isolation_fresh=False)
    streams = _stale_reason([_healthy()] + [both] * (STALE_STEPS + 2))
    isolation = _stale_reason([_healthy()] + [only_isolation] * (STALE_STEPS + 2))
    assert "isolation" in isolation
    assert "isolation" not in streams
    assert streams
