"""Two-RC equivalent-circuit model of many cells at once: pure functions, state in, state out.

ASIL: QM(D) (estimation channel and test plant). Requirements: SWR_CELL_003, SWR_CELL_004,
SWR_CELL_006, SWR_CELL_007.

Terminal voltage (current positive on discharge)::

    v = OCV(SoC, T) + V_lag - eta(I) - v1 - v2,   eta(I) = R0 I, or R0 Ik asinh(I / Ik) up to 1C

the series drop ``eta`` bent by Butler-Volmer kinetics where the chemistry
has kinetic-current tables (:mod:`bms.cell._kinetics`), and ``V_lag`` the
particles' surface lag (:mod:`bms.cell._surface_lag`) where the chemistry's
circuit was fitted with it held out (``electrodes.circuit_fitted_with_lag``;
otherwise 0: the resistances hold it). The lag's filters advance with the
step's current like the RC pairs, and the lag's voltage times the current
heats the cell like theirs.

Over a step of ``dt`` with the current held, the RC pairs are discretised
exactly (``a = exp(-dt / tau)``, ``v' = a v + R (1 - a) I``), SoC is counted
in coulombs against the capacity at the cell's temperature
(``SoC' = SoC - I dt / (3600 C(T))``, clamped to [0, 1]) and the temperature
follows the lumped thermal model, heated by the Joule heat of the three
resistors (``I eta(I)`` in the series one) plus the reversible heat
``-I T dOCV/dT`` (Bernardi, discharge positive). Parameters are read at the
state at the start of the step, the resistances from the chemistry's charge
tables for a cell whose current charges it (below zero; the time constants
are the same both ways). Every
function works on arrays of shape (cells,); a :class:`CellModel`'s per-cell
``capacity_scale`` and ``resistance_scale`` express spread and ageing
(``resistance_scale`` multiplies R0, R1 and R2; time constants are kept).
"""

from dataclasses import dataclass

import numpy as np

from bms.cell._chemistry import Chemistry, ThermalParameters
from bms.cell._kinetics import series_overpotential_v
from bms.cell._surface_lag import (
    SurfaceLagModel,
    initial_surface_lag,
    surface_lag_model,
    surface_lag_step,
    surface_lag_voltage,
    surface_offset,
)
from bms.cell._tables import CellParameters, CellTables, FloatArray, cell_tables, lookup
from bms.cell._thermal import thermal_step

__all__ = [
    "CellModel",
    "EcmState",
    "cell_model",
    "ecm_step",
    "heat_generation_w",
    "terminal_voltage",
]

_SECONDS_PER_HOUR = 3600.0
_KELVIN_OFFSET = 273.15


@dataclass(frozen=True)
class CellModel:
    """Structure plus parameters: a chemistry's tables and each cell's deviation from them."""

    tables: CellTables
    """The chemistry's arrays."""
    thermal: ThermalParameters
    """The chemistry's lumped thermal parameters."""
    capacity_scale: FloatArray | float = 1.0
    """Each cell's capacity relative to the chemistry's (ageing, spread)."""
    resistance_scale: FloatArray | float = 1.0
    """Each cell's R0, R1 and R2 relative to the chemistry's (ageing, spread)."""
    surface_lag: SurfaceLagModel | None = None
    """The particles' surface lag, for a chemistry whose circuit was fitted with it held out."""


def cell_model(
    chemistry: Chemistry,
    capacity_scale: FloatArray | float = 1.0,
    resistance_scale: FloatArray | float = 1.0,
) -> CellModel:
    """The equivalent-circuit model of cells of ``chemistry``, scaled per cell.

    Implements: SWR_CELL_003, SWR_CELL_007
    """
    electrodes = chemistry.electrodes
    fitted_with_lag = electrodes is not None and electrodes.circuit_fitted_with_lag
    return CellModel(
        tables=cell_tables(chemistry),
        thermal=chemistry.thermal,
        capacity_scale=capacity_scale,
        resistance_scale=resistance_scale,
        surface_lag=surface_lag_model(chemistry) if fitted_with_lag else None,
    )


@dataclass(frozen=True)
class EcmState:
    """State of every cell of the equivalent circuit, each array of shape (cells,)."""

    soc: FloatArray
    """State of charge, in [0, 1]."""
    v_rc1_v: FloatArray
    """Voltage across the fast RC pair (positive on discharge)."""
    v_rc2_v: FloatArray
    """Voltage across the slow RC pair."""
    temperature_degc: FloatArray
    """Cell temperature."""
    surface_lag: FloatArray | None = None
    """The surface lag's filters (:func:`bms.cell.surface_lag_step`), shape (2, filters,
    cells); ``None`` at rest or for a model without the lag."""


