"""Calibrate a chemistry file: PyBaMM's DFN through OCV and pulse tests, fitted to a 2-RC circuit.

ASIL: QM (calibration tool; runs offline, never in the control path).
Requirements: SWR_CAL_001.

For each ambient temperature, with the cell held near it (see
:data:`CHAMBER_HEAT_TRANSFER_W_PER_M2_K`):

1. **OCV test**: from rest at PyBaMM's 100 % state of charge, discharge at
   C/20 to 50 mV below the set's lower cut-off, rest an hour, charge at C/20
   to 50 mV above the upper cut-off; the OCV is the mean of the two branches
   (:mod:`bms.calibration._ocv`). The discharge capacity to the lower cut-off
   at each temperature is ``capacity_ah_by_temperature``; the one at 25 degC
   (or the nearest temperature) is ``nominal_capacity_ah``, and every SoC in
   the file is ``1 - discharged / nominal_capacity_ah`` from rest at the top
   (PyBaMM's 100 %), at every temperature, so that coulomb counting with the
   nominal capacity and the OCV table agree.
2. **Pulse test** (HPPC-like): from rest at the top, 5 % down and 30 min of
   rest, then at ``soc_levels`` levels 10 % apart: a 10 s discharge pulse
   at C/5, 40 s rest, a 10 s discharge pulse at 1C, 40 s rest, a 10 s charge
   pulse at 0.75C, 40 s rest, a 10 % step down at C/2 and 30 min of rest,
   sampled every second. The pulses at C/5 and 1C tell the series drop's
   Butler-Volmer bend from its slope (:mod:`bms.cell._kinetics`).
3. **Charge pulse test**: the same in the other direction. From rest at the
   top, 95 % down at C/2 and 30 min of rest, then at ``soc_levels`` levels
   10 % apart: a 10 s charge pulse at C/5, 40 s rest, a 10 s charge pulse at
   1C, 40 s rest, a 10 % step up at C/2 and 30 min of rest. Its levels are
   fitted with the discharge tables' time constants at their SoC held, and
   their three resistances and kinetic current are the file's ``charge``
   tables (:class:`bms.cell.ChargeCircuit`): near empty a
   discharge step drives the particle surfaces into the OCV's knee and a
   charge step away from it, so one set of resistances cannot serve both (on
   PyBaMM's Prada2013 LFP the discharge-fitted circuit was 125 mV off the DFN
   on a 0.7C charge). Holding the time constants costs under 1 mV of fit
   residual at every level (LFP, -20 degC) and keeps the circuit's voltage
   continuous through zero current.
4. **Fit**: each level's record (pulses, step and relaxation) is fitted
   with :func:`~bms.calibration._ecm_fit.fit_ecm` against the OCV table at
   the coulomb-counted SoC plus the particles' surface lag predicted along
   the record from its start (:func:`bms.cell.surface_lag_along`, from the
   file's ``electrodes`` section, which is computed first and nothing in
   which is fitted), kinetic current included; the parameters are
   placed at the level's middle SoC and interpolated onto the SoC grid (held
   constant beyond the outermost levels; the kinetic current through its
   inverse, the curvature the tables interpolate).

The lag is a known input of the fit rather than something the resistances
absorb: at the graphite's stage step (LFP, 70 to 80 % SoC) it moves by
tens of millivolts within a level, which no fixed resistance follows; held
out, the LFP levels' residual fell from 21 to 25 mV rms to 7 to 8 mV rms
(-20 to 45 degC; the largest error from 422 to 89 mV), and the file says so
(``electrodes.circuit_fitted_with_lag``) so that the plant and the SoC
filter add the lag back.

The residuals go into the file's ``fit`` section: ``ocv_rmse_v`` compares the
OCV table with the DFN's terminal voltage at the end of every 30 min rest of
the pulse tests (a relaxed cell), the pulse residuals are those of the fits.
"""

import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.calibration._ecm_fit import PulseFit, fit_ecm
from bms.calibration._ocv import average_branches, charge_at_voltage
from bms.calibration._physics import COMPLETION_NOTE, CellTestRecord, PhysicsCell, pybamm_version
from bms.cell import (
    Chemistry,
    Electrodes,
    SurfaceLagModel,
    electrodes_lag_model,
    parse_chemistry,
    surface_lag_along,
)

