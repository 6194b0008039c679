"""Tests of bms.calibration._electrodes (need PyBaMM; skipped without it; no simulation runs).

The section read from Prada2013 and Chen2020: it validates as a chemistry
file's ``electrodes``; the diffusion times are the sets' ``R^2 / D``; the
windows run the right way (the graphite fills with the SoC, the positive
empties); the grid reaches a quarter of the window past it (inside (0, 1)),
and keeps a window whole that reaches past its limits (ORegan2022);
and the two potentials give back the cell's OCV table at the bulk
stoichiometries (a check of the stoichiometry mapping, which nothing fitted).
"""

import json

import numpy as np
import pytest

pybamm = pytest.importorskip("pybamm")

from bms.calibration import PhysicsCell  # noqa: E402
from bms.calibration._electrodes import GRID_MARGIN  # noqa: E402
from bms.cell import load_chemistry, parse_chemistry, surface_lag_model  # noqa: E402

SETS = {
    "Prada2013": ("LFP_Prada2013", 5e-6**2 / 3e-15),
    "Chen2020": ("NMC_Chen2020", 5.86e-6**2 / 3.3e-14),
}


@pytest.mark.verifies("SWR_CELL_007", "SWR_CAL_001")
@pytest.mark.parametrize("parameter_set", sorted(SETS))
def test_the_section_matches_the_set_and_gives_back_the_ocv(parameter_set: str) -> None:
    name, negative_time = SETS[parameter_set]
    chemistry = load_chemistry(name)
    temperatures = list(chemistry.temperature_breakpoints_degc)
    section = PhysicsCell(parameter_set).electrodes(chemistry.nominal_capacity_ah, temperatures)
    document = json.loads(chemistry.model_dump_json())
    document["electrodes"] = section
    with_section = parse_chemistry(json.dumps(document), f"{name} with electrodes")
    assert with_section.electrodes is not None
    negative, positive = with_section.electrodes.negative, with_section.electrodes.positive
    assert negative.diffusion_time_s == pytest.approx([negative_time] * len(temperatures))
    assert negative.stoichiometry_at_full > negative.stoichiometry_at_empty
    assert positive.stoichiometry_at_full < positive.stoichiometry_at_empty
    for side in (negative, positive):
        low, high = sorted((side.stoichiometry_at_empty, side.stoichiometry_at_full))
        grid = side.stoichiometry_breakpoints
        reach = GRID_MARGIN * (high - low)
        assert grid[0] == pytest.approx(max(low - reach, 0.002))
        assert grid[-1] == pytest.approx(min(high + reach, 0.998))
    model = surface_lag_model(with_section)
    assert model is not None
    soc = np.linspace(0.1, 0.9, 33)
    bulk = model.at_empty + model.span * soc
    ocv = np.interp(bulk[1], model.stoichiometry[1], model.potential_v[1]) - np.interp(
        bulk[0], model.stoichiometry[0], model.potential_v[0]
    )
    warm = temperatures.index(25.0)
    table = np.interp(soc, chemistry.soc_breakpoints, chemistry.ocv_v[warm])
    assert np.sqrt(np.mean(np.square(ocv - table))) < 0.002  # 0.8-0.9 mV on both sets


@pytest.mark.verifies("SWR_CELL_007", "SWR_CAL_001")
def test_a_window_that_reaches_past_the_grid_limits_is_kept_whole() -> None:
    # ORegan2022's graphite is full at a stoichiometry of 0.9997, past the grid's 0.998:
    # cut there, the section failed its own validation and `bms calibrate` stopped.
    cell, host = PhysicsCell("ORegan2022"), load_chemistry("NMC_Chen2020")
    temperatures = list(host.temperature_breakpoints_degc)
    document = json.loads(host.model_dump_json())
    document["electrodes"] = cell.electrodes(cell.nominal_capacity_ah, temperatures)
    parsed = parse_chemistry(json.dumps(document), "NMC_Chen2020 with ORegan2022's electrodes")
    assert parsed.electrodes is not None
    negative = parsed.electrodes.negative
    assert negative.stoichiometry_at_full > 0.998
    assert negative.stoichiometry_breakpoints[-1] == pytest.approx(negative.stoichiometry_at_full)
    assert np.all(np.isfinite(negative.potential_v))
