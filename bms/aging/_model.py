"""Semi-empirical calendar and cycle aging model and its fitted parameters per chemistry.

ASIL: QM(D) (prognosis; never in the protection path). Requirements: SWR_AGE_001.

Each aging quantity (capacity loss, resistance gain) is the sum of a calendar
term, driven by time, and a cycle term, driven by charge throughput in
equivalent full cycles (EFC). A term has a stress rate

    k = exp(log_rate - Ea / R * (1/T - 1/T_ref) + s1 * (soc - 0.5) + s2 * (soc - 0.5)^2
            + s3 * (soc - 0.5)^3 + sT * (soc - 0.5) * (T - T_ref) / 10 K
            + d * ln(dod) + c * c_rate + c_log * ln(c_rate))

(Arrhenius in temperature, SoC-dependent; the cycle term also depends on
depth of discharge and C-rate) and a power law in its driver x:
``loss = k * x^z`` at constant stress; ``z`` is near 0.5 for calendar fade
(the square root of time). Under changing stress the loss follows the state
form NREL's BLAST-Lite uses, ``d(loss^(1/z)) = k^(1/z) dx``, so that

    loss(x) = (integral of k^(1/z) dx)^z.

A multiplier ``theta`` on ``k`` multiplies the loss by ``theta``: the
on-board update (``bms.aging._prognosis``) estimates these multipliers, so
the measurement model is linear in them. The parameters are fitted per
chemistry to BLAST-Lite simulations by ``verification/scripts/make_aging_data.py``
(``nox -s aging_data``) and shipped as ``bms/aging/data/<chem>_params.json``.
"""

import json
import math
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bms.errors import ConfigError, ConfigProblem

__all__ = [
    "GAS_CONSTANT_J_MOL_K",
    "HOT_STORAGE_DEGC",
    "REFERENCE_TEMPERATURE_DEGC",
    "AgingParameters",
    "FitQuality",
    "PatternRow",
    "Term",
    "UsagePattern",
    "load_parameters",
    "row_increments",
    "term_loss",
    "worst_calendar_fade",
]

FloatArray = npt.NDArray[np.float64]
GAS_CONSTANT_J_MOL_K = 8.314462618
"""Molar gas constant."""
REFERENCE_TEMPERATURE_DEGC = 25.0
"""Temperature at which ``log_rate`` is the rate."""
_DOD_FLOOR = 0.01
_C_RATE_FLOOR = 0.01
_DAY_S = 86400.0


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True
    )


class Term(_Model):
    """One aging term: a stress rate and a power law in its driver (time or EFC)."""

    driver: Literal["time", "efc"]
    """What drives the term: time in days (calendar) or equivalent full cycles (cycle)."""
    log_rate: float = Field(ge=-60.0, le=20.0)
    """Natural log of the rate at 25 degC, 50 % SoC, 100 % DoD, 0 C (loss per driver^z)."""
    activation_j_mol: float = Field(ge=-2e5, le=3e5)
    """Arrhenius activation energy."""
    soc_linear: float = Field(ge=-50.0, le=50.0)
    """Coefficient of (SoC - 0.5) in the log rate."""
    soc_quadratic: float = Field(ge=-100.0, le=100.0)
    """Coefficient of (SoC - 0.5)^2 in the log rate."""
    soc_cubic: float = Field(default=0.0, ge=-200.0, le=200.0)
    """Coefficient of (SoC - 0.5)^3 in the log rate."""
    soc_temperature: float = Field(default=0.0, ge=-200.0, le=200.0)
    """Coefficient of (SoC - 0.5) * (T - 25 degC) / 10 K in the log rate (interaction)."""
    dod_exponent: float = Field(ge=-5.0, le=5.0)
    """Exponent of the depth of discharge (fraction)."""
    c_rate_coefficient: float = Field(ge=-10.0, le=10.0)
    """Coefficient of the C-rate in the log rate."""
    c_rate_log_coefficient: float = Field(default=0.0, ge=-5.0, le=5.0)
    """Exponent of the C-rate (floor 0.01 C): a power law in the C-rate, next to the linear term."""
    exponent: float = Field(gt=0.1, le=2.0)
    """Power ``z`` of the driver (0.5: square root)."""


