"""Tests of bms/plant/_simulator.py: the pack simulator (a verification tool, no SWR).

Covers: the shared contract's interface and shapes; the same seed gives the
same pack and another seed another; spread of capacity, resistance and
initial SoC has the configured size; ageing factors; coulomb counting over a
long discharge; argument validation (series count, initial SoC, ageing,
non-finite current, non-positive step); a per-cell bleed current discharges
only the bled cells, by its charge, and their voltage is measured under it
while the measurement keeps the string current; zero bleed is the plain
string; a non-finite bleed current is refused; ageing between drives scales
every capacity and keeps each SoC.
"""

import math

import numpy as np
import pytest

from bms.plant import PackSimulator, PackSpread
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry

CHEMISTRY = synthetic_chemistry()
SPREAD = PackSpread(capacity_pct=3.0, resistance_pct=5.0, initial_soc_pct=5.0)


def test_contract_interface() -> None:
    sim = PackSimulator(
        CHEMISTRY, series_count=96, spread=SPREAD, initial_soc=0.8, ambient_degc=25.0, seed=1
    )
    m = sim.step(current_a=5.0, dt_s=0.1)
    assert m.time_s == pytest.approx(0.1)
    assert m.cell_voltages_v.shape == (96,)
    assert m.cell_temperatures_degc.shape == (96,)
    assert m.current_a == 5.0
    assert sim.true_soc.shape == (96,)


def test_seed_reproduces_the_pack() -> None:
    def pack(seed: int) -> np.ndarray:
        sim = PackSimulator(CHEMISTRY, 8, spread=SPREAD, initial_soc=0.5, seed=seed)
        return sim.step(3.0, 1.0).cell_voltages_v

    assert np.array_equal(pack(7), pack(7))
    assert not np.array_equal(pack(7), pack(8))


def test_spread_has_the_configured_size() -> None:
    sim = PackSimulator(CHEMISTRY, 4000, spread=SPREAD, initial_soc=0.5, seed=3)
    assert np.std(np.asarray(sim.model.capacity_scale)) == pytest.approx(0.03, rel=0.1)
    assert np.std(np.asarray(sim.model.resistance_scale)) == pytest.approx(0.05, rel=0.1)
    assert np.std(sim.true_soc) == pytest.approx(0.05, rel=0.1)
    assert np.mean(sim.true_soc) == pytest.approx(0.5, abs=0.01)


def test_ageing_scales_capacity_and_resistance() -> None:
    new = PackSimulator(CHEMISTRY, 2, initial_soc=0.5)
    aged = PackSimulator(
        CHEMISTRY, 2, initial_soc=0.5, capacity_fraction=0.85, resistance_factor=1.3
    )
    assert aged.cell_capacity_ah == pytest.approx(0.85 * new.cell_capacity_ah)
    drop_new = new.measure(0.0).cell_voltages_v - new.measure(10.0).cell_voltages_v
    drop_aged = aged.measure(0.0).cell_voltages_v - aged.measure(10.0).cell_voltages_v
    assert drop_aged == pytest.approx(1.3 * drop_new)


def test_coulomb_counting_over_a_discharge() -> None:
    sim = PackSimulator(CHEMISTRY, 3, initial_soc=0.9, ambient_degc=25.0)
    for _ in range(360):
        sim.step(5.0, 1.0)
    # Half an ampere-hour from a 5 Ah cell; the cell warms a little, the capacity barely moves.
    assert sim.true_soc == pytest.approx(0.8, abs=0.002)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"series_count": 0}, "series_count"),
        ({"initial_soc": 1.5}, "initial_soc"),
        ({"capacity_fraction": 0.0}, "capacity_fraction"),
    ],
)
def test_invalid_construction(kwargs: dict[str, float], message: str) -> None:
    arguments = {"series_count": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        PackSimulator(CHEMISTRY, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(("current", "dt"), [(math.nan, 0.1), (1.0, 0.0), (1.0, math.inf)])
def test_invalid_step(current: float, dt: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        PackSimulator(CHEMISTRY, 2).step(current, dt)


def test_bleed_current_discharges_only_the_bled_cells() -> None:
    plain = PackSimulator(CHEMISTRY, 4, initial_soc=0.8, seed=2)
    bled = PackSimulator(CHEMISTRY, 4, initial_soc=0.8, seed=2)
    bleed = np.array([0.0, 0.2, 0.0, 0.1])
    for _ in range(100):
        plain.step(1.0, 10.0)
        measured = bled.step(1.0, 10.0, bleed_current_a=bleed)
    assert measured.current_a == 1.0  # the string current, as the current sensor sees it
    extra = plain.true_soc - bled.true_soc
    assert extra[[0, 2]] == pytest.approx([0.0, 0.0], abs=1e-12)
    # 1,000 s of the bleed against the cell's capacity (the cells stay near 25 degC).
    assert extra[[1, 3]] == pytest.approx(
        bleed[[1, 3]] * 1000.0 / 3600.0 / plain.cell_capacity_ah[[1, 3]], rel=0.01
    )
    # Measured under the string current plus its bleed: the same as the plant's own view.
    assert measured.cell_voltages_v == pytest.approx(
        bled.measure(1.0).cell_voltages_v - bleed * _r0(bled), rel=0, abs=1e-12
    )


def _r0(sim: PackSimulator) -> np.ndarray:
    """Each cell's series resistance at its state (the voltage drop per ampere of step current)."""
    return sim.measure(0.0).cell_voltages_v - sim.measure(1.0).cell_voltages_v


def test_zero_bleed_is_the_plain_string() -> None:
    plain = PackSimulator(CHEMISTRY, 3, spread=SPREAD, initial_soc=0.5, seed=4)
    zero = PackSimulator(CHEMISTRY, 3, spread=SPREAD, initial_soc=0.5, seed=4)
    for _ in range(20):
        a = plain.step(2.0, 1.0)
        b = zero.step(2.0, 1.0, bleed_current_a=np.zeros(3))
    assert np.allclose(a.cell_voltages_v, b.cell_voltages_v, rtol=0, atol=1e-15)
    assert np.allclose(plain.true_soc, zero.true_soc, rtol=0, atol=1e-15)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_bleed_current_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="bleed_current_a"):
        PackSimulator(CHEMISTRY, 2).step(1.0, 1.0, bleed_current_a=np.array([0.0, bad]))


def test_ageing_between_drives_scales_capacity_and_keeps_the_state() -> None:
    sim = PackSimulator(CHEMISTRY, 8, spread=SPREAD, initial_soc=0.7, seed=4)
    sim.step(2.0, 10.0)
    before_capacity, before_soc = sim.cell_capacity_ah, sim.true_soc
    sim.age(0.98)
    assert np.allclose(sim.cell_capacity_ah, 0.98 * before_capacity, rtol=1e-12)
    assert np.array_equal(sim.true_soc, before_soc)
    # A charge now moves the SoC by 1 / 0.98 as much.
    sim.step(-1.0, 36.0)
    expected = before_soc + 0.01 / sim.cell_capacity_ah
    assert np.allclose(sim.true_soc, expected, rtol=0, atol=1e-6)  # vs 4e-5 without the fade
    with pytest.raises(ValueError, match="capacity_factor"):
        sim.age(1.5)
