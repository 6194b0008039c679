"""The chemistry file's ``electrodes`` section, read from a PyBaMM parameter set (nothing fitted).

ASIL: QM (calibration tool; runs offline, never in the control path).
Requirements: SWR_CELL_007.

For each electrode: its open-circuit potential on a stoichiometry grid (the
set's own function), its bulk stoichiometry at the file's SoC 0 and 1, and
its particles' diffusion time ``R^2 / D`` at each temperature
(:mod:`bms.cell._surface_lag` reads them). The file's SoC is ``1 - discharged
/ nominal`` from PyBaMM's 100 %, and PyBaMM's own state runs linearly in
stoichiometry over its thermodynamic capacity between the OCV limits, so the
bulk stoichiometry at SoC ``s`` is that of PyBaMM's state ``1 - (1 - s)
nominal / thermodynamic`` (as :meth:`PhysicsCell.initial_state_for_soc
<bms.calibration._physics.PhysicsCell.initial_state_for_soc>` maps it).
"""

from typing import Any

import numpy as np
import numpy.typing as npt

from bms.calibration._physics import _evaluate

__all__ = ["GRID_MARGIN", "GRID_POINTS", "electrode_section"]

FloatArray = npt.NDArray[np.float64]

GRID_POINTS = 161
"""Stoichiometry breakpoints of each electrode's potential."""
GRID_MARGIN = 0.25
"""How far the grid reaches past the bulk window, as a share of the window: the
surface runs ahead of the bulk (7 % of the window at 0.44C on Prada2013's graphite)."""
_STOICHIOMETRY_LIMITS = (0.002, 0.998)
"""The grid's margin stays inside these (the sets' potentials have logarithms at 0 and 1);
the bulk window itself is kept whole (ORegan2022's graphite is full at 0.9997)."""
_KELVIN = 273.15
_SIDES = (("negative", "Negative"), ("positive", "Positive"))


def electrode_section(
    values: Any,
    thermodynamic_capacity_ah: float,
    nominal_capacity_ah: float,
    temperatures_degc: list[float],
    source: str,
) -> dict[str, Any]:
    """The ``electrodes`` section for PyBaMM parameter values ``values``.

    Implements: SWR_CELL_007
    """
    full = values.set_initial_state(1.0, inplace=False)
    empty = values.set_initial_state(0.0, inplace=False)
    share_at_empty = 1.0 - nominal_capacity_ah / thermodynamic_capacity_ah  # PyBaMM's state
    section: dict[str, Any] = {"source": source}
    for side, prefix in _SIDES:
        maximum = _evaluate(values, f"Maximum concentration in {side} electrode [mol.m-3]")
        key = f"Initial concentration in {side} electrode [mol.m-3]"
        at_full = _evaluate(full, key) / maximum
        at_bottom = _evaluate(empty, key) / maximum
        at_empty = at_bottom + share_at_empty * (at_full - at_bottom)
        low, high = sorted((at_empty, at_full))
        reach = GRID_MARGIN * (high - low)
        grid = np.linspace(  # the limits cut the margin, never the window itself
            max(low - reach, min(_STOICHIOMETRY_LIMITS[0], low)),
            min(high + reach, max(_STOICHIOMETRY_LIMITS[1], high)),
            GRID_POINTS,
        )
        potential = _potential(values, f"{prefix} electrode OCP [V]", grid)
        radius = _evaluate(values, f"{prefix} particle radius [m]")
        middle = 0.5 * (low + high)
        section[side] = {
            "stoichiometry_breakpoints": [float(value) for value in grid],
            "potential_v": [float(value) for value in potential],
            "stoichiometry_at_empty": at_empty,
            "stoichiometry_at_full": at_full,
            "diffusion_time_s": [
                radius**2 / _diffusivity(values, prefix, middle, t + _KELVIN)
                for t in temperatures_degc
            ],
        }
    return section


def _potential(values: Any, name: str, stoichiometry: FloatArray) -> FloatArray:
    """The set's open-circuit potential function over ``stoichiometry``."""
    import pybamm  # noqa: PLC0415

    function = values[name]
    points = pybamm.Vector(stoichiometry)
    try:
        symbol = function(points)
    except TypeError:  # a set whose potential also takes the temperature
        symbol = function(points, pybamm.Scalar(298.15))
    result: FloatArray = np.asarray(values.evaluate(symbol), dtype=np.float64).reshape(-1)
    return result


def _diffusivity(values: Any, prefix: str, stoichiometry: float, temperature_k: float) -> float:
    """The particles' diffusivity at ``stoichiometry`` and ``temperature_k`` (m2/s)."""
    import pybamm  # noqa: PLC0415

    key = f"{prefix} particle diffusivity [m2.s-1]"
    value = values[key]
    if callable(value):
        value = value(pybamm.Scalar(stoichiometry), pybamm.Scalar(temperature_k))
        return float(np.asarray(values.evaluate(value)).reshape(-1)[0])
    return _evaluate(values, key)
