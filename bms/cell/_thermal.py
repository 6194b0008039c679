"""Lumped thermal model of a cell: one heat capacity, one conductance to ambient.

ASIL: QM(D) (estimation channel and test plant). Requirements: SWR_CELL_004.

    m c dT/dt = Q - h (T - T_amb)

is integrated exactly over a step with the heat ``Q`` held constant
(``T' = T_amb + Q/h + (T - T_amb - Q/h) exp(-h dt / (m c))``), so any step
length is stable. The heat comes from :func:`bms.cell.heat_generation_w`.
"""

import numpy as np

from bms.cell._chemistry import ThermalParameters
from bms.cell._tables import FloatArray

__all__ = ["thermal_step"]


def thermal_step(
    thermal: ThermalParameters,
    temperature_degc: FloatArray,
    heat_w: FloatArray,
    ambient_degc: FloatArray | float,
    dt_s: float,
) -> FloatArray:
    """Cell temperatures after ``dt_s`` with constant heat, exact solution of the lumped ODE.

    Implements: SWR_CELL_004
    """
    conductance = thermal.heat_transfer_w_per_k
    decay = np.exp(-dt_s * conductance / (thermal.mass_kg * thermal.specific_heat_j_per_kg_k))
    steady = ambient_degc + heat_w / conductance
    result: FloatArray = steady + (temperature_degc - steady) * decay
    return result
