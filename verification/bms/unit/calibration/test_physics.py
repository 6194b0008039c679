"""Tests of bms.calibration._physics (need PyBaMM; skipped without it).

Covers: an unknown parameter set lists the known ones; a set the DFN bms
runs does not fit (a lithium-metal half-cell, a composite negative electrode)
is refused with what it lacks, a set whose nominal capacity is off is not
(Marquis2019); a set whose layer densities and heat capacities are
expressions of other parameters (ORegan2022) gives its thermal summary;
Prada2013 is completed
with exactly the missing current-collector and thermal keys (26650 geometry)
while Chen2020 is used unchanged; the thermal summary is plausible for a
21700 cell; the SoC mapping to PyBaMM's initial state is 1 at the top and
monotone; ageing by electrode area scales the capacity and keeps the SoC
mapping, and rejects a fraction outside (0, 1]. No simulation runs here (the
calibration and validation sessions run them).
"""

import pytest

pybamm = pytest.importorskip("pybamm")

from bms.calibration import PhysicsCell  # noqa: E402


def test_unknown_set_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="Chen2020"):
        PhysicsCell("NoSuchSet2099")


@pytest.mark.verifies("SWR_CAL_001", method="fault_injection")
@pytest.mark.parametrize(
    ("parameter_set", "first"),
    [
        ("Xu2019", "concentration in negative electrode"),  # lithium metal: no particles
        ("Chen2020_composite", "Maximum concentration in negative electrode"),  # two phases
    ],
)
def test_a_set_the_dfn_does_not_fit_is_refused_with_what_it_lacks(
    parameter_set: str, first: str
) -> None:
    with pytest.raises(ValueError, match=rf"{parameter_set}' lacks \d+ parameters.*{first}"):
        PhysicsCell(parameter_set)
    assert PhysicsCell("Marquis2019").nominal_capacity_ah == pytest.approx(0.680616)


@pytest.mark.verifies("SWR_CAL_001")
def test_prada2013_is_completed_and_chen2020_is_not() -> None:
    lfp = PhysicsCell("Prada2013")
    assert "Cell volume [m3]" in lfp.completed_keys
    assert "Negative current collector thickness [m]" in lfp.completed_keys
    assert lfp.thermal_summary()["heat_transfer_w_per_k"] == pytest.approx(10.0 * 6.37e-3)
    nmc = PhysicsCell("Chen2020")
    assert nmc.completed_keys == ()
    thermal = nmc.thermal_summary()
    assert 0.05 < thermal["mass_kg"] < 0.08  # an LG M50 21700 weighs about 69 g
    assert (nmc.min_voltage_v, nmc.max_voltage_v) == (2.5, 4.2)


@pytest.mark.verifies("SWR_CAL_001")
def test_layer_properties_that_are_expressions_are_evaluated_in_their_set() -> None:
    # ORegan2022's (an LG M50T 21700) densities and heat capacities are functions of the
    # porosity and the temperature: evaluating them alone raised NotImplementedError.
    thermal = PhysicsCell("ORegan2022").thermal_summary()
    assert 0.06 < thermal["mass_kg"] < 0.09
    assert 600.0 < thermal["specific_heat_j_per_kg_k"] < 1100.0


def test_soc_maps_to_pybamm_state_monotonically() -> None:
    cell = PhysicsCell("Chen2020")
    states = [cell.initial_state_for_soc(soc, cell.nominal_capacity_ah) for soc in (0.2, 0.5, 1.0)]
    assert states[2] == pytest.approx(1.0)
    assert states[0] < states[1] < states[2]


def test_ageing_scales_the_capacity_and_keeps_the_soc_mapping() -> None:
    fresh = PhysicsCell("Chen2020")
    aged = PhysicsCell("Chen2020")
    aged.age(0.85)
    assert aged.nominal_capacity_ah == pytest.approx(0.85 * fresh.nominal_capacity_ah)
    # the same SoC of the aged cell's own capacity maps to the same PyBaMM state
    for soc in (0.3, 0.8):
        assert aged.initial_state_for_soc(soc, 0.85 * 5.0) == pytest.approx(
            fresh.initial_state_for_soc(soc, 5.0)
        )
    for fraction in (0.0, 1.2, float("nan")):
        with pytest.raises(ValueError, match="capacity_fraction"):
            aged.age(fraction)
