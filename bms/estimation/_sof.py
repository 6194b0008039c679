"""State of Function: charge and discharge current and power limits over a horizon.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOF_001, SWR_SOF_002, SWR_SOF_003,
SWR_PLAT_003, SWR_CELL_007.

For each cell the equivalent circuit predicts the terminal voltage after
holding a constant current ``I`` for the horizon ``H`` (Plett's
"HPPC-like" power-limit method, with the OCV linearised over the SoC the
current moves)::

    v(H) = OCV(z) - v1 e1 - v2 e2 - I (R_eff + dOCV/dz H / (3600 C))
    R_eff = R0 + R1 (1 - e1) + R2 (1 - e2),   e_k = exp(-H / tau_k)

and the largest ``I`` keeping ``v(H)`` inside the voltage window and the SoC
inside its window over the horizon is the cell's limit. A chemistry whose
series drop is bent by kinetics (:mod:`bms.cell._kinetics`, SWR_CELL_006)
replaces ``R0 I`` by ``eta(I)``: its zero-current slope ``R0`` bounds the
drop from above at every current, so the linear limit is solved first and
then raised by a few fixed-point steps ``I <- headroom / (R_rest + eta(I) /
I)``; the drop's secant ``eta(I) / I`` falls as ``I`` grows, so every step
stays below the true limit and the limit is conservative after any number of
them. The string's limit is
the smallest cell limit times the parallel count; it is then capped by the
configured maximum current times a temperature derating factor (1 inside the
warning tiers, falling linearly to 0 at the fault tiers, from the coldest and
the hottest cell), so the result never exceeds the configured maxima and is
monotone in temperature outside the warning tiers. The SoC used is the
estimate moved by ``soc_sigmas`` standard deviations towards the limit
(down for discharge, up for charge), so an uncertain SoC gives a smaller limit.
Power is the limit current times the sum of the predicted cell voltages,
the series drop bent as in the limit (with the linear ``R0 I`` a cold
limit's voltage would read near zero: the zero-current slope is 2 to 3.4
times the 1C secant there).
Where the model carries the particles' surface lag (SWR_CELL_007), its
voltage at the end of the horizon joins the open-circuit part: the lag's
filters are linear in the current, so a held current ``I`` gives the
surface offset ``free + per_ampere I`` (``bms.cell.surface_lag_response``),
read through the electrodes' potentials at the bulk's SoC at the horizon's
end. That voltage falls as the current
grows in the limit's direction (each potential falls with lithium), so the
limit is found in two passes: with the lag at zero current (the free
relaxation alone), which gives a current at or above the true limit, then
with the lag at that current, which the true limit's lag is no worse than:
the second pass is at or below the true limit, conservative.
Given a chemistry (``plating_chemistry``), the charge current is also capped
by the lithium-plating limit of :func:`bms.estimation.plating_limits` (the
smallest cell's times the parallel count); a missing or out-of-range map
gives its most conservative limit and ``PowerLimits.charge_limit_reason``.
"""

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bms.cell import (
    CellModel,
    Chemistry,
    initial_surface_lag,
    lookup,
    series_overpotential_v,
    surface_lag_response,
    surface_lag_voltage,
)
from bms.config import BmsConfig, TemperatureLimits
from bms.estimation._plating import plating_limits

__all__ = ["PowerLimits", "SofLimits", "sof_limits", "state_of_function", "temperature_derating"]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

_SECONDS_PER_HOUR = 3600.0
_BEND_STEPS = 4
"""Fixed-point steps raising a bent drop's limit from the linear one (module docstring)."""


@dataclass(frozen=True)
class SofLimits:
    """Everything the limits are computed against, read from the configuration."""

    max_charge_current_a: float
    """Pack charge current never exceeded: min(warning tier, cell maximum x parallel count)."""
    max_discharge_current_a: float
    """Pack discharge current never exceeded: min(warning tier, cell maximum x parallel)."""
    min_cell_voltage_v: float
    """Lowest predicted cell voltage allowed at the end of the horizon (under-voltage warning)."""
    max_cell_voltage_v: float
    """Highest predicted cell voltage allowed at the end of the horizon (over-voltage warning)."""
    charge_temperature: TemperatureLimits
    """Charge temperature window: derating between warning and fault tiers."""
    discharge_temperature: TemperatureLimits
    """Discharge temperature window."""
    parallel_count: int
    """Cells in parallel per series group."""
    horizon_s: float = 10.0
    """Time the limit current must be sustainable for."""
    min_soc: float = 0.0
    """SoC the discharge limit must not cross within the horizon."""
    max_soc: float = 1.0
    """SoC the charge limit must not cross within the horizon."""
    soc_sigmas: float = 3.0
    """Standard deviations of the SoC estimate taken as margin."""