class FitQuality(_Model):
    """How well the fitted model reproduces the fit set (BLAST-Lite truth)."""

    points: int = Field(ge=1)
    """Truth points fitted per quantity."""
    histories: int = Field(ge=1)
    """Usage histories in the fit set."""
    capacity_rms_pct: float = Field(ge=0.0)
    """RMS capacity error, percentage points of nominal capacity."""
    capacity_loss_rel_rms: float = Field(ge=0.0)
    """RMS of the capacity-loss error relative to the loss (floor 1 %): the model error."""
    capacity_shape_rel_rms: float | None = Field(default=None, ge=0.0)
    """RMS relative capacity-loss error left after each fit history's own calendar and cycle
    multipliers (least squares): the model error the on-board update cannot absorb
    (None: use ``capacity_loss_rel_rms``)."""
    capacity_extrapolation_rel: float | None = Field(default=None, ge=0.0)
    """Relative error of the predicted capacity loss per unit ``ln(t / t_cut)`` after the
    multipliers are fitted up to ``t_cut`` (fit-set histories cut at 97, 95, 90, 85 %
    capacity): how the error of an extrapolation grows (None: ``capacity_loss_rel_rms``
    added in full instead)."""
    capacity_calendar_multiplier_rms: float | None = Field(default=None, ge=0.0)
    """RMS about 1 of the calendar multiplier fitted to each fit history with both terms
    (cycling, EV): the model's error in splitting loss between the two (None: not known)."""
    capacity_cycle_multiplier_rms: float | None = Field(default=None, ge=0.0)
    """The same for the cycle multiplier."""
    capacity_multiplier_correlation: float | None = Field(default=None, ge=-1.0, le=1.0)
    """Correlation of those two multipliers' deviations over the fit histories."""
    resistance_rms_pct: float | None = Field(default=None, ge=0.0)
    """RMS resistance error, percent of the initial resistance (None: no resistance truth)."""
    resistance_gain_rel_rms: float | None = Field(default=None, ge=0.0)
    """RMS of the resistance-gain error relative to the gain (floor 1 %)."""


class AgingParameters(_Model):
    """A chemistry's fitted aging model (``bms/aging/data/<chem>_params.json``)."""

    chemistry: Literal["NMC", "LFP"]
    """Which chemistry the parameters describe."""
    source: str = Field(min_length=1)
    """Where the truth came from (BLAST-Lite version and model)."""
    capacity_calendar: Term
    """Calendar capacity-loss term (driver: time)."""
    capacity_cycle: Term
    """Cycle capacity-loss term (driver: EFC)."""
    resistance_calendar: Term | None = None
    """Calendar resistance-gain term; None when the source model has no resistance."""
    resistance_cycle: Term | None = None
    """Cycle resistance-gain term; None when the source model has no resistance."""
    fit: FitQuality
    """Fit quality on the fit set."""


class PatternRow(_Model):
    """A period of use summarised: what every aging term reads."""

    duration_s: float = Field(gt=0.0, le=366 * _DAY_S)
    """Length of the period."""
    temperature_degc: float = Field(ge=-40.0, le=80.0)
    """Mean cell temperature."""
    soc_mean_pct: float = Field(ge=0.0, le=100.0)
    """Mean state of charge."""
    dod_pct: float = Field(ge=0.0, le=100.0)
    """Depth of discharge: maximum minus minimum SoC within the period."""
    efc: float = Field(ge=0.0, le=1000.0)
    """Equivalent full cycles: charge throughput (half of sum |dSoC|) over nominal capacity."""
    c_rate: float = Field(ge=0.0, le=20.0)
    """Mean absolute C-rate while current flows (0 when at rest)."""


class UsagePattern(_Model):
    """Rows of use, in order; for shipped histories the pattern repeats for life."""

    rows: tuple[PatternRow, ...] = Field(min_length=1)
    """The periods, in time order."""


def row_increments(term: Term, rows: tuple[PatternRow, ...]) -> FloatArray:
    """Per row, the increment of ``integral k^(1/z) dx`` (loss = that integral ** z).

    Implements: SWR_AGE_001
    """
    temp_k = np.array([r.temperature_degc for r in rows]) + 273.15
    soc = np.array([r.soc_mean_pct for r in rows]) / 100.0 - 0.5
    dod = np.maximum(np.array([r.dod_pct for r in rows]) / 100.0, _DOD_FLOOR)
    c_rate = np.array([r.c_rate for r in rows])
    log_k = (
        term.log_rate
        - term.activation_j_mol
        / GAS_CONSTANT_J_MOL_K
        * (1.0 / temp_k - 1.0 / (REFERENCE_TEMPERATURE_DEGC + 273.15))
        + term.soc_linear * soc
        + term.soc_quadratic * soc**2
        + term.soc_cubic * soc**3
        + term.soc_temperature * soc * (temp_k - 273.15 - REFERENCE_TEMPERATURE_DEGC) / 10.0
        + term.dod_exponent * np.log(dod)
        + term.c_rate_coefficient * c_rate
        + term.c_rate_log_coefficient * np.log(np.maximum(c_rate, _C_RATE_FLOOR))
    )
    if term.driver == "time":
        driver = np.array([r.duration_s for r in rows]) / _DAY_S
    else:
        driver = np.array([r.efc for r in rows])
    increments: FloatArray = np.exp(np.minimum(log_k / term.exponent, 300.0)) * driver
    return increments


