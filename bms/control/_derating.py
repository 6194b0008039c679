"""Derating: the charge and discharge current limits reported to the vehicle.

ASIL: D. Requirements: SWR_DER_001, SWR_DER_002, SWR_DER_003, SWR_DER_004,
SWR_DER_005, SWR_DER_006.

Each limit is the configured maximum times the smallest of three factors in
[0, 1]: temperature (the worst sensor), pack SoC and the cell-voltage taper.
It is a pure function of the sample, so its properties hold for every
input, and the tests check them with hypothesis:

The SoC comes from the QM(D) estimation channel; without it (``None``) the
SoC factor is left out and the ASIL D factors (temperature, voltage) still
apply, so the derating never depends on the estimator being available.

* bounded: ``0 <= limit <= maximum`` for every input, NaN and infinities
  included (a missing or non-finite input gives 0: fail-safe);
* monotone: the charge limit never rises when the SoC or the highest cell
  voltage rises, the discharge limit never falls when the SoC or the lowest
  cell voltage rises; for temperature, the limit never rises as any sensor
  moves further out of the table's plateau (the tables are validated to
  rise, then fall).

Interpolation is :func:`numpy.interp` (linear, clamped at the table ends).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bms.config import DeratingConfig, DeratingTable
from bms.units import Amperes, DegreesC, Fraction, Volts

__all__ = ["CurrentLimits", "derate", "table_factor"]


@dataclass(frozen=True)
class CurrentLimits:
    """Pack current limits, both as non-negative magnitudes."""

    charge_a: Amperes
    """Highest charge current allowed now, in [0, ``max_charge_current_a``]."""
    discharge_a: Amperes
    """Highest discharge current allowed now, in [0, ``max_discharge_current_a``]."""


def table_factor(table: DeratingTable, values: Sequence[float]) -> float:
    """The smallest factor of ``table`` over ``values``; 0 if any is not finite or none given.

    Implements: SWR_DER_001, SWR_DER_003

    Contracts: the result is in [0, 1] (the postcondition of :func:`_unit`)
    and is 0 unless ``values`` is non-empty and all finite (the
    postcondition of :func:`_finite_sample`); CrossHair checks those two
    small functions, since a symbolic validated table does not fit a
    condition's budget.
    """
    factor = 0.0
    if _finite_sample(values):
        factors = np.interp(np.asarray(values, dtype=float), table.breakpoints, table.factors)
        factor = _unit(float(np.min(factors)))
    return factor


def _finite_sample(values: Sequence[float]) -> bool:
    """Whether ``values`` is non-empty and every value is finite.

    Implements: SWR_DER_005

    post: __return__ == (len(values) > 0 and all(math.isfinite(v) for v in values))
    """
    return bool(values) and all(math.isfinite(value) for value in values)


def _taper(value: float, *, start: float, end: float) -> float:
    """1 before ``start``, 0 from ``end`` on, linear between (works in either direction).

    Implements: SWR_DER_004

    pre: start != end
    post: 0.0 <= __return__ <= 1.0
    """
    share = (value - start) / (end - start)
    return float(np.clip(1.0 - share, 0.0, 1.0)) if math.isfinite(share) else 0.0


def _unit(factor: float) -> float:
    """``factor`` clamped to [0, 1]; 0 when it is not a number.

    Defensive: the factors are already in [0, 1] by the contracts of
    :func:`table_factor` and :func:`_taper`.

    Implements: SWR_DER_001

    post: 0.0 <= __return__ <= 1.0
    post: not 0.0 <= factor <= 1.0 or __return__ == factor
    """
    if 0.0 <= factor <= 1.0:
        return factor
    return 1.0 if factor > 1.0 else 0.0


def _inputs_valid(cell_voltages_v: Sequence[Volts], soc: Fraction | None) -> bool:
    """Whether a sample can be derated: voltages given and all finite, SoC finite or absent.

    Implements: SWR_DER_005

    post: not __return__ or len(cell_voltages_v) > 0
    post: not __return__ or all(math.isfinite(v) for v in cell_voltages_v)
    post: not __return__ or soc is None or math.isfinite(soc)
    """
    soc_ok = soc is None or math.isfinite(soc)
    return _finite_sample(cell_voltages_v) and soc_ok


def _current_limits(
    valid: bool,
    charge_factor: float,
    discharge_factor: float,
    max_charge_a: float,
    max_discharge_a: float,
) -> CurrentLimits:
    """Both limits from their factors: each maximum times its factor, or 0 on invalid input.

    Implements: SWR_DER_001, SWR_DER_005

    The conditions of :func:`derate`, on the values it computes (the factors
    enter through :func:`_unit`, so no range is assumed of them):

    pre: 0.0 < max_charge_a < math.inf
    pre: 0.0 < max_discharge_a < math.inf
    post: 0.0 <= __return__.charge_a <= max_charge_a
    post: 0.0 <= __return__.discharge_a <= max_discharge_a
    post: valid or (__return__.charge_a == 0.0 and __return__.discharge_a == 0.0)
    """
    charge = _unit(charge_factor) if valid else 0.0
    discharge = _unit(discharge_factor) if valid else 0.0
    return CurrentLimits(
        charge_a=Amperes(charge * max_charge_a),
        discharge_a=Amperes(discharge * max_discharge_a),
    )


def derate(
    cell_voltages_v: Sequence[Volts],
    cell_temperatures_degc: Sequence[DegreesC],
    soc: Fraction | None,
    limits: DeratingConfig,
) -> CurrentLimits:
    """Charge and discharge current limits for one sample.

    Implements: SWR_DER_001, SWR_DER_002, SWR_DER_003, SWR_DER_004, SWR_DER_005, SWR_DER_006

    Args:
        cell_voltages_v: one voltage per series cell.
        cell_temperatures_degc: every temperature sensor of the pack.
        soc: pack State of Charge in [0, 1] (values outside are clamped by
            the tables; a non-finite one gives 0), or ``None`` when no
            estimate is available (the SoC factor is then left out).
        limits: maxima and derating tables.

    Returns:
        Both limits, each in [0, its configured maximum].

    Contracts. The result is ``_current_limits(_inputs_valid(...), ...)``, so
    the conditions of this function are the postconditions of those two
    small functions, which CrossHair checks each on its own (a symbolic
    :class:`~bms.config.DeratingConfig` with four validated tables is too
    large to explore within a condition's budget):

    * ``0 <= charge_a <= max_charge_current_a`` and the same for discharge:
      :func:`_current_limits` (``max_* > 0`` is the configuration's own
      field constraint);
    * no voltages, a non-finite voltage or a non-finite SoC give both limits
      0: :func:`_inputs_valid` returns ``False`` for them and
      :func:`_current_limits` gives 0 when not valid;
    * each factor in [0, 1]: :func:`table_factor`, :func:`_taper` and
      :func:`_unit`.

    Floats are taken as reals there; the IEEE cases and the whole function
    are properties in ``verification/bms/properties/test_ieee_edges.py`` and
    ``verification/bms/unit/control/test_derating.py``.
    """
    valid = _inputs_valid(cell_voltages_v, soc)
    charge, discharge = 0.0, 0.0
    if valid:
        highest_v, lowest_v = max(cell_voltages_v), min(cell_voltages_v)
        charge = min(
            table_factor(limits.charge_temperature, cell_temperatures_degc),
            table_factor(limits.charge_soc, [soc]) if soc is not None else 1.0,
            _taper(highest_v, start=limits.charge_taper_start_v, end=limits.charge_taper_end_v),
        )
        discharge = min(
            table_factor(limits.discharge_temperature, cell_temperatures_degc),
            table_factor(limits.discharge_soc, [soc]) if soc is not None else 1.0,
            _taper(
                lowest_v, start=limits.discharge_taper_start_v, end=limits.discharge_taper_end_v
            ),
        )
    return _current_limits(
        valid, charge, discharge, limits.max_charge_current_a, limits.max_discharge_current_a
    )