@dataclass(frozen=True)
class PowerLimits:
    """Pack limits, all >= 0 (discharge and charge are magnitudes)."""

    discharge_current_a: float
    """Largest discharge current for the horizon."""
    charge_current_a: float
    """Largest charge current for the horizon."""
    discharge_power_w: float
    """Largest discharge power for the horizon."""
    charge_power_w: float
    """Largest charge power for the horizon."""
    charge_limit_reason: str | None = None
    """Why the plating cap fell back to its most conservative limit (None: it did not)."""
    plating_margin_v: float | None = None
    """Lowest cell's estimated anode potential at the charge limit (None: not computed)."""
    plating_margin_lower_v: float | None = None
    """Its lower bound (conservative SoC and temperature)."""


def sof_limits(config: BmsConfig, horizon_s: float = 10.0) -> SofLimits:
    """The limits of a validated configuration.

    Implements: SWR_SOF_002
    """
    parallel = config.pack.parallel_count
    protection = config.protection
    return SofLimits(
        max_charge_current_a=min(
            protection.charge_current.warning_a,
            config.cell.absolute_max_charge_current_a * parallel,
        ),
        max_discharge_current_a=min(
            protection.discharge_current.warning_a,
            config.cell.absolute_max_discharge_current_a * parallel,
        ),
        min_cell_voltage_v=protection.cell_voltage.under_warning_v,
        max_cell_voltage_v=protection.cell_voltage.over_warning_v,
        charge_temperature=protection.charge_temperature,
        discharge_temperature=protection.discharge_temperature,
        parallel_count=parallel,
        horizon_s=horizon_s,
    )


def temperature_derating(temperature_degc: FloatArray, window: TemperatureLimits) -> float:
    """Derating factor of the worst cell: 1 inside the warning tiers, 0 at and beyond the faults.

    Implements: SWR_SOF_003

    Linear between each warning tier and its fault tier; non-decreasing in
    temperature below the window and non-increasing above it. A non-finite
    temperature gives 0 (unknown temperature: no current).
    """
    temperatures = np.asarray(temperature_degc, dtype=np.float64)
    if temperatures.size == 0 or not np.all(np.isfinite(temperatures)):
        return 0.0
    coldest = float(temperatures.min())
    hottest = float(temperatures.max())
    cold = (coldest - window.under_fault_degc) / (
        window.under_warning_degc - window.under_fault_degc
    )
    hot = (window.over_fault_degc - hottest) / (window.over_fault_degc - window.over_warning_degc)
    return float(np.clip(min(cold, hot), 0.0, 1.0))


