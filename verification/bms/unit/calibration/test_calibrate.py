"""Tests of bms.calibration._calibrate and of the shipped chemistry files it made.

Covers: the shipped ``NMC_Chen2020`` and ``LFP_Prada2013`` files validate
against ``bms.cell.Chemistry``, cover -10..45 degC, name their PyBaMM set and
the DFN lumped-thermal model, report fit residuals, and the LFP file says how
its missing thermal parameters were completed; the level fitting pipeline
(rests found by what they are, not by step position; one fit per level
placed at its middle SoC) recovers known parameters from a record made by
the circuit itself plus the particles' surface lag (a known input of the
fit), stepping down (the pulse test) and stepping up (the charge pulse
test, whose fits are the ``charge`` tables the shipped files carry); OCV
rows are filled from the reference shape and made non-decreasing; tables
keep tau1 < tau2; argument validation. No PyBaMM.
"""

import json

import numpy as np
import pytest

from bms.calibration import CellTestRecord, EcmParameters, simulate_ecm_voltage
from bms.calibration._calibrate import (
    REST_S,
    SOC_GRID,
    _charge_pulse_steps,
    _fill_row,
    _fit_levels,
    _long_rests,
    _tables,
    calibrate,
)
from bms.cell import (
    Electrodes,
    electrodes_lag_model,
    load_chemistry,
    surface_lag_along,
)
from verification.bms.unit.cell.chemistry_fixture import TEMPERATURES, electrodes_section

TRUE = EcmParameters(
    r0_ohm=0.05, r1_ohm=0.01, tau1_s=12.0, r2_ohm=0.015, tau2_s=350.0, kinetic_current_a=2.0
)
"""The circuit of the synthetic records: its series drop bent (kinetic current 0.4C)."""
LAG = electrodes_lag_model(
    Electrodes.model_validate_json(json.dumps(electrodes_section())), TEMPERATURES
)
"""The synthetic records' surface lag, a known input of the fit."""


@pytest.mark.verifies("SWR_CAL_001")
@pytest.mark.parametrize(
    ("name", "parameter_set"), [("NMC_Chen2020", "Chen2020"), ("LFP_Prada2013", "Prada2013")]
)
def test_shipped_chemistries_validate_and_cover_minus10_to_45(
    name: str, parameter_set: str
) -> None:
    chemistry = load_chemistry(name)
    temperatures = chemistry.temperature_breakpoints_degc
    assert temperatures[0] <= -10.0
    assert temperatures[-1] >= 45.0
    assert chemistry.source.parameter_set == parameter_set
    assert chemistry.source.model == "DFN, lumped thermal"
    assert set(chemistry.fit.pulse_rmse_v_by_temperature) == {f"{t:g}" for t in temperatures}
    assert chemistry.soc_breakpoints[0] == 0.0
    assert chemistry.soc_breakpoints[-1] == 1.0
    assert chemistry.fit.max_abs_error_v > 0.0  # residuals are real, not placeholders
    assert chemistry.charge is not None
    assert set(chemistry.charge.pulse_rmse_v_by_temperature) == {f"{t:g}" for t in temperatures}


def test_lfp_file_says_how_it_was_completed() -> None:
    notes = load_chemistry("LFP_Prada2013").source.notes
    assert "Chen2020" in notes
    assert "26650" in notes
    assert "Cell volume [m3]" in notes


def _synthetic_pulse_record(
    levels: int, *, charge: bool = False
) -> tuple[CellTestRecord, np.ndarray]:
    """A pulse test as PyBaMM would report it, made by the circuit itself and the surface lag.

    ``charge``: the charge pulse test's shape (95 % down, then charge pulses
    and 10 % steps up), as :func:`_charge_pulse_steps` asks PyBaMM for.
    """
    nominal = 5.0
    grid = np.asarray(SOC_GRID)
    ocv_row = 3.0 + 1.2 * grid
    steps: list[tuple[float, float]] = [(600.0, 0.0), (360.0, 2.5), (REST_S, 0.0)]
    level = [(10.0, 1.0), (40.0, 0.0), (10.0, 5.0), (40.0, 0.0), (10.0, -3.75), (40.0, 0.0)]
    level.append((720.0, 2.5))
    if charge:
        steps[1] = (6840.0, 2.5)
        level = [(10.0, -1.0), (40.0, 0.0), (10.0, -5.0), (40.0, 0.0), (720.0, -2.5)]
    for _ in range(levels):
        steps += level
        steps.append((REST_S, 0.0))
    times, currents, step_ids = [0.0], [0.0], [0]
    for index, (duration, current) in enumerate(steps):
        start = times[-1]
        for second in range(int(duration) + 1):
            times.append(start + second)
            currents.append(current)
            step_ids.append(index)
    time_s = np.asarray(times)
    current_a = np.asarray(currents)
    # discharged charge with the current held over each interval
    held = np.concatenate([[0.0], current_a[1:] * np.diff(time_s)])
    discharged = np.cumsum(held) / 3600.0
    soc = 1.0 - discharged / nominal
    temperature = np.full(time_s.size, 25.0)
    lag = surface_lag_along(
        LAG,
        time_s=time_s,
        current_a=current_a,
        temperature_degc=temperature,
        soc=soc,
        capacity_ah=nominal,
    )
    assert np.max(np.abs(lag)) > 2e-3  # the lag is there to be held out: a fit must know it
    voltage = simulate_ecm_voltage(time_s, current_a, np.interp(soc, grid, ocv_row) + lag, TRUE)
    record = CellTestRecord(
        time_s=time_s,
        current_a=current_a,
        voltage_v=voltage,
        temperature_degc=temperature,
        discharged_ah=discharged,
        step=np.asarray(step_ids, dtype=np.int64),
    )
    return record, ocv_row


