"""Make the shipped drive-cycle files of ``bms/cycles/data`` from NREL FASTSim.

Run by ``nox -s cycles`` (its own virtualenv, since FASTSim is not a BMS
dependency); nothing here runs at BMS run time. For each cycle (UDDS, HWFET,
the speed traces FASTSim ships, 1 s resolution) it simulates FASTSim's
shipped 2020 Chevrolet Bolt EV model and records the battery's electrical
output power (``res.history.pwr_out_electrical_watts``: terminal power,
discharge positive, regeneration negative). It writes, per cycle:

* ``<cycle>_power.csv``: ``time_s,power_w``, the vehicle's battery power;
* ``<cycle>.csv``: ``time_s,current_a``, the cell current of the given pack,
  ``power / (series * parallel * cell_nominal_v)`` (constant-voltage
  conversion: the pack voltage is taken at its nominal value);

and ``provenance.json``: FASTSim version, vehicle, pack and command line.

Usage (in an environment with ``fastsim``)::

    python verification/scripts/make_cycles.py --out bms/cycles/data \
        --series 96 --parallel 20 --cell-nominal-v 3.63
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

VEHICLE = "2020 Chevrolet Bolt EV thrml.yaml"
"""FASTSim's shipped vehicle resource (the closest shipped BEV to the issue's ask: the same)."""
CYCLES = {"udds": "udds.csv", "hwfet": "hwfet.csv"}
"""Our cycle name to FASTSim's shipped cycle resource."""
POWER_KEY = "veh.pt_type.BEV.res.history.pwr_out_electrical_watts"
TIME_KEY = "veh.history.time_seconds"


def _simulate(cycle_resource: str) -> tuple[list[float], list[float]]:
    """Time (s) and battery electrical output power (W) of the Bolt over one cycle."""
    import fastsim  # noqa: PLC0415 - only this script needs it

    vehicle = fastsim.Vehicle.from_resource(VEHICLE)
    cycle = fastsim.Cycle.from_resource(cycle_resource)
    drive = fastsim.SimDrive(vehicle, cycle)
    drive.run()
    history: dict[str, Any] = drive.to_dict(flatten=True)
    return [float(t) for t in history[TIME_KEY]], [float(p) for p in history[POWER_KEY]]


def main(argv: list[str] | None = None) -> int:
    """Write the cycle files; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--series", type=int, default=96)
    parser.add_argument("--parallel", type=int, default=20)
    parser.add_argument("--cell-nominal-v", type=float, default=3.63)
    args = parser.parse_args(argv)
    import fastsim  # noqa: PLC0415

    args.out.mkdir(parents=True, exist_ok=True)
    cells = args.series * args.parallel
    summary: dict[str, Any] = {}
    for name, resource in CYCLES.items():
        time_s, power_w = _simulate(resource)
        with (args.out / f"{name}_power.csv").open("w", encoding="utf-8") as stream:
            stream.write("time_s,power_w\n")
            stream.writelines(f"{t:g},{p:.1f}\n" for t, p in zip(time_s, power_w, strict=True))
        with (args.out / f"{name}.csv").open("w", encoding="utf-8") as stream:
            stream.write("time_s,current_a\n")
            stream.writelines(
                f"{t:g},{p / (cells * args.cell_nominal_v):.5f}\n"
                for t, p in zip(time_s, power_w, strict=True)
            )
        summary[name] = {
            "fastsim_cycle_resource": resource,
            "samples": len(time_s),
            "duration_s": time_s[-1] - time_s[0],
            "battery_power_max_w": max(power_w),
            "battery_power_min_w": min(power_w),
            "battery_energy_out_wh": sum(power_w) / 3600.0,
        }
    provenance = {
        "made_by": "verification/scripts/make_cycles.py (nox -s cycles)",
        "command": " ".join(["make_cycles.py", *(argv if argv is not None else sys.argv[1:])]),
        "fastsim_version": fastsim.__version__,
        "vehicle_resource": VEHICLE,
        "power_variable": POWER_KEY,
        "time_step_s": 1.0,
        "pack": {
            "series_count": args.series,
            "parallel_count": args.parallel,
            "cell_nominal_v": args.cell_nominal_v,
            "conversion": "cell current = battery power / (series * parallel * cell_nominal_v)",
        },
        "sign": "current_a and power_w positive on discharge, negative on regeneration",
        "cycles": summary,
    }
    (args.out / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
