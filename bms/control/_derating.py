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

    post: 0.0 <= __return__ <= 1.0
    post: values and all(math.isfinite(v) for v in values) or __return__ == 0.0
    """
    factor = 0.0
    if values and all(math.isfinite(value) for value in values):
        factors = np.interp(np.asarray(values, dtype=float), table.breakpoints, table.factors)
        factor = float(np.clip(np.min(factors), 0.0, 1.0))
    return factor


def _taper(value: float, *, start: float, end: float) -> float:
    """1 before ``start``, 0 from ``end`` on, linear between (works in either direction).

    pre: start != end
    post: 0.0 <= __return__ <= 1.0
    """
    share = (value - start) / (end - start)
    return float(np.clip(1.0 - share, 0.0, 1.0)) if math.isfinite(share) else 0.0


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

    Contracts (PEP 316, checked by CrossHair with floats as reals; the IEEE
    cases are properties in ``verification/bms/properties/test_ieee_edges.py``):

    post:
        0.0 <= __return__.charge_a <= limits.max_charge_current_a
        0.0 <= __return__.discharge_a <= limits.max_discharge_current_a
        cell_voltages_v or (__return__.charge_a == 0.0 and __return__.discharge_a == 0.0)
        soc is None or math.isfinite(soc) or __return__.charge_a == __return__.discharge_a == 0.0
    """
    charge, discharge = 0.0, 0.0
    voltages_ok = bool(cell_voltages_v) and all(math.isfinite(v) for v in cell_voltages_v)
    soc_ok = soc is None or math.isfinite(soc)
    if voltages_ok and soc_ok:
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
    return CurrentLimits(
        charge_a=Amperes(charge * limits.max_charge_current_a),
        discharge_a=Amperes(discharge * limits.max_discharge_current_a),
    )
