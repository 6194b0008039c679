"""The particles' surface lag read through each electrode's potential (SWR_CELL_007).

The modes against the exact series solution of a sphere at constant flux
(Crank 1975): equal once the modes left out have settled, within 2 % from
``1e-3 tau`` with no jump at a current step, and the steady lag ``r tau /
15`` exact; the step exact for a held current (two half steps are one step)
and linear in the current; the voltage zero without a lag and, with both
potentials falling with lithium, never above zero on discharge nor below on
charge; its gradient in each electrode's offset the voltage's finite
difference (zero beyond the breakpoints); the lag along a record from rest
the same sampled twice as often (the current held over each interval); the
arrays built from a bare ``electrodes`` section hold its own values,
negative first; the horizon's response split into its free and per-ampere
parts gives any held current's offset; the chemistry file's ``electrodes``
section validated field by field.
"""

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.cell import (
    DIFFUSION_EIGENVALUES,
    Electrodes,
    SurfaceLagModel,
    electrodes_lag_model,
    initial_surface_lag,
    parse_chemistry,
    surface_lag_along,
    surface_lag_gradient,
    surface_lag_model,
    surface_lag_response,
    surface_lag_step,
    surface_lag_voltage,
    surface_offset,
)
from bms.errors import ConfigError
from verification.bms.unit.cell.chemistry_fixture import (
    TEMPERATURES,
    chemistry_text,
    electrodes_section,
    synthetic_chemistry,
)

CAPACITY = 5.0
WARM = np.array([25.0])
currents = st.floats(-15.0, 15.0, allow_nan=False)


def _model() -> SurfaceLagModel:
    model = surface_lag_model(synthetic_chemistry(electrodes=electrodes_section()))
    assert model is not None
    return model


MODEL = _model()


def _exact_offset(rate: float, tau: float, time_s: float, terms: int = 400) -> float:
    """Crank's series: the surface minus the mean of a sphere from rest at a constant rate."""
    roots = [_root(k) for k in range(1, terms + 1)]
    tail = sum(math.exp(-(root**2) * time_s / tau) / root**2 for root in roots)
    return rate * tau / 3.0 * (1.0 / 5.0 - 2.0 * tail)


def _root(k: int) -> float:
    """The k-th positive root of tan l = l (Newton from just below (k + 1/2) pi)."""
    value = (k + 0.5) * math.pi - 1.0 / ((k + 0.5) * math.pi)
    for _ in range(50):
        value -= (math.tan(value) - value) / (1.0 / math.cos(value) ** 2 - 1.0)
    return value


def _held(current: float, duration_s: float, dt_s: float) -> np.ndarray:
    modes = initial_surface_lag(1)
    for _ in range(round(duration_s / dt_s)):
        modes = surface_lag_step(
            MODEL, modes, current_a=current, dt_s=dt_s, temperature_degc=WARM, capacity_ah=CAPACITY
        )
    return modes


@pytest.mark.verifies("SWR_CELL_007")
def test_eigenvalues_are_the_spheres_diffusion_modes() -> None:
    for k, value in enumerate(DIFFUSION_EIGENVALUES, start=1):
        assert math.tan(value) == pytest.approx(value, rel=1e-9)
        assert k * math.pi < value < (k + 0.5) * math.pi
        assert value == pytest.approx(_root(k), abs=1e-9)


@pytest.mark.verifies("SWR_CELL_007")
@pytest.mark.parametrize("fraction", [0.05, 0.2, 1.0, 3.0])
def test_a_held_current_gives_the_exact_sphere_lag_once_the_left_out_modes_settle(
    fraction: float,
) -> None:
    """At ``t >= 0.05 tau`` the modes left out have decayed (e^-28 and below): the lag is exact."""
    tau = MODEL.diffusion_time_s[0, list(MODEL.temperature_degc).index(25.0)]
    current = 5.0  # 1C discharge
    modes = _held(current, fraction * tau, fraction * tau / 40.0)
    got = surface_offset(modes)
    rate = float(MODEL.span[0, 0]) * -current / (3600.0 * CAPACITY)
    exact = _exact_offset(rate, tau, fraction * tau)
    assert got[0, 0] == pytest.approx(exact, rel=1e-6)
    if fraction == 3.0:
        assert got[0, 0] == pytest.approx(rate * tau / 15.0, rel=1e-6)  # steady
    assert got[0, 0] < 0.0  # discharge empties the graphite's surface first


