"""Tests of verification/scripts/balancing_validation.py's choice of pack file.

Covers: every chemistry the script cycles takes its limits from a shipped
pack file that the controller would run with that chemistry
(``bms.controller.chemistry_mismatches`` finds nothing; an LFP run under
the NMC pack's balancing voltage floor or derating would score a pack
nobody ships).
"""

import pytest

from bms.cell import load_chemistry
from bms.controller import chemistry_mismatches

from ._scripts import load_script

balancing_validation = load_script("balancing_validation")


def test_every_cycled_chemistry_has_a_pack() -> None:
    assert set(balancing_validation.PACKS) == set(balancing_validation.CYCLE_VOLTAGES)


@pytest.mark.parametrize("chemistry", sorted(balancing_validation.PACKS))
def test_each_chemistry_runs_under_its_own_shipped_pack(chemistry: str) -> None:
    config = balancing_validation.pack_config(chemistry)
    assert chemistry_mismatches(config, load_chemistry(chemistry)) == []
