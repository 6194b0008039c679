"""Tests of bms/cell/_tables.py: vectorised bilinear lookup against SWR_CELL_002.

Covers: exact values at breakpoints; bilinear value inside a cell of the
grid (checked against an independent construction from ``numpy.interp``:
interpolate each temperature row in SoC, then across temperature); clamping outside the
grid in SoC and temperature; the OCV slope equals the finite difference
inside a segment; a single-temperature chemistry; the capacity by
temperature; the OCV-only lookup equals the full one; the row lookup
equals the named parameters and carries the fit residual by temperature;
the arithmetic bracket of a uniform SoC grid (the shipped files) matches the
reference; the OCV's median slope over 10-90 % SoC equals the median of the
looked-up slopes at each segment's middle, and tells the shipped LFP file's
flat OCV (2.2 mV per %) from the NMC file's (9.2).
"""

import itertools

import numpy as np
import pytest

from bms.cell import (
    Row,
    cell_tables,
    load_chemistry,
    lookup,
    lookup_rows,
    ocv,
    ocv_rows,
    temperature_bracket,
)
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


@pytest.mark.verifies("SWR_CELL_002")
def test_rows_match_the_named_parameters_and_the_fit_residual() -> None:
    rng = np.random.default_rng(6)
    t = rng.uniform(-20.0, 60.0, 50)
    s = rng.uniform(-0.1, 1.1, 50)
    base, weight = temperature_bracket(TABLES, t)
    rows = lookup_rows(TABLES, base, weight, s)
    named = lookup(TABLES, t, s)
    for row, name in ((Row.OCV, "ocv_v"), (Row.R2, "r2_ohm"), (Row.TAU1, "tau1_s")):
        assert np.array_equal(rows[row], getattr(named, name))
    reported = CHEMISTRY.fit.pulse_rmse_v_by_temperature
    residuals = [reported.get(f"{t:g}", max(reported.values())) for t in TEMPERATURES]
    expected = np.interp(np.clip(t, TEMPERATURES[0], TEMPERATURES[-1]), TEMPERATURES, residuals)
    assert np.allclose(rows[Row.FIT_RMSE], expected, rtol=1e-12)
    assert np.array_equal(ocv_rows(TABLES, base, weight, s), named.ocv_v)


@pytest.mark.verifies("SWR_CELL_002")
def test_uniform_soc_grid_is_bracketed_like_any_grid() -> None:
    # The shipped files have a uniform SoC grid (bracketed by arithmetic); the reference
    # interpolates each temperature row with numpy.interp, then across temperature.
    chemistry = load_chemistry("NMC_Chen2020")
    tables = cell_tables(chemistry)
    assert tables.soc_uniform_step > 0.0
    assert TABLES.soc_uniform_step == 0.0
    rng = np.random.default_rng(7)
    temperatures = chemistry.temperature_breakpoints_degc
    t = rng.uniform(temperatures[0], temperatures[-1], 200)
    s = np.concatenate([rng.uniform(0.0, 1.0, 197), [0.0, 0.5, 1.0]])
    reference = [
        np.interp(
            ti,
            temperatures,
            [np.interp(si, chemistry.soc_breakpoints, row) for row in chemistry.r1_ohm],
        )
        for ti, si in zip(t, s, strict=True)
    ]
    assert np.allclose(lookup(tables, t, s).r1_ohm, reference, rtol=1e-10)


@pytest.mark.verifies("SWR_CELL_002")
def test_the_ocv_median_slope_is_that_of_the_middle_segments() -> None:
    middles = [(a + b) / 2 for a, b in itertools.pairwise(SOC)]
    slopes = [
        float(lookup(TABLES, np.array([t]), np.array([m])).docv_dsoc_v[0])
        for t in TEMPERATURES
        for m in middles
        if 0.1 <= m <= 0.9
    ]
    assert TABLES.ocv_median_slope_v == pytest.approx(float(np.median(slopes)), rel=1e-9)
    nmc = cell_tables(load_chemistry("NMC_Chen2020")).ocv_median_slope_v
    lfp = cell_tables(load_chemistry("LFP_Prada2013")).ocv_median_slope_v
    assert nmc == pytest.approx(0.92, abs=0.01)
    assert lfp == pytest.approx(0.22, abs=0.01)
