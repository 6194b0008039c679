"""Tests of bms/cell/_tables.py: vectorised bilinear lookup against SWR_CELL_002.

Covers: exact values at breakpoints; bilinear value inside a cell of the
grid (checked against an independent construction from ``numpy.interp``:
interpolate each temperature row in SoC, then across temperature); clamping outside the
grid in SoC and temperature; the OCV slope equals the finite difference
inside a segment; a single-temperature chemistry; the capacity by
temperature; the OCV-only lookup equals the full one.
"""

import numpy as np
import pytest

from bms.cell import cell_tables, lookup, ocv
from verification.bms.unit.cell.chemistry_fixture import SOC, TEMPERATURES, synthetic_chemistry

CHEMISTRY = synthetic_chemistry()
TABLES = cell_tables(CHEMISTRY)


@pytest.mark.verifies("SWR_CELL_002")
def test_breakpoints_are_exact() -> None:
    t, s = np.meshgrid(TEMPERATURES, SOC, indexing="ij")
    got = lookup(TABLES, t.ravel(), s.ravel())
    assert np.allclose(got.ocv_v, np.array(CHEMISTRY.ocv_v).ravel(), rtol=0, atol=1e-12)
    assert np.allclose(got.tau2_s, np.array(CHEMISTRY.tau2_s).ravel(), rtol=0, atol=1e-12)


@pytest.mark.verifies("SWR_CELL_002")
def test_bilinear_matches_an_independent_construction() -> None:
    rng = np.random.default_rng(4)
    t = rng.uniform(TEMPERATURES[0], TEMPERATURES[-1], 200)
    s = rng.uniform(0.0, 1.0, 200)
    table = np.array(CHEMISTRY.r0_ohm)
    reference = [
        np.interp(ti, TEMPERATURES, [np.interp(si, SOC, row) for row in table])
        for ti, si in zip(t, s, strict=True)
    ]
    got = lookup(TABLES, t, s)
    assert np.allclose(got.r0_ohm, reference, rtol=1e-12)


@pytest.mark.verifies("SWR_CELL_002")
def test_clamped_outside_the_grid() -> None:
    inside = lookup(TABLES, np.array([TEMPERATURES[0], TEMPERATURES[-1]]), np.array([0.0, 1.0]))
    outside = lookup(TABLES, np.array([-40.0, 80.0]), np.array([-0.5, 1.5]))
    assert np.array_equal(inside.ocv_v, outside.ocv_v)
    assert np.array_equal(inside.r0_ohm, outside.r0_ohm)


@pytest.mark.verifies("SWR_CELL_002")
def test_ocv_slope_is_the_segment_slope() -> None:
    t = np.array([17.0])
    s = np.array([0.43])
    step = 1e-6
    up = lookup(TABLES, t, s + step).ocv_v
    down = lookup(TABLES, t, s - step).ocv_v
    assert lookup(TABLES, t, s).docv_dsoc_v == pytest.approx((up - down) / (2 * step), rel=1e-6)


@pytest.mark.verifies("SWR_CELL_002")
def test_single_temperature_chemistry() -> None:
    chemistry = synthetic_chemistry(
        temperature_breakpoints_degc=[25.0],
        **{
            name: [synthetic_chemistry().model_dump()[name][3]]
            for name in ("ocv_v", "r0_ohm", "r1_ohm", "tau1_s", "r2_ohm", "tau2_s")
        },
        capacity_ah_by_temperature=[5.0],
    )
    got = lookup(cell_tables(chemistry), np.array([-20.0, 60.0]), np.array([0.5, 0.5]))
    assert got.ocv_v[0] == got.ocv_v[1]
    assert np.all(got.capacity_ah == 5.0)


@pytest.mark.verifies("SWR_CELL_002")
def test_capacity_interpolates_in_temperature() -> None:
    got = lookup(TABLES, np.array([17.5, 100.0]), np.array([0.5, 0.5]))
    assert got.capacity_ah[0] == pytest.approx(4.95)
    assert got.capacity_ah[1] == pytest.approx(5.02)


@pytest.mark.verifies("SWR_CELL_002")
def test_ocv_only_lookup_equals_the_full_one() -> None:
    rng = np.random.default_rng(5)
    t = rng.uniform(-20.0, 60.0, 100)
    s = rng.uniform(-0.1, 1.1, 100)
    assert np.array_equal(ocv(TABLES, t, s), lookup(TABLES, t, s).ocv_v)
