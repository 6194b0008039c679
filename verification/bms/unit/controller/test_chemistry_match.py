"""Tests of bms/controller/_chemistry_match.py: the chemistry must describe the pack's cell.

Covers: each shipped pack with its own chemistry has no mismatch and starts;
each with the other's is refused before the first step, every disagreeing
field named (label, rated capacity, voltage range) with both files' names;
the label is compared without case; the rated capacity's tolerance is 10 %
either way; a chemistry whose voltage range leaves the cell's absolute
window is refused at either end; each shipped pack finds its shipped
chemistry, a pack of a cell none describes finds none.
"""

import pytest

from bms.cell import Chemistry, load_chemistry
from bms.config import BmsConfig, load_config, shipped_pack_path
from bms.controller import BmsController
from bms.controller._chemistry_match import (
    CAPACITY_TOLERANCE,
    chemistry_mismatches,
    shipped_chemistry_for,
)
from bms.errors import ConfigError

NMC_PACK = load_config(shipped_pack_path("nmc_96s"))
LFP_PACK = load_config(shipped_pack_path("lfp_96s"))
NMC = load_chemistry("NMC_Chen2020")
LFP = load_chemistry("LFP_Prada2013")


def _fields(pack: BmsConfig, chemistry: Chemistry) -> list[str]:
    return [problem.field for problem in chemistry_mismatches(pack, chemistry)]


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
def test_each_shipped_pack_takes_its_own_chemistry() -> None:
    assert _fields(NMC_PACK, NMC) == []
    assert _fields(LFP_PACK, LFP) == []
    BmsController(LFP_PACK, chemistry=LFP)
    BmsController(NMC_PACK, chemistry=NMC)


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
def test_an_lfp_chemistry_under_the_nmc_pack_is_refused_naming_each_field() -> None:
    with pytest.raises(ConfigError) as raised:
        BmsController(NMC_PACK, chemistry=LFP)
    fields = [problem.field for problem in raised.value.problems]
    assert fields == ["cell.chemistry", "cell.nominal_capacity_ah", "cell.absolute_min_voltage_v"]
    text = str(raised.value)
    assert "'NMC 96s20p reference pack'" in text
    assert "'LFP_Prada2013'" in text
    assert "'NMC'" in text
    assert "'LFP'" in text


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
def test_an_nmc_chemistry_under_the_lfp_pack_is_refused() -> None:
    assert _fields(LFP_PACK, NMC) == [
        "cell.chemistry",
        "cell.nominal_capacity_ah",
        "cell.absolute_max_voltage_v",  # 4.2 V above the LFP cell's 3.8 V
    ]
    BmsController(LFP_PACK)  # without a chemistry there is nothing to match


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
def test_the_label_is_compared_without_case() -> None:
    assert _fields(LFP_PACK, LFP.model_copy(update={"chemistry": " lfp"})) == []
    assert _fields(LFP_PACK, LFP.model_copy(update={"chemistry": "LMFP"})) == ["cell.chemistry"]


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
@pytest.mark.parametrize(
    ("ratio", "refused"),
    [(1.0 - CAPACITY_TOLERANCE - 0.005, True), (1.0 - CAPACITY_TOLERANCE + 0.005, False),
     (1.0 + CAPACITY_TOLERANCE - 0.005, False), (1.0 + CAPACITY_TOLERANCE + 0.005, True)],
)  # fmt: skip
def test_the_rated_capacity_may_differ_by_ten_percent(ratio: float, refused: bool) -> None:
    rated = LFP_PACK.cell.nominal_capacity_ah
    chemistry = LFP.model_copy(update={"nominal_capacity_ah": rated * ratio})
    assert (_fields(LFP_PACK, chemistry) == ["cell.nominal_capacity_ah"]) is refused


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
def test_a_voltage_range_beyond_the_absolute_window_is_refused_at_either_end() -> None:
    low = LFP.model_copy(update={"min_voltage_v": LFP_PACK.cell.absolute_min_voltage_v - 0.01})
    high = LFP.model_copy(update={"max_voltage_v": LFP_PACK.cell.absolute_max_voltage_v + 0.01})
    edge = LFP.model_copy(
        update={
            "min_voltage_v": LFP_PACK.cell.absolute_min_voltage_v,
            "max_voltage_v": LFP_PACK.cell.absolute_max_voltage_v,
        }
    )
    assert _fields(LFP_PACK, low) == ["cell.absolute_min_voltage_v"]
    assert _fields(LFP_PACK, high) == ["cell.absolute_max_voltage_v"]
    assert _fields(LFP_PACK, edge) == []


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
def test_each_shipped_pack_finds_its_shipped_chemistry() -> None:
    assert shipped_chemistry_for(NMC_PACK) == NMC
    assert shipped_chemistry_for(LFP_PACK) == LFP
    nca = LFP_PACK.model_copy(
        update={"cell": LFP_PACK.cell.model_copy(update={"chemistry": "NCA"})}
    )
    assert shipped_chemistry_for(nca) is None
