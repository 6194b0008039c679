"""Refine a shipped chemistry's plating map with map-following DFN charges, in place.

Needs the ``plant`` extra. ``bms plating-map`` builds a map from scratch and
refines it (:func:`bms.calibration._plating_map.refine_limits`); this script
applies only the refinement to the map a chemistry file already carries
(the constant-current potential cube is kept), writes the validated file
back and prints each map-following charge as JSON. Usage::

    python verification/scripts/plating_refine.py --chemistry LFP_Prada2013 \
        --parameter-set Prada2013 [--passes 4] [--step-s 10] [--dry-run]
        [--inc docs/validation/plating_refine_lfp.inc]

``--inc`` also writes the charges as an RST table (first and last charge per
temperature). ``--from-log FILE`` writes that table from the JSON lines a
previous run printed, without PyBaMM.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Refine, validate and write the map."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chemistry", required=True, help="shipped chemistry name")
    parser.add_argument("--parameter-set", required=True, help="PyBaMM set of its map")
    parser.add_argument("--passes", type=int, default=4)
    parser.add_argument("--inc", type=Path, help="write the charges as an RST table here")
    parser.add_argument("--from-log", type=Path, help="JSON lines of an earlier run")
    parser.add_argument("--step-s", type=float, default=10.0)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    args = parser.parse_args(argv)
    if args.from_log:
        lines = args.from_log.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        if args.inc:
            args.inc.write_text(_table(records), encoding="utf-8")
        return 0

    from bms.calibration._plating_map import refine_plating_map  # noqa: PLC0415
    from bms.cell import load_chemistry  # noqa: PLC0415
    from bms.cli._cmd_plating_map import _merge  # noqa: PLC0415

    chemistry = load_chemistry(args.chemistry)
    if chemistry.plating is None:
        print(f"{args.chemistry} has no plating map", file=sys.stderr)
        return 3
    plating, history = refine_plating_map(
        args.parameter_set,
        chemistry.plating,
        chemistry.nominal_capacity_ah,
        step_s=args.step_s,
        passes=args.passes,
        progress=lambda message: print(message, flush=True),
    )
    for record in history:
        print(json.dumps(asdict(record)), flush=True)
    if args.inc:
        args.inc.write_text(_table([asdict(record) for record in history]), encoding="utf-8")
    if args.dry_run:
        print(json.dumps(plating.max_charge_current_a))
        return 0
    path = Path("bms/cell/chemistries") / f"{args.chemistry}.json"
    problem = _merge(path, json.loads(plating.model_dump_json()))
    if problem:
        print(problem, file=sys.stderr)
        return 3
    print(f"wrote {path}")
    return 0


def _table(records: list[dict[str, float]]) -> str:
    """RST table: per temperature, the charges run and the first and last lowest potentials."""
    by_temperature: dict[float, list[dict[str, float]]] = {}
    for record in records:
        by_temperature.setdefault(record["temperature_degc"], []).append(record)
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - cell (degC)\n     - charges\n     - lowest, first charge (mV)"
        "\n     - lowest, last charge (mV)\n     - last charge (s)",
    ]
    for temperature, runs in sorted(by_temperature.items()):
        first, last = runs[0], runs[-1]
        cells = [
            f"{temperature:g}",
            str(len(runs)),
            f"{first['min_potential_v'] * 1000:.1f}",
            f"{last['min_potential_v'] * 1000:.1f}",
            f"{last['duration_s']:.0f}",
        ]
        lines.append("   * - " + "\n     - ".join(cells))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