@pytest.mark.verifies("SWR_CELL_007")
@pytest.mark.parametrize("fraction", [1e-3, 3e-3, 1e-2])
def test_a_current_step_raises_the_lag_as_the_sphere_does_within_two_percent(
    fraction: float,
) -> None:
    """The left-out modes' filter rises in seconds, no jump: 2 % of the series from 1e-3 tau."""
    tau = MODEL.diffusion_time_s[0, list(MODEL.temperature_degc).index(25.0)]
    modes = _held(5.0, fraction * tau, fraction * tau / 20.0)
    rate = float(MODEL.span[0, 0]) * -5.0 / (3600.0 * CAPACITY)
    got = float(surface_offset(modes)[0, 0])
    assert got == pytest.approx(_exact_offset(rate, tau, fraction * tau, terms=3000), rel=0.02)
    first = surface_lag_step(
        MODEL,
        initial_surface_lag(1),
        current_a=5.0,
        dt_s=1e-6 * tau,
        temperature_degc=WARM,
        capacity_ah=CAPACITY,
    )
    assert abs(float(surface_offset(first)[0, 0])) < 1e-3 * abs(rate * tau / 15.0)  # no jump


@pytest.mark.verifies("SWR_CELL_007")
@given(current=currents, dt=st.floats(0.01, 100.0), start=currents)
def test_two_half_steps_at_a_held_current_are_one_step(
    current: float, dt: float, start: float
) -> None:
    modes = _held(start, 30.0, 10.0)
    whole = surface_lag_step(
        MODEL, modes, current_a=current, dt_s=dt, temperature_degc=WARM, capacity_ah=CAPACITY
    )
    half = modes
    for _ in range(2):
        half = surface_lag_step(
            MODEL, half, current_a=current, dt_s=dt / 2, temperature_degc=WARM, capacity_ah=CAPACITY
        )
    np.testing.assert_allclose(half, whole, rtol=1e-9, atol=1e-15)


@pytest.mark.verifies("SWR_CELL_007")
@given(first=currents, second=currents)
def test_the_lag_is_linear_in_the_current_history(first: float, second: float) -> None:
    def run(a: float, b: float) -> np.ndarray:
        modes = initial_surface_lag(1)
        for current in (a, b):
            modes = surface_lag_step(
                MODEL, modes, current_a=current, dt_s=60.0, temperature_degc=WARM, capacity_ah=5.0
            )
        offset: np.ndarray = surface_offset(modes)
        return offset

    np.testing.assert_allclose(
        run(first, second), run(first, 0.0) + run(0.0, second), rtol=1e-9, atol=1e-15
    )


@pytest.mark.verifies("SWR_CELL_007")
@given(soc=st.floats(0.0, 1.0), current=currents, seconds=st.floats(1.0, 3000.0))
def test_the_lag_lowers_the_voltage_on_discharge_and_raises_it_on_charge(
    soc: float, current: float, seconds: float
) -> None:
    """Both synthetic potentials fall with lithium: each electrode's lag moves V with -I."""
    modes = _held(current, seconds, seconds / 10.0)
    offset = surface_offset(modes)
    voltage = float(surface_lag_voltage(MODEL, np.array([soc]), offset)[0])
    assert voltage * current <= 1e-15
    if current == 0.0:
        assert voltage == 0.0


