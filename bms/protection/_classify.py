"""Per-sample classification of every physical fault against its two tiers.

ASIL: D. Requirements: SWR_PROT_OV_001, SWR_PROT_UV_001, SWR_PROT_OC_001,
SWR_PROT_OC_002, SWR_PROT_TEMP_001, SWR_PROT_TEMP_002, SWR_PROT_ISO_001,
SWR_PROT_COMM_001, SWR_PROT_CRASH_001.

Pure functions of one sample and the configuration, vectorised with numpy
over the cells. Each returns a :data:`Classified` pair: the worst level and,
when it is not normal, a reason naming the cell or sensor, the value and the
threshold. Non-finite or missing readings classify as a fault (fail-safe).
"""

import math

import numpy as np
import numpy.typing as npt

from bms.config import (
    CommunicationLimits,
    CurrentLimit,
    CurrentTemperatureDerating,
    IsolationLimits,
    TemperatureLimits,
    VoltageLimits,
)
from bms.protection._debounce import Level

__all__ = [
    "Classified",
    "FloatArray",
    "classify_cell_under_voltage",
    "classify_communication",
    "classify_crash",
    "classify_isolation",
    "classify_over_current",
    "classify_temperature_window",
    "current_scale",
]

FloatArray = npt.NDArray[np.float64]
"""A one-dimensional array of readings."""

Classified = tuple[Level, str]
"""A level and, when it is not ``NORMAL``, why."""

_NORMAL: Classified = (Level.NORMAL, "")


def classify_cell_under_voltage(cell_voltages_v: FloatArray, limits: VoltageLimits) -> Classified:
    """Worst under-voltage level over all cells of one sample.

    Implements: SWR_PROT_UV_001
    """
    if cell_voltages_v.size == 0:
        return (Level.FAULT, "no cell voltage measured")
    finite = np.isfinite(cell_voltages_v)
    if not bool(finite.all()):
        cell = int(finite.argmin())
        return (Level.FAULT, f"cell {cell}: voltage is not finite")
    cell = int(cell_voltages_v.argmin())
    lowest_v = float(cell_voltages_v[cell])
    if lowest_v < limits.under_fault_v:
        return (
            Level.FAULT,
            f"cell {cell}: {lowest_v:.4f} V < under_fault_v {limits.under_fault_v}",
        )
    if lowest_v < limits.under_warning_v:
        return (
            Level.WARNING,
            f"cell {cell}: {lowest_v:.4f} V < under_warning_v {limits.under_warning_v}",
        )
    return _NORMAL


def current_scale(
    cell_temperatures_degc: FloatArray, derating: CurrentTemperatureDerating, *, charge: bool
) -> float:
    """Scale of a current limit at the worst cell temperature, in (0, 1].

    Implements: SWR_PROT_OC_002

    Linear interpolation of the configured table, clamped outside it; a
    non-finite or missing temperature takes the smallest scale of the table.
    """
    table = derating.charge_scale if charge else derating.discharge_scale
    finite = cell_temperatures_degc[np.isfinite(cell_temperatures_degc)]
    scale = min(table)
    if finite.size == cell_temperatures_degc.size and finite.size > 0:
        scale = float(np.interp(finite, derating.breakpoints_degc, table).min())
    return scale


def classify_over_current(
    currents_a: FloatArray, limit: CurrentLimit, scale: float, *, charge: bool
) -> Classified:
    """Over-current level in one direction, over both current sensors.

    Implements: SWR_PROT_OC_001, SWR_PROT_OC_002

    Positive current discharges. The magnitude in the direction checked is
    the largest over the sensors (conservative); both tiers are scaled by the
    temperature scale. A non-finite reading is a fault.
    """
    direction = "charge" if charge else "discharge"
    if currents_a.size == 0 or not bool(np.isfinite(currents_a).all()):
        return (Level.FAULT, f"{direction} current: a sensor reading is not finite")
    magnitude_a = float((-currents_a if charge else currents_a).max())
    fault_a = limit.fault_a * scale
    warning_a = limit.warning_a * scale
    if magnitude_a > fault_a:
        return (Level.FAULT, f"{direction} current {magnitude_a:.2f} A > {fault_a:.2f} A")
    if magnitude_a > warning_a:
        return (Level.WARNING, f"{direction} current {magnitude_a:.2f} A > {warning_a:.2f} A")
    return _NORMAL


