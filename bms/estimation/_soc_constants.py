"""The SoC filter's per-step constants: what a step derives from its tuning, step length and tables.

ASIL: QM(D) (estimation channel, decomposed from the D(D) voltage monitor).
Requirements: SWR_SOC_001, SWR_SOC_005, SWR_CELL_006.

:func:`ekf_step <bms.estimation._soc_ekf.ekf_step>` runs at 10 Hz for every
cell; what depends only on the tuning, the step length and the chemistry's
tables (the random walks, the noise model's fixed parts, the circuit tables
edged for gathers without a clamp) is computed here once and carried in the
filter's state from step to step, so the cache is explicit data flow, not
module state (language subset, SUB004).
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.cell import CellTables, Row
from bms.estimation._soc_plateau import plateau_sigma_table
from bms.estimation._soc_tuning import SocFilterTuning

__all__ = [
    "C_CAPACITY",
    "C_DIVIDED",
    "C_DOCV",
    "C_KINETIC",
    "C_OCV",
    "C_R0",
    "C_R12",
    "PERCENT",
    "SECONDS_PER_HOUR",
    "StepConstants",
    "scalar",
    "step_constants",
]

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]
SECONDS_PER_HOUR = 3600.0
PERCENT = 100.0

# Rows of the step's own copy of the circuit tables (step_constants): the time constants
# next to the capacity (scaled by -3600 s/h) so that one division gives both RC decays'
# exponents and the SoC's gain. step_constants appends the kinetic curvature (C_KINETIC) when
# the series drop is bent, then the pulse-fit residual when the tuning floors by it (fit_row).
TABLE_ROWS = (Row.TAU1, Row.TAU2, Row.CAPACITY, Row.R1, Row.R2, Row.R0, Row.OCV, Row.DOCV_DSOC)
C_DIVIDED, C_CAPACITY, C_R12 = slice(0, 3), 2, slice(3, 5)
C_R0, C_OCV, C_DOCV, C_KINETIC = 5, 6, 7, 8


def scalar(value: float) -> FloatArray:
    """A read-only 0-d array: a ufunc takes it as an operand faster than a Python float."""
    array = np.array(value)
    array.setflags(write=False)
    return array


def _column(values: tuple[float, ...]) -> FloatArray:
    """A read-only column of per-row factors, shape (rows, 1)."""
    array = np.array(values, dtype=np.float64)[:, None]
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class StepConstants:
    """What a step needs of the tuning, step length and tables, computed once per triple."""

    tuning: SocFilterTuning
    dt_s: float
    tables: CellTables
    walks: FloatArray
    """Random-walk variances of the five states, shape (5, 1)."""
    scale_variance: float
    """Variance of the coulomb count's considered scale error (capacity and current gain)."""
    noise2: float
    """Variance of the current sensor's white noise."""
    inflation: float
    """Model-error inflation ``max(1, tau_c / dt)``."""
    load_weights: FloatArray
    """``(k, k, k_slow, k_lag) / 100`` as a (4, 1) column: the shares of ``|R0 I|, |v1|,
    |v2|`` and the surface lag's ``|V_lag|``."""
    inflation_array: FloatArray
    """``inflation`` as a 0-d operand."""
    rest2: FloatArray
    """Sensor plus inflated rest model-error variance (without the fit-residual floor)."""
    sample_rest2: FloatArray
    """The same not inflated: one sample's (``SocEstimate.innovation_sample_sigma_v``)."""
    minus_dt: FloatArray
    """``-dt_s``. This and the other 0-d arrays here are the step's operands (see scalar)."""
    voltage_range: tuple[FloatArray, FloatArray]
    """The tuning's ``voltage_range_v``."""
    temperature_range: tuple[FloatArray, FloatArray]
    """The tuning's ``temperature_range_degc``."""
    circuit: FloatArray
    """The bilinear coefficients of the rows the step reads (``TABLE_ROWS``), edged.

    Shape (4, rows, grid cells): :attr:`CellTables.coefficients`' rows in
    ``TABLE_ROWS``' order (the capacity times -3600 s/h, the fit residual
    last if the tuning uses it), each temperature segment with one more SoC
    segment and one more temperature segment at the end, which hold the
    tables' values at the top breakpoints (weight 0) with the last segments'
    slopes. A point clamped to the top breakpoint (index ``S - 1``) so reads
    the value the last segment gives at weight 1, without clamping the index.
    """
    ocv: FloatArray
    """The OCV's coefficients in ``circuit``'s grid, shape (4, grid cells)."""
    grid_stride: IndexArray
    """Grid cells per temperature segment in ``circuit`` (``S``, the edge included), 0-d."""
    uniform_soc: bool
    """Whether the SoC grid is uniform from 0 to 1 (bracketed by arithmetic, not np.interp)."""
    soc_scale: FloatArray
    """``1 / step`` on a uniform SoC grid."""
    charge_offset: IndexArray | None
    """Where ``circuit``'s charge half starts (its grid cells count), 0-d; ``None``
    when the chemistry has no charge tables and ``circuit`` is the discharge half alone."""
    kinetic: bool
    """Whether the series drop is bent (``circuit`` then has the curvature row ``C_KINETIC``)."""
    bend_limit: FloatArray
    """The tables' ``bend_limit_a``, 0-d."""
    fit_row: int
    """Row of the fit residual in ``circuit`` (after the curvature's when there is one)."""
    plateau_sigma: FloatArray | None
    """The plateau's floor under an unsure start's sigma (``plateau_sigma_table``), or
    ``None`` when the tuning switches it off or the chemistry's OCV is not flat
    (``plateau_floor``)."""