__all__ = ["CHAMBER_HEAT_TRANSFER_W_PER_M2_K", "CalibrationResult", "calibrate"]

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[str], None]

CHAMBER_HEAT_TRANSFER_W_PER_M2_K = 1000.0
"""Heat transfer coefficient of the calibration runs: the cell clamped to a
temperature-controlled plate, so that each table row belongs to its
temperature (the set's own coefficient lets a -10 degC cell warm by 5 K
during the pulse test). The thermal section of the file keeps the set's own value."""
SOC_GRID = tuple(round(0.025 * k, 3) for k in range(41))
"""SoC breakpoints of every table."""
REST_S = 1800
"""Rest before each pulse level and after each step."""
CHARGE_TABLES = ("r0_ohm", "r1_ohm", "r2_ohm", "kinetic_current_a")
"""The tables the charge levels give (:class:`bms.cell.ChargeCircuit`)."""


@dataclass(frozen=True)
class CalibrationResult:
    """A calibrated chemistry and the fits behind it."""

    chemistry: Chemistry
    """The validated chemistry file."""
    fits: dict[float, list[tuple[float, PulseFit]]]
    """Per temperature, (middle SoC, fit) for every pulse level."""
    charge_fits: dict[float, list[tuple[float, PulseFit]]]
    """Per temperature, (middle SoC, fit) for every level of the charge pulse test."""
    cell_temperature_range_degc: dict[float, tuple[float, float]]
    """Per temperature, the lowest and highest cell temperature seen in the pulse test."""


def _reference_temperature(temperatures_degc: Sequence[float]) -> float:
    return min(temperatures_degc, key=lambda value: abs(value - 25.0))


def _ocv_row(
    record: CellTestRecord, nominal_ah: float | None, min_v: float
) -> tuple[float, FloatArray, FloatArray]:
    """Capacity to ``min_v`` and the pseudo-OCV on the grid (NaN where not reached)."""
    charge = record.discharged_ah - record.discharged_ah[0]
    discharge = record.current_a > 0.0
    charging = record.current_a < 0.0
    capacity = charge_at_voltage(charge[discharge], record.voltage_v[discharge], min_v)
    reference = capacity if nominal_ah is None else nominal_ah
    grid_ah = (1.0 - np.asarray(SOC_GRID)) * reference
    ocv, _ = average_branches(
        charge[discharge],
        record.voltage_v[discharge],
        charge[charging],
        record.voltage_v[charging],
        grid_ah,
    )
    return capacity, ocv, grid_ah


def _fill_row(row: FloatArray, reference: FloatArray | None) -> FloatArray:
    """Fill NaN ends from the reference row's shape (offset at the last known point)."""
    known = np.nonzero(np.isfinite(row))[0]
    if known.size == 0:
        raise ValueError("the OCV test produced no usable point")
    filled = row.copy()
    low, high = int(known[0]), int(known[-1])
    for index in range(filled.size):
        if index < low or index > high:
            edge = low if index < low else high
            if reference is not None and np.isfinite(reference[index]):
                filled[index] = reference[index] + row[edge] - reference[edge]
            else:
                filled[index] = row[edge]
    # the table must be non-decreasing in SoC; the grid runs from SoC 0 up
    result: FloatArray = np.maximum.accumulate(filled)
    return result


def _pulse_steps(nominal_ah: float, levels: int, min_v: float, max_v: float) -> list[str]:
    one_c = nominal_ah
    step_s = round(0.1 * 3600.0 / 0.5)
    steps = [
        "Rest for 10 minutes",
        f"Discharge at {0.5 * one_c:.6g} A for {step_s // 2} seconds or until {min_v:.4g} V",
        f"Rest for {REST_S} seconds",
    ]
    for _ in range(levels):
        steps += [
            f"Discharge at {0.2 * one_c:.6g} A for 10 seconds or until {min_v - 0.2:.4g} V",
            "Rest for 40 seconds",
            f"Discharge at {one_c:.6g} A for 10 seconds or until {min_v - 0.2:.4g} V",
            "Rest for 40 seconds",
            f"Charge at {0.75 * one_c:.6g} A for 10 seconds or until {max_v + 0.1:.4g} V",
            "Rest for 40 seconds",
            f"Discharge at {0.5 * one_c:.6g} A for {step_s} seconds or until {min_v:.4g} V",
            f"Rest for {REST_S} seconds",
        ]
    return steps


