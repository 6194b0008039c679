"""A small synthetic plating map for unit tests (NOT from a physics model; never shipped).

The anode potential falls linearly with SoC and with current through a
resistance that grows at cold, like a graphite anode's; the limit table is
derived from it by the map builder's own pure functions, so it is monotone
as the chemistry model demands.
"""

import json
import math
from typing import Any

import numpy as np

from bms.calibration._plating_limits import limit_table
from bms.cell import PlatingMap

TEMPERATURES = (-20.0, 0.0, 25.0, 45.0)
SOC = (0.0, 0.25, 0.5, 0.75, 1.0)
CURRENTS = (0.5, 1.0, 2.0, 4.0, 8.0)
MARGIN_V = 0.010


def potential_v(temperature: float, soc: float, current: float) -> float:
    """Anode potential against lithium of the synthetic cell."""
    resistance = 0.01 * math.exp(0.03 * (25.0 - temperature))
    return 0.15 - 0.1 * soc - current * resistance


def plating_data(**overrides: Any) -> dict[str, Any]:
    """The synthetic map as a JSON-ready dict; ``overrides`` replace keys."""
    cube = np.array([[[potential_v(t, s, i) for i in CURRENTS] for s in SOC] for t in TEMPERATURES])
    limits = limit_table(CURRENTS, cube, MARGIN_V)
    data: dict[str, Any] = {
        "margin_v": MARGIN_V,
        "temperature_breakpoints_degc": list(TEMPERATURES),
        "soc_breakpoints": list(SOC),
        "current_breakpoints_a": list(CURRENTS),
        "max_charge_current_a": limits.tolist(),
        "anode_potential_v": cube.tolist(),
        "source": "verification/bms/unit/estimation/plating_fixture.py (synthetic)",
    }
    data.update(overrides)
    return data


def synthetic_plating(**overrides: Any) -> PlatingMap:
    """The synthetic map, validated."""
    return PlatingMap.model_validate_json(json.dumps(plating_data(**overrides)))
