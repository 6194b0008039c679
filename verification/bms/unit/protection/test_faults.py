"""Tests of bms/protection/_faults.py: the reaction table.

Covers: every fault's latched tier opens the contactors; every fault has a
warning reaction weaker than the safe state; the physical limits derate at
their warning tier.
"""

import pytest

from bms.protection import FaultId, Reaction, fault_reaction, warning_reaction


@pytest.mark.verifies("SWR_PROT_REACT_001")
@pytest.mark.parametrize("fault", list(FaultId))
def test_every_fault_tier_opens_the_contactors(fault: FaultId) -> None:
    assert fault_reaction(fault) is Reaction.OPEN_CONTACTORS
    assert Reaction.WARN <= warning_reaction(fault) < Reaction.OPEN_CONTACTORS


@pytest.mark.verifies("SWR_PROT_REACT_001")
@pytest.mark.parametrize(
    "fault",
    [
        FaultId.CELL_OVER_VOLTAGE,
        FaultId.CELL_UNDER_VOLTAGE,
        FaultId.CHARGE_OVER_CURRENT,
        FaultId.DISCHARGE_OVER_CURRENT,
        FaultId.CHARGE_OVER_TEMPERATURE,
        FaultId.DISCHARGE_UNDER_TEMPERATURE,
        FaultId.COMMUNICATION_TIMEOUT,
    ],
)
def test_physical_warnings_derate(fault: FaultId) -> None:
    assert warning_reaction(fault) is Reaction.DERATE