def _charge_pulse_steps(nominal_ah: float, levels: int, min_v: float, max_v: float) -> list[str]:
    one_c = nominal_ah
    step_s = round(0.1 * 3600.0 / 0.5)
    steps = [
        "Rest for 10 minutes",
        f"Discharge at {0.5 * one_c:.6g} A for {round(0.95 * 3600.0 / 0.5)} seconds "
        f"or until {min_v:.4g} V",
        f"Rest for {REST_S} seconds",
    ]
    for _ in range(levels):
        steps += [
            f"Charge at {0.2 * one_c:.6g} A for 10 seconds or until {max_v + 0.1:.4g} V",
            "Rest for 40 seconds",
            f"Charge at {one_c:.6g} A for 10 seconds or until {max_v + 0.1:.4g} V",
            "Rest for 40 seconds",
            f"Charge at {0.5 * one_c:.6g} A for {step_s} seconds or until {max_v:.4g} V",
            f"Rest for {REST_S} seconds",
        ]
    return steps


def _long_rests(record: CellTestRecord) -> list[int]:
    """Indices of the sub-solutions that are the 30 min rests, in order.

    PyBaMM skips a step that is infeasible from the start (a charge pulse
    near the top at -10 degC), so sub-solutions are found by what they are,
    not by their position in the step list.
    """
    rests = []
    for index in range(int(record.step.max()) + 1):
        samples = np.nonzero(record.step == index)[0]
        if samples.size == 0:
            continue
        duration = record.time_s[samples[-1]] - record.time_s[samples[0]]
        if np.max(np.abs(record.current_a[samples])) < 1e-9 and duration >= REST_S - 1:
            rests.append(index)
    return rests


def _fit_levels(
    record: CellTestRecord,
    ocv_row: FloatArray,
    nominal_ah: float,
    lag: SurfaceLagModel,
    time_constants: dict[str, list[float]] | None = None,
) -> tuple[list[tuple[float, PulseFit]], list[float]]:
    """Fit every level's record (rest end to next rest end); also the rested-voltage residuals.

    The circuit is fitted to the record less the surface ``lag`` (module
    docstring, 4). ``time_constants`` (``tau1_s`` and ``tau2_s`` on the SoC
    grid, from the discharge levels' :func:`_tables`): held at the level's
    middle SoC, only the resistances fitted (the charge levels); ``None``
    fits all five.
    """
    grid = np.asarray(SOC_GRID)
    soc = 1.0 - (record.discharged_ah - record.discharged_ah[0]) / nominal_ah
    ocv = np.interp(soc, grid, ocv_row) + surface_lag_along(
        lag,
        time_s=record.time_s,
        current_a=record.current_a,
        temperature_degc=record.temperature_degc,
        soc=soc,
        capacity_ah=nominal_ah,
    )
    fits: list[tuple[float, PulseFit]] = []
    rests = _long_rests(record)
    ends = [int(np.nonzero(record.step == index)[0][-1]) for index in rests]
    rested = [float(record.voltage_v[end] - ocv[end]) for end in ends]
    for start, stop in itertools.pairwise(ends):
        span = np.arange(start, stop + 1)
        if span.size < 100 or np.ptp(soc[span]) < 0.01:
            continue
        middle = float(0.5 * (soc[start] + soc[stop]))
        held = None
        if time_constants is not None:
            held = (
                float(np.interp(middle, grid, time_constants["tau1_s"])),
                float(np.interp(middle, grid, time_constants["tau2_s"])),
            )
        # the fit starts at a rest's last sample: the RC pairs are relaxed there
        fit = fit_ecm(
            record.time_s[span] - record.time_s[start],
            record.current_a[span],
            record.voltage_v[span],
            ocv[span],
            held,
            kinetic=True,
        )
        fits.append((middle, fit))
    return fits, rested