@pytest.mark.verifies("SWR_CELL_007")
def test_cells_step_independently_at_their_own_temperature() -> None:
    """A cold cell's particles diffuse slower: its lag at a held current grows larger."""
    modes = initial_surface_lag(2)
    temperatures = np.array([-10.0, 25.0])
    for _ in range(30):
        modes = surface_lag_step(
            MODEL, modes, current_a=5.0, dt_s=60.0, temperature_degc=temperatures, capacity_ah=5.0
        )
    offset = surface_offset(modes)
    assert offset[0, 0] < offset[0, 1] < 0.0
    assert offset[1, 0] > offset[1, 1] > 0.0  # the positive fills as the negative empties


@pytest.mark.verifies("SWR_CELL_007")
def test_a_file_without_electrodes_has_no_lag_model() -> None:
    assert surface_lag_model(synthetic_chemistry()) is None


def _electrodes(side: str = "negative", **changes: Any) -> dict[str, Any]:
    section = electrodes_section()
    section[side] = {**section[side], **changes}
    return section


BAD_SECTIONS = {
    "grid not increasing": (
        _electrodes(stoichiometry_breakpoints=[0.1, 0.1] + [0.2 + i / 200 for i in range(99)]),
        "electrodes.negative",
        "strictly increasing",
    ),
    "grid outside [0, 1]": (
        _electrodes(stoichiometry_breakpoints=[-0.1 + i / 100 for i in range(101)]),
        "electrodes.negative",
        "must lie in [0, 1]",
    ),
    "potential count": (
        _electrodes("positive", potential_v=[4.0, 3.9]),
        "electrodes.positive",
        "one per stoichiometry breakpoint",
    ),
    "window outside the grid": (
        _electrodes(stoichiometry_at_empty=0.001),
        "electrodes.negative",
        "inside the stoichiometry breakpoints",
    ),
    "no window": (
        _electrodes(stoichiometry_at_empty=0.5, stoichiometry_at_full=0.5),
        "electrodes.negative",
        "must take part in the SoC",
    ),
    "diffusion time count": (
        _electrodes("positive", diffusion_time_s=[400.0]),
        "electrodes.positive.diffusion_time_s",
        "one per temperature breakpoint (5)",
    ),
    "non-positive diffusion time": (
        _electrodes(diffusion_time_s=[2000.0, 0.0, 2000.0, 2000.0, 2000.0]),
        "electrodes.negative.diffusion_time_s",
        "greater than 0",
    ),
}


@pytest.mark.verifies("SWR_CELL_007")
@pytest.mark.parametrize("case", sorted(BAD_SECTIONS))
def test_a_malformed_electrodes_section_names_the_file_and_field(case: str) -> None:
    section, field, words = BAD_SECTIONS[case]
    with pytest.raises(ConfigError) as error:
        parse_chemistry(chemistry_text(electrodes=section), "cell.json")
    message = str(error.value)
    assert "cell.json" in message
    assert field in message
    assert words in message


@pytest.mark.verifies("SWR_CELL_007")
def test_the_lag_along_a_record_does_not_depend_on_its_sampling() -> None:
    """1C, a charge, rest: every second sample of a 0.5 s record is the 1 s record's."""
    coarse_time = np.arange(0.0, 1201.0)
    fine_time = np.arange(0.0, 1200.5, 0.5)

    def held(time_s: np.ndarray) -> np.ndarray:  # each sample's current is its interval's
        return np.select([time_s <= 600.0, time_s <= 900.0], [5.0, -3.0], 0.0)

    def along(time_s: np.ndarray) -> np.ndarray:
        current = held(time_s)
        soc = 0.7 - np.concatenate([[0.0], np.cumsum(current[1:] * np.diff(time_s))]) / 18000.0
        return surface_lag_along(
            MODEL,
            time_s=time_s,
            current_a=current,
            temperature_degc=np.full(time_s.size, 25.0),
            soc=soc,
            capacity_ah=CAPACITY,
        )

    coarse, fine = along(coarse_time), along(fine_time)
    assert coarse[0] == 0.0
    assert np.max(np.abs(coarse)) > 5e-3
    np.testing.assert_allclose(fine[::2], coarse, rtol=0, atol=1e-12)