def classify_temperature_window(
    cell_temperatures_degc: FloatArray, limits: TemperatureLimits, *, active: bool, window: str
) -> tuple[Classified, Classified]:
    """Over- and under-temperature levels against one window.

    Implements: SWR_PROT_TEMP_001, SWR_PROT_TEMP_002

    Args:
        cell_temperatures_degc: every temperature sensor's reading.
        limits: the window (charge or discharge).
        active: whether the window applies now (the charge window only while
            charging); an inactive window classifies as normal.
        window: ``"charge"`` or ``"discharge"``, for the reasons.

    Returns:
        The (over, under) classifications; a non-finite or missing reading
        is a fault of both.
    """
    if not active:
        return (_NORMAL, _NORMAL)
    if cell_temperatures_degc.size == 0 or not bool(np.isfinite(cell_temperatures_degc).all()):
        reason = f"{window} window: a temperature reading is missing or not finite"
        return ((Level.FAULT, reason), (Level.FAULT, reason))
    hot = int(cell_temperatures_degc.argmax())
    cold = int(cell_temperatures_degc.argmin())
    hot_degc = float(cell_temperatures_degc[hot])
    cold_degc = float(cell_temperatures_degc[cold])
    over = _NORMAL
    if hot_degc > limits.over_fault_degc:
        over = (Level.FAULT, f"sensor {hot}: {hot_degc:.1f} C > {window} over_fault_degc")
    elif hot_degc > limits.over_warning_degc:
        over = (Level.WARNING, f"sensor {hot}: {hot_degc:.1f} C > {window} over_warning_degc")
    under = _NORMAL
    if cold_degc < limits.under_fault_degc:
        under = (Level.FAULT, f"sensor {cold}: {cold_degc:.1f} C < {window} under_fault_degc")
    elif cold_degc < limits.under_warning_degc:
        under = (Level.WARNING, f"sensor {cold}: {cold_degc:.1f} C < {window} under_warning_degc")
    return (over, under)


def classify_isolation(
    resistance_ohm: float, reference_voltage_v: float, limits: IsolationLimits
) -> Classified:
    """Isolation level: resistance against ohms-per-volt of the pack voltage.

    Implements: SWR_PROT_ISO_001

    Contracts (PEP 316; floats as reals in CrossHair, IEEE cases in
    ``verification/bms/properties/test_ieee_edges.py``); the caller passes a
    finite, positive reference voltage (SWR_PROT_ISO_001):

    pre: math.isfinite(reference_voltage_v) and reference_voltage_v > 0.0
    post:
        math.isfinite(resistance_ohm) or __return__[0] is Level.FAULT
        __return__[0] is not Level.NORMAL or resistance_ohm >= limits.warning_ohm_per_v * reference_voltage_v
        __return__[0] is Level.FAULT or resistance_ohm >= limits.fault_ohm_per_v * reference_voltage_v
    """  # noqa: E501 - one contract per line, as PEP 316 reads them
    fault_ohm = limits.fault_ohm_per_v * reference_voltage_v
    warning_ohm = limits.warning_ohm_per_v * reference_voltage_v
    if not math.isfinite(resistance_ohm):
        return (Level.FAULT, "isolation resistance is not finite")
    if resistance_ohm < fault_ohm:
        return (Level.FAULT, f"isolation {resistance_ohm:.0f} ohm < {fault_ohm:.0f} ohm")
    if resistance_ohm < warning_ohm:
        return (Level.WARNING, f"isolation {resistance_ohm:.0f} ohm < {warning_ohm:.0f} ohm")
    return _NORMAL


def classify_communication(age_ms: int, limits: CommunicationLimits) -> Classified:
    """Vehicle communication level from the age of the last valid message.

    Implements: SWR_PROT_COMM_001

    pre: limits.warning_ms < limits.timeout_ms
    post:
        (__return__[0] is Level.FAULT) == (age_ms >= limits.timeout_ms)
        (__return__[0] is Level.NORMAL) == (age_ms < limits.warning_ms)
        (__return__[0] is Level.NORMAL) == (__return__[1] == "")
    """
    if age_ms >= limits.timeout_ms:
        return (Level.FAULT, f"no valid vehicle message for {age_ms} ms")
    if age_ms >= limits.warning_ms:
        return (Level.WARNING, f"no valid vehicle message for {age_ms} ms")
    return _NORMAL


def classify_crash(crash: bool) -> Classified:
    """A crash signalled by the vehicle is a fault.

    Implements: SWR_PROT_CRASH_001

    post: (__return__[0] is Level.FAULT) == crash
    """
    return (Level.FAULT, "crash signalled by the vehicle") if crash else _NORMAL