@dataclass(frozen=True)
class _PulseTests:
    """Both pulse tests at one temperature, fitted."""

    fits: list[tuple[float, PulseFit]]
    """(middle SoC, fit) of every level stepping down."""
    charge_fits: list[tuple[float, PulseFit]]
    """(middle SoC, fit) of every level stepping up (time constants held)."""
    tables: dict[str, list[float]]
    """The five tables of the levels stepping down, on the SoC grid."""
    charge_tables: dict[str, list[float]]
    """The :data:`CHARGE_TABLES` of the levels stepping up, on the SoC grid."""
    rested_v: list[float]
    """Rested voltage minus the OCV table at the end of every 30 min rest."""
    temperature_range_degc: tuple[float, float]
    """Lowest and highest cell temperature over both tests."""


def _voltage_window(cell: PhysicsCell) -> tuple[float, float]:
    """Voltage limits of the simulations: room below and above the set's cut-offs."""
    return cell.min_voltage_v - 0.4, cell.max_voltage_v + 0.2


def _pulse_tests(  # noqa: PLR0913 - one temperature's inputs
    cell: PhysicsCell,
    temperature: float,
    nominal: float,
    soc_levels: int,
    ocv_row: FloatArray,
    *,
    lag: SurfaceLagModel,
    report: Progress,
) -> _PulseTests:
    """The pulse test stepping down, then the one stepping up, fitted (module doc, 2 to 4)."""

    def run(
        direction: str,
        steps: Callable[[float, int, float, float], list[str]],
        held: dict[str, list[float]] | None,
    ) -> tuple[CellTestRecord, list[tuple[float, PulseFit]], list[float]]:
        report(f"{direction}pulse test at {temperature:g} degC")
        record = cell.run_experiment(
            steps(nominal, soc_levels, cell.min_voltage_v, cell.max_voltage_v),
            temperature,
            1.0,
            1.0,
            _voltage_window(cell),
        )
        report(f"fitting {soc_levels} {direction}levels at {temperature:g} degC")
        level_fits, rested = _fit_levels(record, ocv_row, nominal, lag, held)
        if not level_fits:
            raise ValueError(
                f"the {direction}pulse test at {temperature:g} degC gave no level to fit"
            )
        return record, level_fits, rested

    down, fits, rested_down = run("", _pulse_steps, None)
    tables = _tables(fits)
    # the charge levels keep the discharge levels' time constants (ChargeCircuit)
    up, charge_fits, rested_up = run("charge ", _charge_pulse_steps, tables)
    charge = _tables(charge_fits)
    return _PulseTests(
        fits=fits,
        charge_fits=charge_fits,
        tables=tables,
        charge_tables={key: charge[key] for key in CHARGE_TABLES},
        rested_v=rested_down + rested_up,
        temperature_range_degc=(
            min(float(down.temperature_degc.min()), float(up.temperature_degc.min())),
            max(float(down.temperature_degc.max()), float(up.temperature_degc.max())),
        ),
    )


def _tables(fits: list[tuple[float, PulseFit]]) -> dict[str, list[float]]:
    """R0, R1, tau1, R2, tau2 and the kinetic current on the SoC grid from the fitted levels."""
    ordered = sorted(fits, key=lambda item: item[0])
    socs = np.array([soc for soc, _ in ordered])
    grid = np.asarray(SOC_GRID)
    columns = np.array([fit.parameters.as_array() for _, fit in ordered])
    columns[:, 5] = 1.0 / columns[:, 5]  # interpolated as the curvature the tables hold
    names = ("r0_ohm", "r1_ohm", "tau1_s", "r2_ohm", "tau2_s", "kinetic_current_a")
    tables = {name: np.interp(grid, socs, columns[:, k]) for k, name in enumerate(names)}
    tables["tau2_s"] = np.maximum(tables["tau2_s"], tables["tau1_s"] * 1.01 + 1e-3)
    tables["kinetic_current_a"] = 1.0 / tables["kinetic_current_a"]
    return {name: [float(v) for v in values] for name, values in tables.items()}