@pytest.mark.verifies("SWR_CELL_007")
def test_a_bare_electrodes_section_gives_its_own_values_negative_first() -> None:
    raw = electrodes_section()
    bare = electrodes_lag_model(Electrodes.model_validate_json(json.dumps(raw)), TEMPERATURES)
    for index, side in enumerate(("negative", "positive")):
        values = raw[side]
        np.testing.assert_array_equal(
            bare.stoichiometry[index], values["stoichiometry_breakpoints"]
        )
        np.testing.assert_array_equal(bare.potential_v[index], values["potential_v"])
        assert bare.at_empty[index, 0] == values["stoichiometry_at_empty"]
        span = values["stoichiometry_at_full"] - values["stoichiometry_at_empty"]
        assert bare.span[index, 0] == pytest.approx(span, abs=1e-15)
        np.testing.assert_array_equal(bare.diffusion_time_s[index], values["diffusion_time_s"])
    assert (
        bare.span[0, 0] > 0.0 > bare.span[1, 0]
    )  # charge fills the negative, empties the positive
    np.testing.assert_array_equal(bare.temperature_degc, TEMPERATURES)
    assert bare.temperature_degc.dtype == np.float64


@pytest.mark.verifies("SWR_CELL_007")
@given(current=currents, earlier=currents)
def test_the_horizon_response_is_free_plus_per_ampere_times_the_current(
    current: float, earlier: float
) -> None:
    cells = np.array([0.0, 25.0, 45.0])
    modes = surface_lag_step(
        MODEL, initial_surface_lag(3), current_a=earlier, dt_s=120.0,
        temperature_degc=cells, capacity_ah=CAPACITY,
    )  # fmt: skip
    free, per_ampere = surface_lag_response(
        MODEL, modes, horizon_s=10.0, temperature_degc=cells, capacity_ah=CAPACITY
    )
    held = surface_lag_step(
        MODEL, modes, current_a=current, dt_s=10.0, temperature_degc=cells, capacity_ah=CAPACITY
    )
    np.testing.assert_allclose(free + per_ampere * current, surface_offset(held), atol=1e-15)
    assert np.all(per_ampere[0] < 0.0)  # discharge empties the negative's surface first
    assert np.all(per_ampere[1] > 0.0)  # and fills the positive's


@pytest.mark.verifies("SWR_CELL_007")
@given(
    soc=st.floats(0.0, 1.0),
    negative=st.floats(-0.05, 0.05),
    positive=st.floats(-0.05, 0.05),
)
def test_the_gradient_is_the_voltages_finite_difference_in_each_offset(
    soc: float, negative: float, positive: float
) -> None:
    socs = np.array([soc])
    offset = np.array([[negative], [positive]])
    gradient = surface_lag_gradient(MODEL, socs, offset)
    step = 1e-9  # inside one segment of the piecewise-linear potential but at a breakpoint
    for side in range(2):
        moved = offset.copy()
        moved[side] += step
        above = surface_lag_voltage(MODEL, socs, moved)
        moved[side] -= 2.0 * step
        below = surface_lag_voltage(MODEL, socs, moved)
        expected = (above - below) / (2.0 * step)
        surface = MODEL.at_empty[side] + MODEL.span[side] * soc + offset[side]
        distance = np.min(np.abs(MODEL.stoichiometry[side] - surface))
        if distance > 1e-8:  # a breakpoint between the two points averages two slopes
            assert gradient[side] == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_the_gradient_is_zero_beyond_each_electrodes_breakpoints() -> None:
    far = np.array([[10.0], [-10.0]])  # both surfaces far past an end of their breakpoints
    assert np.array_equal(surface_lag_gradient(MODEL, np.array([0.5]), far), np.zeros((2, 1)))