def state_of_function(  # noqa: PLR0913 - the limits depend on exactly these
    model: CellModel,
    limits: SofLimits,
    *,
    soc: FloatArray,
    soc_sigma: FloatArray,
    rc_voltages_v: tuple[FloatArray, FloatArray],
    temperature_degc: FloatArray,
    plating_chemistry: Chemistry | None = None,
    plating_soc_upper: FloatArray | None = None,
    surface_lag: FloatArray | None = None,
) -> PowerLimits:
    """Charge and discharge current and power limits of the pack over the horizon.

    Implements: SWR_SOF_001, SWR_SOF_002, SWR_SOF_003, SWR_PLAT_003, SWR_CELL_007

    Args:
        model: the cells' equivalent circuit (with SoH scales).
        limits: from :func:`sof_limits`.
        soc: SoC estimate of each cell.
        soc_sigma: its standard deviation.
        rc_voltages_v: the estimated (v1, v2) of each cell.
        temperature_degc: each cell's temperature.
        plating_chemistry: the chemistry whose plating map caps the charge
            current (None: no plating cap).
        plating_soc_upper: another upper bound of each cell's SoC for the
            plating cap (:func:`bms.estimation.coulomb_soc_upper`); None: the
            estimate plus ``soc_sigmas`` standard deviations alone.
        surface_lag: the SoC filter's surface-lag filters
            (``EkfState.surface_lag``) for a model with the lag; None: at rest.

    Returns:
        The limits; all zero when an input is not finite.
    """
    arrays = (soc, soc_sigma, rc_voltages_v[0], rc_voltages_v[1], temperature_degc)
    if not all(np.all(np.isfinite(np.asarray(a, dtype=np.float64))) for a in arrays):
        return PowerLimits(0.0, 0.0, 0.0, 0.0)
    margin = limits.soc_sigmas * np.asarray(soc_sigma, dtype=np.float64)
    z_discharge = np.clip(soc - margin, 0.0, 1.0)
    z_charge = np.clip(soc + margin, 0.0, 1.0)
    discharge_cell, discharge_v = _cell_limit(
        model, limits, z_discharge, rc_voltages_v, temperature_degc, discharge=True,
        lag_modes=surface_lag,
    )  # fmt: skip
    charge_cell, charge_v = _cell_limit(
        model, limits, z_charge, rc_voltages_v, temperature_degc, discharge=False,
        lag_modes=surface_lag,
    )  # fmt: skip
    parallel = limits.parallel_count
    discharge_a = min(
        float(discharge_cell.min()) * parallel,
        limits.max_discharge_current_a
        * temperature_derating(temperature_degc, limits.discharge_temperature),
    )
    charge_a = min(
        float(charge_cell.min()) * parallel,
        limits.max_charge_current_a
        * temperature_derating(temperature_degc, limits.charge_temperature),
    )
    capped = None
    if plating_chemistry is not None:
        capped = plating_limits(
            plating_chemistry.plating,
            soc=soc,
            soc_sigma=soc_sigma,
            temperature_degc=temperature_degc,
            soc_sigmas=limits.soc_sigmas,
            soc_upper=plating_soc_upper,
        )
        charge_a = min(charge_a, capped.min_cell_charge_current_a * parallel)
    discharge_a, charge_a = max(discharge_a, 0.0), max(charge_a, 0.0)
    result = PowerLimits(
        discharge_current_a=discharge_a,
        charge_current_a=charge_a,
        discharge_power_w=max(discharge_a * float(discharge_v(discharge_a / parallel)), 0.0),
        charge_power_w=max(charge_a * float(charge_v(-charge_a / parallel)), 0.0),
    )
    if plating_chemistry is None or capped is None:
        return result
    at_limit = plating_limits(
        plating_chemistry.plating,
        soc=soc,
        soc_sigma=soc_sigma,
        temperature_degc=temperature_degc,
        charge_current_a=charge_a / parallel,
        soc_sigmas=limits.soc_sigmas,
        soc_upper=plating_soc_upper,
    )
    known = at_limit.margin_v.size > 0 and bool(np.all(np.isfinite(at_limit.margin_v)))
    return replace(
        result,
        charge_limit_reason=capped.fallback_reason,
        plating_margin_v=float(at_limit.margin_v.min()) if known else None,
        plating_margin_lower_v=float(at_limit.margin_lower_v.min()) if known else None,
    )


class _StringVoltage:
    """Sum of the predicted cell voltages at the end of the horizon, for a cell current.

    The series drop is the circuit's own (bent where the chemistry has kinetic
    tables), the rest of the effective resistance linear.
    """

    def __init__(
        self,
        open_v: FloatArray,
        rest_ohm: FloatArray,
        r0_ohm: FloatArray,
        curvature_per_a: FloatArray,
        bend_limit_a: float,
    ) -> None:
        self._open_v = open_v
        self._rest_ohm = rest_ohm
        self._r0_ohm = r0_ohm
        self._curvature_per_a = curvature_per_a
        self._bend_limit_a = bend_limit_a

    def __call__(self, cell_current_a: float) -> float:
        drop = series_overpotential_v(
            self._r0_ohm, self._curvature_per_a, cell_current_a, self._bend_limit_a
        )
        return float(np.sum(self._open_v - cell_current_a * self._rest_ohm - drop))


