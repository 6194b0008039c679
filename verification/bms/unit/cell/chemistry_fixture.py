"""A small synthetic chemistry for unit tests (NOT calibrated; never shipped).

Shaped like an NMC cell (5 Ah, 2.5-4.2 V, a sloped OCV with a knee at low
SoC, resistance rising at cold and at low SoC), so that the equivalent
circuit, the plant and the estimators can be tested before, and
independently of, the calibrated files in ``bms/cell/chemistries/``.
"""

import json
import math
from typing import Any

from bms.cell import Chemistry, parse_chemistry

SOC = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
TEMPERATURES = (-10.0, 0.0, 10.0, 25.0, 45.0)


def _ocv(soc: float, temperature: float) -> float:
    knee = 0.45 * (1.0 - math.exp(-soc / 0.06))
    return 2.75 + knee + 0.95 * soc + 0.0002 * (temperature - 25.0) * soc


def _cold(temperature: float) -> float:
    return math.exp(0.035 * (25.0 - temperature))


def _low_soc(soc: float) -> float:
    return 1.0 + 0.8 * math.exp(-soc / 0.1)


def chemistry_data(**overrides: Any) -> dict[str, Any]:
    """The synthetic chemistry as a JSON-ready dict; ``overrides`` replace top-level keys."""

    def table(function: Any) -> list[list[float]]:
        return [[round(function(s, t), 6) for s in SOC] for t in TEMPERATURES]

    def by_t(function: Any) -> Any:
        return lambda _s, t: function(t)

    def by_s(function: Any) -> Any:
        return lambda s, _t: function(s)

    data: dict[str, Any] = {
        "format_version": 1,
        "name": "SYNTHETIC_TEST",
        "chemistry": "NMC",
        "source": {
            "parameter_set": "synthetic",
            "pybamm_version": "none",
            "model": "hand-made tables for unit tests",
            "generated_by": "verification/bms/unit/cell/chemistry_fixture.py",
            "notes": "not calibrated",
        },
        "nominal_capacity_ah": 5.0,
        "min_voltage_v": 2.5,
        "max_voltage_v": 4.2,
        "soc_breakpoints": list(SOC),
        "temperature_breakpoints_degc": list(TEMPERATURES),
        "ocv_v": table(_ocv),
        "r0_ohm": table(lambda s, t: 0.015 * _cold(t) * _low_soc(s)),
        "r1_ohm": table(lambda s, t: 0.008 * _cold(t) * _low_soc(s)),
        "tau1_s": table(by_s(lambda s: 8.0 + 2.0 * s)),
        "r2_ohm": table(by_t(lambda t: 0.010 * _cold(t))),
        "tau2_s": table(by_s(lambda s: 120.0 + 30.0 * s)),
        "capacity_ah_by_temperature": [4.6, 4.8, 4.9, 5.0, 5.02],
        "thermal": {
            "mass_kg": 0.07,
            "specific_heat_j_per_kg_k": 1100.0,
            "heat_transfer_w_per_k": 0.1,
            "entropic_coefficient_v_per_k": 0.0,
        },
        "fit": {
            "ocv_rmse_v": 0.0,
            "pulse_rmse_v_by_temperature": {"25": 0.0},
            "max_abs_error_v": 0.0,
        },
    }
    data.update(overrides)
    return data


def charge_section() -> dict[str, Any]:
    """A ``charge`` section unlike the top-level resistances in every table.

    Its slow pair's resistance does not rise at low SoC (a charge step drives
    the particle surfaces away from the OCV's knee), so that reading the
    wrong tables shows in every resistance.
    """
    data = chemistry_data()

    def table(function: Any) -> list[list[float]]:
        return [[round(function(s, t), 6) for s in SOC] for t in TEMPERATURES]

    return {
        "r0_ohm": table(lambda _s, t: 0.012 * _cold(t)),
        "r1_ohm": table(lambda _s, t: 0.005 * _cold(t)),
        "r2_ohm": table(lambda s, t: 0.004 * _cold(t) * (1.0 + s)),
        "pulse_rmse_v_by_temperature": dict(data["fit"]["pulse_rmse_v_by_temperature"]),
    }


def kinetic_tables() -> dict[str, Any]:
    """``kinetic_current_a`` tables for both directions: bent most in the cold (Arrhenius-like).

    At -10 degC the kinetic current is 0.3 A, so a 5 A pulse sits far in the
    logarithmic part of ``asinh``; at 45 degC it is 7.5 A (nearly linear).
    """

    def table(function: Any) -> list[list[float]]:
        return [[round(function(s, t), 6) for s in SOC] for t in TEMPERATURES]

    top = table(lambda s, t: 1.5 / _cold(t) * (0.8 + 0.4 * s))
    section = charge_section()
    section["kinetic_current_a"] = table(lambda _s, t: 1.0 / _cold(t))
    return {"kinetic_current_a": top, "charge": section}


def electrodes_section() -> dict[str, Any]:
    """An ``electrodes`` section: both potentials falling with lithium, a step in the negative's.

    The negative electrode's potential has a 40 mV step at stoichiometry 0.5
    (a graphite stage step), so that a lag across it shows.
    """
    grid = [0.002 + 0.996 * index / 100 for index in range(101)]

    def negative(theta: float) -> float:
        return 0.08 + 0.5 * math.exp(-theta / 0.04) + 0.02 * math.tanh((0.5 - theta) / 0.02)

    def side(potential: Any, empty: float, full: float, time_s: float) -> dict[str, Any]:
        return {
            "stoichiometry_breakpoints": [round(value, 6) for value in grid],
            "potential_v": [round(potential(value), 6) for value in grid],
            "stoichiometry_at_empty": empty,
            "stoichiometry_at_full": full,
            "diffusion_time_s": [round(time_s * _cold(t), 3) for t in TEMPERATURES],
        }

    return {
        "negative": side(negative, 0.05, 0.85, 2000.0),
        "positive": side(lambda theta: 4.4 - 1.3 * theta, 0.9, 0.3, 400.0),
        "source": "synthetic (unit tests)",
    }


def chemistry_text(**overrides: Any) -> str:
    """The synthetic chemistry as indented JSON text."""
    return json.dumps(chemistry_data(**overrides), indent=2)


def synthetic_chemistry(**overrides: Any) -> Chemistry:
    """The validated synthetic chemistry."""
    return parse_chemistry(chemistry_text(**overrides), "<synthetic>")


def lagged_electrodes_section() -> dict[str, Any]:
    """:func:`electrodes_section` of a circuit fitted with the lag held out: the model adds it."""
    return {**electrodes_section(), "circuit_fitted_with_lag": True}