def calibrate(  # noqa: PLR0913 - the command's options, keyword-only
    parameter_set: str,
    temperatures_degc: Sequence[float],
    *,
    name: str | None = None,
    chemistry_label: str | None = None,
    soc_levels: int = 10,
    progress: Progress | None = None,
) -> CalibrationResult:
    """Run the tests at every temperature, fit, and return a validated chemistry.

    Implements: SWR_CAL_001

    Args:
        parameter_set: a PyBaMM parameter-set name.
        temperatures_degc: ambient temperatures, at least one; sorted here.
        name: registry name of the file; default ``<label>_<parameter_set>``.
        chemistry_label: ``NMC``, ``LFP``...; default guessed from the set's name.
        soc_levels: number of pulse levels (10 % apart from 95 % down).
        progress: called with a short description before each simulation and fit.

    Returns:
        The chemistry, validated by :class:`bms.cell.Chemistry`, and the fits.

    Raises:
        ValueError: unknown set, no temperature, or a test that produced nothing to fit.
    """
    if not temperatures_degc:
        raise ValueError("at least one temperature is needed")
    if not 1 <= soc_levels <= 10:
        raise ValueError(f"soc_levels={soc_levels} must be in 1..10 (10 % apart from 95 %)")
    report = progress or (lambda _message: None)
    temperatures = sorted(float(value) for value in temperatures_degc)
    cell = PhysicsCell(parameter_set)
    thermal = cell.thermal_summary()
    cell.set_heat_transfer(CHAMBER_HEAT_TRANSFER_W_PER_M2_K)
    min_v, max_v = cell.min_voltage_v, cell.max_voltage_v
    window = _voltage_window(cell)
    reference_t = _reference_temperature(temperatures)
    order = [reference_t, *[t for t in temperatures if t != reference_t]]
    capacities: dict[float, float] = {}
    ocv_rows: dict[float, FloatArray] = {}
    nominal: float | None = None
    for temperature in order:
        report(f"OCV test at {temperature:g} degC")
        record = cell.run_experiment(
            [
                f"Discharge at C/20 until {min_v - 0.05:.4g} V",
                "Rest for 1 hour",
                f"Charge at C/20 until {max_v + 0.05:.4g} V",
            ],
            temperature,
            1.0,
            60.0,
            window,
        )
        capacity, row, _ = _ocv_row(record, nominal, min_v)
        if nominal is None:
            nominal = capacity
            _, row, _ = _ocv_row(record, nominal, min_v)
        capacities[temperature] = capacity
        ocv_rows[temperature] = _fill_row(row, ocv_rows.get(reference_t))
    if nominal is None:  # pragma: no cover - order is never empty
        raise ValueError("no OCV test ran")
    tables: dict[str, list[list[float]]] = {k: [] for k in ("r0_ohm", "r1_ohm", "tau1_s")}
    tables.update({"r2_ohm": [], "tau2_s": [], "kinetic_current_a": []})
    charge_tables: dict[str, list[list[float]]] = {name: [] for name in CHARGE_TABLES}
    fits: dict[float, list[tuple[float, PulseFit]]] = {}
    charge_fits: dict[float, list[tuple[float, PulseFit]]] = {}
    rested_all: list[float] = []
    ranges: dict[float, tuple[float, float]] = {}
    report("electrode potentials and diffusion times")
    electrodes = {**cell.electrodes(nominal, temperatures), "circuit_fitted_with_lag": True}
    lag = electrodes_lag_model(Electrodes.model_validate_json(json.dumps(electrodes)), temperatures)
    for temperature in temperatures:
        tested = _pulse_tests(
            cell, temperature, nominal, soc_levels, ocv_rows[temperature], lag=lag, report=report
        )
        fits[temperature], charge_fits[temperature] = tested.fits, tested.charge_fits
        ranges[temperature] = tested.temperature_range_degc
        rested_all.extend(tested.rested_v)
        for key, values in tested.tables.items():
            tables[key].append(values)
        for key, values in tested.charge_tables.items():
            charge_tables[key].append(values)
    all_fits = [
        fit for by_t in (fits, charge_fits) for level_fits in by_t.values() for _, fit in level_fits
    ]
    label = chemistry_label or _guess_label(parameter_set)
    document = {
        "format_version": 1,
        "name": name or f"{label}_{parameter_set}",
        "chemistry": label,
        "source": {
            "parameter_set": parameter_set,
            "pybamm_version": pybamm_version(),
            "model": "DFN, lumped thermal",
            "generated_by": "bms calibrate",
            "notes": _notes(cell, soc_levels, ranges),
        },
        "nominal_capacity_ah": nominal,
        "min_voltage_v": min_v,
        "max_voltage_v": max_v,
        "soc_breakpoints": list(SOC_GRID),
        "temperature_breakpoints_degc": temperatures,
        "ocv_v": [[float(v) for v in ocv_rows[t]] for t in temperatures],
        **tables,
        "charge": {
            **charge_tables,
            "pulse_rmse_v_by_temperature": _rmse_by_temperature(charge_fits),
        },
        "capacity_ah_by_temperature": [capacities[t] for t in temperatures],
        "electrodes": electrodes,
        "thermal": {**thermal, "entropic_coefficient_v_per_k": _entropic(ocv_rows)},
        "fit": {
            "ocv_rmse_v": float(np.sqrt(np.mean(np.square(rested_all)))) if rested_all else 0.0,
            "pulse_rmse_v_by_temperature": _rmse_by_temperature(fits),
            "max_abs_error_v": max(
                [f.max_abs_error_v for f in all_fits] + [abs(v) for v in rested_all]
            ),
        },
    }
    chemistry = parse_chemistry(json.dumps(document), f"calibration of {parameter_set}")
    return CalibrationResult(
        chemistry=chemistry, fits=fits, charge_fits=charge_fits, cell_temperature_range_degc=ranges
    )