def _cell_limit(  # noqa: PLR0913 - one helper for both directions
    model: CellModel,
    limits: SofLimits,
    soc: FloatArray,
    rc_voltages_v: tuple[FloatArray, FloatArray],
    temperature_degc: FloatArray,
    *,
    discharge: bool,
    lag_modes: FloatArray | None,
) -> tuple[FloatArray, _StringVoltage]:
    """Each cell's largest current magnitude for the horizon, and the string voltage model."""
    horizon = limits.horizon_s
    temperature = np.asarray(temperature_degc, dtype=np.float64)
    charging = np.full(soc.shape, not discharge)  # the direction the limit is for
    p = lookup(model.tables, temperature, soc, charging)
    scale = model.resistance_scale
    e1 = np.exp(-horizon / p.tau1_s)
    e2 = np.exp(-horizon / p.tau2_s)
    capacity_ah = p.capacity_ah * model.capacity_scale
    coulomb = horizon / (_SECONDS_PER_HOUR * capacity_ah)
    resistance = (p.r0_ohm + p.r1_ohm * (1.0 - e1) + p.r2_ohm * (1.0 - e2)) * scale
    circuit = _Circuit(
        effective_ohm=resistance + p.docv_dsoc_v * coulomb,
        r0_ohm=p.r0_ohm * scale,
        curvature_per_a=p.kinetic_curvature_per_a,
        bent=model.tables.has_kinetics,
        bend_limit_a=model.tables.bend_limit_a,
    )
    open_v = p.ocv_v - rc_voltages_v[0] * e1 - rc_voltages_v[1] * e2
    by_soc = ((soc - limits.min_soc) if discharge else (limits.max_soc - soc)) / coulomb
    if model.surface_lag is not None:  # two passes, from above, then below (module docstring)
        modes = initial_surface_lag(soc.size) if lag_modes is None else lag_modes
        free, per_ampere = surface_lag_response(
            model.surface_lag, modes, horizon_s=horizon, temperature_degc=temperature,
            capacity_ah=capacity_ah,
        )  # fmt: skip
        at_rest = open_v + surface_lag_voltage(model.surface_lag, soc, free)
        above = np.minimum(_voltage_limit(circuit, limits, at_rest, discharge=discharge), by_soc)
        held = np.maximum(above, 0.0) if discharge else -np.maximum(above, 0.0)
        at_end = np.clip(soc - held * coulomb, 0.0, 1.0)  # the bulk at the horizon's end
        open_v = open_v + surface_lag_voltage(model.surface_lag, at_end, free + per_ampere * held)
    by_voltage = _voltage_limit(circuit, limits, open_v, discharge=discharge)
    limit = np.maximum(np.minimum(by_voltage, by_soc), 0.0)
    string_v = _StringVoltage(
        open_v,
        circuit.effective_ohm - circuit.r0_ohm,
        circuit.r0_ohm,
        circuit.curvature_per_a,
        circuit.bend_limit_a,
    )
    return limit, string_v


@dataclass(frozen=True)
class _Circuit:
    """What the horizon's voltage limit reads of the circuit, per cell."""

    effective_ohm: FloatArray
    """``R_eff`` plus the OCV's slope times the horizon's charge (module docstring)."""
    r0_ohm: FloatArray
    """The series resistance (zero-current slope of the drop)."""
    curvature_per_a: FloatArray
    """The drop's kinetic curvature."""
    bent: bool
    """The chemistry has kinetic tables: the drop is bent."""
    bend_limit_a: float
    """Current beyond which the bent drop is linear."""


def _voltage_limit(
    circuit: _Circuit, limits: SofLimits, open_v: FloatArray, *, discharge: bool
) -> FloatArray:
    """Each cell's largest current keeping the horizon's voltage inside the window."""
    if discharge:
        headroom = open_v - limits.min_cell_voltage_v
    else:
        headroom = limits.max_cell_voltage_v - open_v
    by_voltage = headroom / circuit.effective_ohm
    if circuit.bent:
        by_voltage = _bent_limit(
            headroom, circuit.effective_ohm - circuit.r0_ohm, r0_ohm=circuit.r0_ohm,
            curvature_per_a=circuit.curvature_per_a, linear_a=by_voltage,
            bend_limit_a=circuit.bend_limit_a,
        )  # fmt: skip
    return by_voltage


def _bent_limit(  # noqa: PLR0913 - the fixed point's operands
    headroom_v: FloatArray,
    rest_ohm: FloatArray,
    *,
    r0_ohm: FloatArray,
    curvature_per_a: FloatArray,
    linear_a: FloatArray,
    bend_limit_a: float,
) -> FloatArray:
    """The linear limit raised towards the bent drop's by :data:`_BEND_STEPS` fixed-point steps.

    Implements: SWR_CELL_006, SWR_SOF_001

    Each step is below the true limit (module docstring); where there is no
    headroom the linear limit (<= 0) is kept.
    """
    current = linear_a
    for _ in range(_BEND_STEPS):
        moving = current > 0.0
        at = np.where(moving, current, 1.0)
        secant = series_overpotential_v(r0_ohm, curvature_per_a, at, bend_limit_a) / at
        current = np.where(moving, headroom_v / (rest_ohm + secant), current)
    return current