def terminal_voltage(
    model: CellModel, state: EcmState, current_a: FloatArray | float
) -> FloatArray:
    """Terminal voltage of each cell at ``state`` while ``current_a`` flows.

    Implements: SWR_CELL_003, SWR_CELL_005, SWR_CELL_006, SWR_CELL_007
    """
    charging = np.less(current_a, 0.0)
    parameters = lookup(model.tables, state.temperature_degc, state.soc, charging)
    result: FloatArray = (
        parameters.ocv_v
        + _lag_voltage(model, state)
        - _series_drop(model, parameters, current_a)
        - state.v_rc1_v
        - state.v_rc2_v
    )
    return result


def _lag_voltage(model: CellModel, state: EcmState) -> FloatArray | float:
    """What the surface lag adds to the OCV (0 without the lag or at rest)."""
    if model.surface_lag is None or state.surface_lag is None:
        return 0.0
    return surface_lag_voltage(model.surface_lag, state.soc, surface_offset(state.surface_lag))


def _series_drop(
    model: CellModel, parameters: CellParameters, current_a: FloatArray | float
) -> FloatArray:
    """The series drop at ``current_a``, the cell's resistance scale applied."""
    r0 = parameters.r0_ohm * model.resistance_scale
    curvature = parameters.kinetic_curvature_per_a
    return series_overpotential_v(r0, curvature, current_a, model.tables.bend_limit_a)


def heat_generation_w(
    model: CellModel,
    parameters: CellParameters,
    state: EcmState,
    current_a: FloatArray | float,
) -> FloatArray:
    """Heat generated in each cell: Joule heat in R0, R1, R2 and the lag, plus the reversible heat.

    Implements: SWR_CELL_004, SWR_CELL_006, SWR_CELL_007
    """
    scale = model.resistance_scale
    joule = (
        np.multiply(current_a, _series_drop(model, parameters, current_a))
        + np.square(state.v_rc1_v) / (parameters.r1_ohm * scale)
        + np.square(state.v_rc2_v) / (parameters.r2_ohm * scale)
        - np.multiply(current_a, _lag_voltage(model, state))
    )
    kelvin = state.temperature_degc + _KELVIN_OFFSET
    reversible = -np.multiply(current_a, kelvin) * model.thermal.entropic_coefficient_v_per_k
    result: FloatArray = joule + reversible
    return result


def ecm_step(
    model: CellModel,
    state: EcmState,
    current_a: FloatArray | float,
    dt_s: float,
    ambient_degc: FloatArray | float,
) -> EcmState:
    """State after ``dt_s`` seconds of ``current_a`` (held constant over the step).

    Implements: SWR_CELL_003, SWR_CELL_004, SWR_CELL_005, SWR_CELL_006, SWR_CELL_007

    Args:
        model: the chemistry's tables and the cells' scales.
        state: the state at the start of the step.
        current_a: cell current, positive on discharge, scalar or shape (cells,).
        dt_s: step length, > 0.
        ambient_degc: temperature the cells exchange heat with.

    Returns:
        The new state; SoC clamped to [0, 1].
    """
    charging = np.less(current_a, 0.0)
    parameters = lookup(model.tables, state.temperature_degc, state.soc, charging)
    scale = model.resistance_scale
    decay1 = np.exp(-dt_s / parameters.tau1_s)
    decay2 = np.exp(-dt_s / parameters.tau2_s)
    v_rc1 = decay1 * state.v_rc1_v + parameters.r1_ohm * scale * (1.0 - decay1) * current_a
    v_rc2 = decay2 * state.v_rc2_v + parameters.r2_ohm * scale * (1.0 - decay2) * current_a
    capacity_ah = parameters.capacity_ah * model.capacity_scale
    soc = np.clip(state.soc - current_a * dt_s / (_SECONDS_PER_HOUR * capacity_ah), 0.0, 1.0)
    heat = heat_generation_w(model, parameters, state, current_a)
    temperature = thermal_step(model.thermal, state.temperature_degc, heat, ambient_degc, dt_s)
    lag = None
    if model.surface_lag is not None:
        lag = surface_lag_step(
            model.surface_lag,
            initial_surface_lag(soc.size) if state.surface_lag is None else state.surface_lag,
            current_a=current_a,
            dt_s=dt_s,
            temperature_degc=state.temperature_degc,
            capacity_ah=capacity_ah,
        )
    return EcmState(
        soc=soc, v_rc1_v=v_rc1, v_rc2_v=v_rc2, temperature_degc=temperature, surface_lag=lag
    )