@pytest.mark.verifies("SWR_CAL_001")
def test_level_fits_recover_the_circuit_that_made_the_record() -> None:
    pytest.importorskip("scipy")
    record, ocv_row = _synthetic_pulse_record(levels=1)
    assert len(_long_rests(record)) == 2
    fits, rested = _fit_levels(record, ocv_row, 5.0, LAG)
    assert len(fits) == 1
    assert round(fits[0][0], 2) == 0.9
    for _, fit in fits:
        np.testing.assert_allclose(fit.parameters.as_array(), TRUE.as_array(), rtol=0.03)
        assert fit.rmse_v < 1e-3
    assert max(abs(value) for value in rested) < 2e-3
    tables = _tables(fits)
    assert len(tables["r0_ohm"]) == len(SOC_GRID)
    assert all(t1 < t2 for t1, t2 in zip(tables["tau1_s"], tables["tau2_s"], strict=True))


@pytest.mark.verifies("SWR_CAL_001")
def test_charge_level_fits_recover_the_circuit_stepping_up() -> None:
    pytest.importorskip("scipy")
    record, ocv_row = _synthetic_pulse_record(levels=2, charge=True)
    free, _ = _fit_levels(record, ocv_row, 5.0, LAG)
    assert [round(soc, 2) for soc, _ in free] == [0.1, 0.2]  # from 5 % up, 10 % a level
    for _, fit in free:
        np.testing.assert_allclose(fit.parameters.as_array(), TRUE.as_array(), rtol=0.03)
    # the charge tables' way: time constants held (here the true ones), resistances fitted
    held = {"tau1_s": [TRUE.tau1_s] * len(SOC_GRID), "tau2_s": [TRUE.tau2_s] * len(SOC_GRID)}
    fits, _ = _fit_levels(record, ocv_row, 5.0, LAG, held)
    for _, fit in fits:
        assert (fit.parameters.tau1_s, fit.parameters.tau2_s) == (TRUE.tau1_s, TRUE.tau2_s)
        np.testing.assert_allclose(fit.parameters.as_array(), TRUE.as_array(), rtol=0.03)
    # wrong time constants held: the resistances cannot make up for them
    wrong = {"tau1_s": [3.0] * len(SOC_GRID), "tau2_s": [2000.0] * len(SOC_GRID)}
    misfit, _ = _fit_levels(record, ocv_row, 5.0, LAG, wrong)
    assert min(fit.rmse_v for _, fit in misfit) > 10.0 * max(fit.rmse_v for _, fit in fits)
    steps = _charge_pulse_steps(5.0, 3, 2.5, 4.2)
    assert len(steps) == 3 + 3 * 6  # per level: C/5 and 1C pulses, each rested, step, rest
    assert steps[1].startswith("Discharge at 2.5 A for 6840 seconds")
    assert steps[3].startswith("Charge at 1 A for 10 seconds")  # C/5: the bend's lower end
    assert all(step.startswith(("Charge", "Rest")) for step in steps[3:])


def test_fill_row_uses_the_reference_shape_and_is_monotone() -> None:
    reference = np.linspace(3.0, 4.2, 5)
    row = np.array([np.nan, 3.35, 3.62, 3.91, np.nan])
    filled = _fill_row(row, reference)
    assert filled[0] == pytest.approx(3.35 - (3.3 - 3.0))
    assert filled[-1] == pytest.approx(3.91 + (4.2 - 3.9))
    assert np.all(np.diff(_fill_row(np.array([3.0, 3.2, 3.1, 3.4]), None)) >= 0.0)
    with pytest.raises(ValueError, match="no usable point"):
        _fill_row(np.full(3, np.nan), None)


@pytest.mark.parametrize(
    ("temperatures", "levels", "message"),
    [([], 10, "at least one"), ([25.0], 0, "soc_levels"), ([25.0], 11, "soc_levels")],
)
def test_calibrate_rejects_bad_arguments(
    temperatures: list[float], levels: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        calibrate("Chen2020", temperatures, soc_levels=levels)
