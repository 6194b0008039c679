"""Check the particles' surface lag (bms.cell._surface_lag) against PyBaMM's DFN.

Run by ``nox -s surface_lag`` (needs the ``plant`` extra). For each case it
runs the DFN over a drive cycle or a charge, keeps the electrodes'
X-averaged surface and bulk open-circuit potentials, and compares the DFN's
own lag voltage, ``(U_p,surface - U_p,bulk) - (U_n,surface - U_n,bulk)``,
with the one :func:`bms.cell.surface_lag_voltage` predicts from the
chemistry file's ``electrodes`` section, the current and the true SoC
(nothing fitted). Writes ``surface_lag.json`` and ``surface_lag.inc`` (an RST
table included by ``docs/validation/index.rst``) under ``--out`` (default
``docs/validation``).

Usage::

    python verification/scripts/surface_lag_check.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CASES = (
    ("LFP_Prada2013", "hwfet", 25.0),
    ("LFP_Prada2013", "hwfet", -10.0),
    ("LFP_Prada2013", "charge", 25.0),
    ("NMC_Chen2020", "hwfet", 25.0),
    ("NMC_Chen2020", "udds", -20.0),
    ("NMC_Chen2020", "charge", 25.0),
)
"""(chemistry file, cycle, ambient degC): LFP through its graphite stage step, NMC both ways."""
PARAMETER_SETS = {"NMC_Chen2020": "Chen2020", "LFP_Prada2013": "Prada2013"}
REPEATS = {"udds": 1, "hwfet": 2}
"""As the validation matrix runs them: UDDS once, HWFET twice, from 80 % SoC."""
DRIVE_INITIAL_SOC = 0.8
CHARGE = (0.1, 0.7, 3700.0)
"""The matrix's charge: from 10 % SoC at 0.7C for 3,700 s."""
_VARIABLES = {
    side: (
        f"X-averaged {side} electrode open-circuit potential [V]",
        f"{side.capitalize()} electrode bulk open-circuit potential [V]",
    )
    for side in ("negative", "positive")
}


def _run_case(chemistry_name: str, cycle_name: str, ambient: float) -> dict[str, Any]:
    from bms.calibration._physics import PhysicsCell  # noqa: PLC0415
    from bms.calibration._validation import (  # noqa: PLC0415
        constant_current_charge,
        cycle_for_chemistry,
    )
    from bms.cell import load_chemistry, surface_lag_along, surface_lag_model  # noqa: PLC0415

    chemistry = load_chemistry(chemistry_name)
    model = surface_lag_model(chemistry)
    if model is None:
        raise SystemExit(f"{chemistry_name}: the chemistry file has no 'electrodes' section")
    charge = cycle_name == "charge"
    cycle = (
        constant_current_charge(chemistry, CHARGE[1], CHARGE[2])
        if charge
        else cycle_for_chemistry(cycle_name, chemistry).repeated(REPEATS[cycle_name])
    )
    initial_soc = CHARGE[0] if charge else DRIVE_INITIAL_SOC
    capacity = chemistry.nominal_capacity_ah
    cell = PhysicsCell(PARAMETER_SETS[chemistry_name])
    time_s = cycle.time_s - cycle.time_s[0]
    record = cell.drive_cycle(
        time_s,
        cycle.current_a,
        ambient,
        cell.initial_state_for_soc(initial_soc, capacity),
        extra_variables=tuple(name for pair in _VARIABLES.values() for name in pair),
    )
    lag_dfn = sum(
        sign * (record.extra[surface] - record.extra[bulk])
        for sign, (surface, bulk) in zip((-1.0, 1.0), _VARIABLES.values(), strict=True)
    )
    soc = initial_soc - (record.discharged_ah - record.discharged_ah[0]) / capacity
    predicted = surface_lag_along(
        model,
        time_s=record.time_s,
        current_a=record.current_a,
        temperature_degc=record.temperature_degc,
        soc=soc,
        capacity_ah=capacity,
    )
    error = predicted - lag_dfn
    return {
        "chemistry": chemistry_name,
        "cycle": cycle.name,
        "ambient_degc": ambient,
        "duration_s": float(record.time_s[-1]),
        "dfn_lag_rms_v": float(np.sqrt(np.mean(np.square(lag_dfn)))),
        "dfn_lag_max_abs_v": float(np.max(np.abs(lag_dfn))),
        "model_error_rms_v": float(np.sqrt(np.mean(np.square(error)))),
        "model_error_max_abs_v": float(np.max(np.abs(error))),
    }


def _rst(rows: list[dict[str, Any]]) -> str:
    lines = [
        ".. list-table:: The particles' surface lag voltage: the DFN's own, and the error of "
        "``bms.cell.surface_lag_voltage`` against it (mV; nothing fitted)",
        "   :header-rows: 1",
        "",
        "   * - case",
        "     - DFN lag, rms",
        "     - DFN lag, max",
        "     - model error, rms",
        "     - model error, max",
    ]
    for row in rows:
        lines += [
            f"   * - {row['chemistry']} {row['cycle']}, {row['ambient_degc']:g} degC",
            f"     - {1000.0 * row['dfn_lag_rms_v']:.1f}",
            f"     - {1000.0 * row['dfn_lag_max_abs_v']:.1f}",
            f"     - {1000.0 * row['model_error_rms_v']:.1f}",
            f"     - {1000.0 * row['model_error_max_abs_v']:.1f}",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    args = parser.parse_args(argv)
    from rich.progress import track  # noqa: PLC0415

    rows = [_run_case(*case) for case in track(CASES, description="DFN runs")]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "surface_lag.json").write_text(json.dumps(rows, indent=1) + "\n")
    (args.out / "surface_lag.inc").write_text(_rst(rows))
    for row in rows:
        print(
            f"{row['chemistry']:14} {row['cycle']:16} {row['ambient_degc']:+5g} degC  "
            f"DFN lag rms {1000 * row['dfn_lag_rms_v']:5.1f} mV  "
            f"model error rms {1000 * row['model_error_rms_v']:4.1f} mV"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