def _rmse_by_temperature(fits: dict[float, list[tuple[float, PulseFit]]]) -> dict[str, float]:
    """RMS of the levels' fit residuals at each temperature, keyed ``f"{t:g}"``."""
    return {
        f"{t:g}": float(np.sqrt(np.mean([fit.rmse_v**2 for _, fit in level_fits])))
        for t, level_fits in fits.items()
    }


def _guess_label(parameter_set: str) -> str:
    """``LFP`` for sets known to be LiFePO4, ``NMC`` for NMC sets, else the set's name."""
    known = {"Prada2013": "LFP", "Chen2020": "NMC", "OKane2022": "NMC", "ORegan2022": "NMC"}
    known |= {"Ai2020": "LCO", "Ecker2015": "NMC", "Marquis2019": "LCO", "NCA_Kim2011": "NCA"}
    return known.get(parameter_set, "cell")


def _entropic(ocv_rows: dict[float, FloatArray]) -> float:
    """Mean dOCV/dT over SoC 10..90 % (least-squares slope across the temperatures)."""
    temperatures = sorted(ocv_rows)
    if len(temperatures) < 2:
        return 0.0
    grid = np.asarray(SOC_GRID)
    middle = (grid >= 0.1) & (grid <= 0.9)
    rows = np.array([ocv_rows[t][middle] for t in temperatures])
    slopes = np.polyfit(np.asarray(temperatures), rows, 1)[0]
    value = float(np.mean(slopes))
    return value if math.isfinite(value) else 0.0


def _notes(cell: PhysicsCell, soc_levels: int, ranges: dict[float, tuple[float, float]]) -> str:
    spans = ", ".join(f"{t:g}: {low:.1f}..{high:.1f}" for t, (low, high) in ranges.items())
    text = (
        f"SoC = 1 - discharged charge / nominal_capacity_ah from rest at PyBaMM's 100 % "
        f"(OCV = max_voltage_v), at every temperature. OCV: mean of C/20 discharge and charge. "
        f"Pulses: {soc_levels} HPPC-like levels (C/5 and 1C/10 s discharge, 0.75C/10 s "
        f"charge, 10 % step at C/2, 30 min rest), fitted per level by least squares, the "
        f"series drop's kinetic current included; charge tables: {soc_levels} levels from 5 % "
        f"up (C/5 and 1C/10 s charge, 10 % step up at C/2, 30 min rest), resistances and "
        f"kinetic current fitted with the discharge time constants held. Calibration runs held "
        f"the cell near ambient (heat transfer {CHAMBER_HEAT_TRANSFER_W_PER_M2_K:g} W/m2/K); "
        f"cell temperature range in the pulse tests (degC): {spans}. Thermal section: the "
        f"set's own heat transfer and layer heat capacities."
    )
    if cell.completed_keys:
        text += " " + COMPLETION_NOTE + " Completed keys: " + "; ".join(cell.completed_keys) + "."
    return text
