"""Thermal management requests: ask the vehicle to heat, cool or do nothing.

ASIL: D (cooling is part of keeping cells below their over-temperature
limit). Requirements: SWR_THM_001, SWR_THM_002, SWR_THM_003.

State-machine recipe: the state is the current request; :func:`step_thermal`
is pure, with hysteresis bands from :class:`~bms.config.ThermalConfig`.
Over-temperature is the hazard, so cooling wins over heating, and a missing
or non-finite temperature requests cooling (never heating a pack whose
temperature is unknown).

State diagram (``Tmax``/``Tmin``: hottest/coldest sensor)::

    OFF  --Tmax >= cool_on------------------------>  COOL
    OFF  --Tmin <= heat_on and Tmax < cool_off---->  HEAT
    COOL --Tmax <= cool_off----------------------->  OFF (then re-evaluated)
    HEAT --Tmin >= heat_off or Tmax >= cool_off--->  OFF (then re-evaluated)
    any  --missing or non-finite temperature------>  COOL
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import assert_never

from bms.config import ThermalConfig
from bms.units import DegreesC

__all__ = ["ThermalRequest", "ThermalState", "step_thermal"]


class ThermalRequest(IntEnum):
    """What the BMS asks of the vehicle's thermal system (values as sent on CAN)."""

    OFF = 0
    HEAT = 1
    COOL = 2


@dataclass(frozen=True)
class ThermalState:
    """The request in force."""

    request: ThermalRequest = ThermalRequest.OFF
    """Current request; it changes only when a hysteresis band is left."""


def _from_off(hottest: float, coldest: float, limits: ThermalConfig) -> ThermalRequest:
    """The request when nothing is requested yet (no hysteresis to honour)."""
    request = ThermalRequest.OFF
    if hottest >= limits.cool_on_degc:
        request = ThermalRequest.COOL
    elif coldest <= limits.heat_on_degc and hottest < limits.cool_off_degc:
        request = ThermalRequest.HEAT
    return request


def step_thermal(
    state: ThermalState,
    cell_temperatures_degc: Sequence[DegreesC],
    limits: ThermalConfig,
) -> ThermalState:
    """Next thermal request from the pack's temperature sensors.

    Implements: SWR_THM_001, SWR_THM_002, SWR_THM_003

    Args:
        state: the request in force.
        cell_temperatures_degc: every temperature sensor of the pack.
        limits: the hysteresis thresholds.

    Returns:
        The new state; ``COOL`` whenever a temperature is missing or not finite.
    """
    if not cell_temperatures_degc or not all(math.isfinite(t) for t in cell_temperatures_degc):
        return ThermalState(ThermalRequest.COOL)
    hottest, coldest = max(cell_temperatures_degc), min(cell_temperatures_degc)
    match state.request:
        case ThermalRequest.OFF:
            request = _from_off(hottest, coldest, limits)
        case ThermalRequest.COOL:
            keep = hottest > limits.cool_off_degc
            request = ThermalRequest.COOL if keep else _from_off(hottest, coldest, limits)
        case ThermalRequest.HEAT:
            keep = coldest < limits.heat_off_degc and hottest < limits.cool_off_degc
            request = ThermalRequest.HEAT if keep else _from_off(hottest, coldest, limits)
        case _:
            assert_never(state.request)
    return ThermalState(request)