def step_constants(
    tuning: SocFilterTuning, dt_s: float, tables: CellTables, last: "StepConstants | None"
) -> StepConstants:
    """Constants of a step: ``last`` (the previous step's) when tuning, step and tables match.

    The filter's state carries them from step to step, so the cache is explicit
    data flow, not module state (language subset, SUB004).
    """
    if last is not None and last.tuning is tuning and last.dt_s == dt_s and last.tables is tables:
        return last
    rc = tuning.rc_random_walk_v_per_sqrt_s**2 * dt_s
    bias = tuning.bias_random_walk_a_per_sqrt_s**2 * dt_s if tuning.estimate_current_bias else 0.0
    delta = (
        tuning.resistance_random_walk_per_sqrt_s**2 * dt_s if tuning.estimate_resistance else 0.0
    )
    walks = np.array([[tuning.soc_random_walk_per_sqrt_s**2 * dt_s], [rc], [rc], [bias], [delta]])
    inflation = max(1.0, tuning.model_error_correlation_s / dt_s)
    step, grid = tables.soc_uniform_step, tables.soc
    uniform = step > 0.0 and grid[0] == 0.0 and grid[-1] == 1.0
    kinetic = tables.has_kinetics
    rows = TABLE_ROWS + ((Row.KINETIC,) if kinetic else ())
    fit_row = len(rows)
    rows += (Row.FIT_RMSE,) if tuning.fit_residual_floor else ()
    circuit = _edged(tables.coefficients, tables, rows)
    charge_offset = None
    if tables.has_charge_tables:
        charge_offset = np.array(circuit.shape[2], dtype=np.intp)
        circuit = np.concatenate(
            (circuit, _edged(tables.charge_coefficients, tables, rows)), axis=2
        )
    circuit[:, C_CAPACITY] *= -SECONDS_PER_HOUR
    return StepConstants(
        tuning=tuning,
        dt_s=dt_s,
        tables=tables,
        walks=walks,
        scale_variance=tuning.scale_variance,
        noise2=tuning.current_noise_a**2,
        inflation=inflation,
        load_weights=_column(
            (
                tuning.overpotential_error_pct / PERCENT,
                tuning.overpotential_error_pct / PERCENT,
                tuning.slow_overpotential_error_pct / PERCENT,
                tuning.surface_lag_error_pct / PERCENT,
            )
        ),
        inflation_array=scalar(inflation),
        rest2=scalar(tuning.voltage_noise_v**2 + inflation * tuning.model_error_v**2),
        sample_rest2=scalar(tuning.voltage_noise_v**2 + tuning.model_error_v**2),
        minus_dt=scalar(-dt_s),
        voltage_range=(scalar(tuning.voltage_range_v[0]), scalar(tuning.voltage_range_v[1])),
        temperature_range=(
            scalar(tuning.temperature_range_degc[0]),
            scalar(tuning.temperature_range_degc[1]),
        ),
        circuit=circuit,
        ocv=_edged(tables.coefficients, tables, (Row.OCV,))[:, 0].copy(),
        grid_stride=np.array(tables.soc_position.shape[0], dtype=np.intp),
        uniform_soc=uniform,
        soc_scale=scalar(1.0 / step if uniform else 0.0),
        charge_offset=charge_offset,
        kinetic=kinetic,
        bend_limit=scalar(tables.bend_limit_a),
        fit_row=fit_row,
        plateau_sigma=_plateau_table(tuning, tables, last),
    )


def _plateau_table(
    tuning: SocFilterTuning, tables: CellTables, last: StepConstants | None
) -> FloatArray | None:
    """The plateau's floor table, or None when the tuning or the chemistry's OCV wants none.

    ``last``'s when only the step length or a tuning field it does not read changed (the
    capacity estimate's feedback changes the capacity uncertainty): building it is most of
    what an LFP filter's step constants cost.
    """
    if last is not None and last.tables is tables and _same_plateau(last.tuning, tuning):
        return last.plateau_sigma
    wanted = tuning.plateau_floor
    if wanted is None:
        wanted = tables.ocv_median_slope_v < tuning.flat_ocv_slope_v
    if not wanted or tuning.plateau_voltage_v <= 0.0:
        return None
    return plateau_sigma_table(tables, tuning.plateau_voltage_v)


def _edged(coefficients: FloatArray, tables: CellTables, rows: tuple[Row, ...]) -> FloatArray:
    """``rows`` of bilinear coefficients of ``tables``' grid, edged in SoC and temperature.

    One segment more after the last in SoC and in temperature (see
    :attr:`StepConstants.circuit`); shape (4, rows, grid cells).
    """
    segments = tables.soc_position.shape[0] - 1
    c = coefficients[:, list(rows)]
    c = c.reshape(4, len(rows), c.shape[2] // segments, segments)
    c0, c1, c2, c3 = c[:, :, :, -1:]  # c0 + c1 s + (c2 + c3 s) t at s = 1 is the edge at s = 0
    c = np.concatenate((c, np.stack((c0 + c1, c1, c2 + c3, c3))), axis=3)
    c0, c1, c2, c3 = c[:, :, -1:]  # the same in temperature
    c = np.concatenate((c, np.stack((c0 + c2, c1 + c3, c2, c3))), axis=2)
    return np.ascontiguousarray(c.reshape(4, len(rows), -1))


def _same_plateau(old: SocFilterTuning, new: SocFilterTuning) -> bool:
    """Whether two tunings ask for the same plateau table (the fields it is made from)."""
    return (old.plateau_floor, old.plateau_voltage_v, old.flat_ocv_slope_v) == (
        new.plateau_floor,
        new.plateau_voltage_v,
        new.flat_ocv_slope_v,
    )
