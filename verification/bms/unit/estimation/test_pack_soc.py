"""Tests of bms/estimation/_pack_soc.py against SWR_SOC_006.

Covers: charge uses the highest cell, discharge the lowest; the displayed
SoC equals the cell SoC of a balanced pack, is 0 when a cell is empty and 1
when a cell is full; non-finite cells are ignored; no finite cell gives the
conservative values; the sigma is the largest cell sigma.
"""

import math

import numpy as np
import pytest

from bms.estimation import pack_soc


@pytest.mark.verifies("SWR_SOC_006")
def test_charge_uses_the_highest_and_discharge_the_lowest() -> None:
    result = pack_soc(np.array([0.4, 0.7, 0.5]), np.array([0.01, 0.02, 0.03]))
    assert (result.for_charge, result.for_discharge) == (0.7, 0.4)
    assert result.displayed == pytest.approx(0.4 / (1.0 - 0.7 + 0.4))
    assert result.sigma == 0.03


@pytest.mark.verifies("SWR_SOC_006")
@pytest.mark.parametrize(
    ("cells", "displayed"),
    [([0.6, 0.6], 0.6), ([0.0, 0.3], 0.0), ([0.8, 1.0], 1.0), ([0.0, 1.0], 0.0)],
)
def test_displayed_end_points(cells: list[float], displayed: float) -> None:
    assert pack_soc(np.array(cells), np.zeros(2)).displayed == pytest.approx(displayed)


@pytest.mark.verifies("SWR_SOC_006")
def test_non_finite_cells_are_ignored() -> None:
    result = pack_soc(np.array([0.5, math.nan, 0.6]), np.array([0.01, 0.01, 0.01]))
    assert (result.for_charge, result.for_discharge) == (0.6, 0.5)


@pytest.mark.verifies("SWR_SOC_006")
def test_no_finite_cell_is_conservative() -> None:
    result = pack_soc(np.array([math.nan, math.inf]), np.array([0.01, 0.01]))
    assert (result.for_charge, result.for_discharge, result.displayed) == (1.0, 0.0, 0.0)
    assert result.sigma == math.inf
