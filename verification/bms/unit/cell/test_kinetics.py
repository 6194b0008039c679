"""The series drop bent by Butler-Volmer kinetics (SWR_CELL_006)."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bms.cell import (
    EcmState,
    cell_model,
    cell_tables,
    lookup,
    parse_chemistry,
    series_overpotential_v,
    series_slope,
    terminal_voltage,
)
from bms.errors import ConfigError
from verification.bms.unit.cell.chemistry_fixture import (
    chemistry_text,
    kinetic_tables,
    synthetic_chemistry,
)

LIMIT = 5.0
"""The bend's limit of these tests (1C of a 5 Ah cell)."""
currents = st.floats(-500.0, 500.0, allow_nan=False)
curvatures = st.floats(0.0, 50.0, allow_nan=False)


@pytest.mark.verifies("SWR_CELL_006")
@given(current=currents, curvature=curvatures)
def test_the_drop_is_odd_and_never_above_the_linear_one(current: float, curvature: float) -> None:
    """Asinh bends the drop below R0 |I| (its slope at zero), the same both ways."""
    drop = float(series_overpotential_v(0.02, curvature, current, LIMIT))
    assert drop == pytest.approx(-float(series_overpotential_v(0.02, curvature, -current, LIMIT)))
    assert abs(drop) <= 0.02 * abs(current) * (1.0 + 1e-12) + 1e-300  # (subnormal rounding)
    assert math.copysign(1.0, drop) == math.copysign(1.0, current) or drop == 0.0


@pytest.mark.verifies("SWR_CELL_006")
def test_zero_curvature_is_the_linear_drop_and_a_known_bend_its_formula() -> None:
    current = np.array([-4.0, -0.5, 0.0, 0.3, 2.0])
    np.testing.assert_allclose(series_overpotential_v(0.03, 0.0, current, LIMIT), 0.03 * current)
    kinetic_a = 0.4
    expected = 0.03 * kinetic_a * np.arcsinh(current / kinetic_a)
    np.testing.assert_allclose(
        series_overpotential_v(0.03, 1.0 / kinetic_a, current, LIMIT), expected
    )


@pytest.mark.verifies("SWR_CELL_006")
@given(current=st.floats(-50.0, 50.0, allow_nan=False), curvature=curvatures)
def test_the_slope_is_the_drops_derivative(current: float, curvature: float) -> None:
    assume(abs(abs(current) - LIMIT) > 1e-3)  # the secant's kink at the bend's limit
    step = 1e-6
    numeric = (
        series_overpotential_v(0.02, curvature, current + step, LIMIT)
        - series_overpotential_v(0.02, curvature, current - step, LIMIT)
    ) / (2.0 * step)
    assert float(series_slope(0.02, curvature, current, LIMIT)) == pytest.approx(
        float(numeric), rel=1e-5, abs=1e-12
    )


@pytest.mark.verifies("SWR_CELL_006")
def test_beyond_the_limit_the_drop_holds_the_secant_at_the_limit() -> None:
    """Past 1C the effective resistance the pulses measured at 1C is held, not extrapolated."""
    kinetic_a = 0.5
    at_limit = float(series_overpotential_v(0.03, 1.0 / kinetic_a, LIMIT, LIMIT))
    assert at_limit == pytest.approx(0.03 * kinetic_a * math.asinh(LIMIT / kinetic_a))
    for current in (7.5, 20.0, -40.0):
        drop = float(series_overpotential_v(0.03, 1.0 / kinetic_a, current, LIMIT))
        assert drop == pytest.approx(at_limit * current / LIMIT)
        slope = float(series_slope(0.03, 1.0 / kinetic_a, current, LIMIT))
        assert slope == pytest.approx(at_limit / LIMIT)


@pytest.mark.verifies("SWR_CELL_006")
def test_the_plant_reads_each_directions_kinetic_current() -> None:
    """Terminal voltage = OCV - R0 Ik asinh(I / Ik), R0 and Ik of the current's direction."""
    chemistry = synthetic_chemistry(**kinetic_tables())
    tables = cell_tables(chemistry)
    assert tables.has_kinetics
    model = cell_model(chemistry)
    state = EcmState(
        soc=np.full(2, 0.5),
        v_rc1_v=np.zeros(2),
        v_rc2_v=np.zeros(2),
        temperature_degc=np.full(2, -10.0),
    )
    for current in (3.0, -3.0):
        charging = np.full(2, current < 0.0)
        p = lookup(tables, state.temperature_degc, state.soc, charging)
        kinetic_a = 1.0 / p.kinetic_curvature_per_a
        expected = p.ocv_v - p.r0_ohm * kinetic_a * np.arcsinh(current / kinetic_a)
        np.testing.assert_allclose(terminal_voltage(model, state, current), expected)
        assert np.all(np.abs(expected - p.ocv_v) < p.r0_ohm * abs(current) / 2.0)  # bent


@pytest.mark.verifies("SWR_CELL_006")
def test_a_chemistry_without_kinetic_tables_is_linear() -> None:
    tables = cell_tables(synthetic_chemistry())
    assert not tables.has_kinetics
    p = lookup(tables, np.array([-10.0, 45.0]), np.array([0.2, 0.9]))
    np.testing.assert_array_equal(p.kinetic_curvature_per_a, 0.0)


@pytest.mark.verifies("SWR_CELL_001", "SWR_CELL_006")
@pytest.mark.parametrize(
    ("where", "field"),
    [("top", "kinetic_current_a"), ("charge", "charge.kinetic_current_a")],
)
def test_a_non_positive_or_misshapen_kinetic_table_is_named(where: str, field: str) -> None:
    tables = kinetic_tables()
    target = tables if where == "top" else tables["charge"]
    target["kinetic_current_a"][1][2] = 0.0
    with pytest.raises(ConfigError, match=rf"{field}\[1\]\[2\]=0.0 must be > 0"):
        parse_chemistry(chemistry_text(**tables), "bent.json")
    target["kinetic_current_a"] = target["kinetic_current_a"][:2]
    with pytest.raises(ConfigError, match=rf"{field} must have shape"):
        parse_chemistry(chemistry_text(**tables), "bent.json")