def term_loss(term: Term, pattern: UsagePattern, time_s: FloatArray) -> FloatArray:
    """Loss of ``term`` at ``time_s`` (from 0) while ``pattern`` repeats (rows held in between).

    Within a row the integral grows linearly; the pattern repeats with the
    period of its summed durations.

    Implements: SWR_AGE_001
    """
    increments = row_increments(term, pattern.rows)
    ends = np.cumsum([r.duration_s for r in pattern.rows])
    period = float(ends[-1])
    cumulative = np.concatenate([[0.0], np.cumsum(increments)])
    starts = np.concatenate([[0.0], ends])
    whole = np.floor(np.asarray(time_s, dtype=np.float64) / period)
    within = np.asarray(time_s, dtype=np.float64) - whole * period
    integral = whole * cumulative[-1] + np.interp(within, starts, cumulative)
    loss: FloatArray = np.power(np.maximum(integral, 0.0), term.exponent)
    return loss


HOT_STORAGE_DEGC = 45.0
"""The hottest storage the fits cover (BLAST-Lite's sets): where calendar fade is worst."""
_STORAGE_SOC_PCT = tuple(float(soc) for soc in range(0, 101, 5))


def worst_calendar_fade(params: AgingParameters) -> tuple[float, float]:
    """The calendar loss in the worst storage as ``(b, z)``: ``b * days^z`` percent from new.

    Implements: SWR_SOH_009

    What a parked pack may lose at worst (``bms.estimation.parked_capacity``):
    at :data:`HOT_STORAGE_DEGC` and the SoC (every 5 %) that ages the cell
    fastest, which is not always full charge (the NMC fit's is 70 %). At
    constant stress the loss is ``(k days)^z`` with one ``z`` for every
    stress, so the worst first day is the worst at every age, and ``b`` is
    that day's loss.
    """
    term = params.capacity_calendar
    storage = tuple(
        PatternRow(
            duration_s=_DAY_S, temperature_degc=HOT_STORAGE_DEGC, soc_mean_pct=soc,
            dod_pct=0.0, efc=0.0, c_rate=0.0,
        )
        for soc in _STORAGE_SOC_PCT
    )  # fmt: skip
    first_day = max(float(np.sum(row_increments(term, (row,)))) for row in storage)
    return 100.0 * first_day**term.exponent, term.exponent


def _data_folder() -> Path:
    return Path(str(resources.files("bms.aging").joinpath("data")))


def load_parameters(chemistry: str, path: Path | None = None) -> AgingParameters:
    """The shipped fitted parameters of ``chemistry`` (NMC or LFP), or those in ``path``.

    Implements: SWR_AGE_001

    Raises:
        ConfigError: unknown chemistry, unreadable file or invalid field (file and field named).
    """
    if path is None:
        if chemistry not in ("NMC", "LFP"):
            raise ConfigError(
                "--chemistry", [ConfigProblem("chemistry", f"{chemistry!r} is not NMC or LFP")]
            )
        path = _data_folder() / f"{chemistry.lower()}_params.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(path, [ConfigProblem("<file>", f"cannot be read: {error}")]) from None
    try:
        params = AgingParameters.model_validate(raw)
    except ValidationError as error:
        problems = [
            ConfigProblem(".".join(str(p) for p in item["loc"]) or "<root>", item["msg"])
            for item in error.errors()
        ]
        raise ConfigError(path, problems) from None
    if not all(
        math.isfinite(value)
        for term in (params.capacity_calendar, params.capacity_cycle)
        for value in (term.log_rate, term.activation_j_mol, term.exponent)
    ):
        raise ConfigError(path, [ConfigProblem("capacity", "parameters must be finite")])
    return params
