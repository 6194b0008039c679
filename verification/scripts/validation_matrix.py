"""Run the back-to-back validation matrix and write its tables and plots for the docs.

Run by ``nox -s validation`` (needs the ``plant`` extra). For every
(chemistry, cycle, ambient temperature) of the matrix it runs
:func:`bms.calibration._validation.run_validation` (PyBaMM's DFN as truth,
issue 3's sensor errors, the EKF and coulomb counting from the same guess)
and writes, under ``--out`` (default ``docs/validation``):

* ``cases/<id>.json``: each run's summary (a finished case is reused unless
  ``--fresh``, so an interrupted matrix resumes);
* ``plots/<id>.png``: truth, estimate, bound and errors;
* ``results.json``, ``results.md`` and ``results.inc`` (RST, with the plots,
  included by ``docs/validation/index.rst``): the table of every case.

Usage::

    python verification/scripts/validation_matrix.py [--fresh] [--only NMC] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

MATRIX_CHEMISTRIES = {"NMC_Chen2020": "Chen2020", "LFP_Prada2013": "Prada2013"}
"""Chemistry file -> PyBaMM set of the truth."""
MATRIX_CYCLES = {"udds": 1, "hwfet": 2}
"""Cycle -> repetitions (UDDS 1369 s; HWFET 765 s, run twice)."""
MATRIX_TEMPERATURES_DEGC = (-10.0, 0.0, 25.0, 45.0)
INITIAL_SOC = 0.8
SOC_GUESS = 0.5
"""A 30-point initial error, as issue 3's targets ask."""


def _case_id(chemistry: str, cycle: str, ambient: float) -> str:
    return f"{chemistry}_{cycle}_{ambient:+g}C".replace("+", "p").replace("-", "m")


def _run_case(chemistry_name: str, cycle: str, ambient: float, out: Path) -> dict[str, Any]:
    from bms.calibration._validation import (  # noqa: PLC0415
        ValidationCase,
        cycle_for_chemistry,
        plot_validation,
        run_validation,
    )
    from bms.cell import load_chemistry  # noqa: PLC0415

    chemistry = load_chemistry(chemistry_name)
    case = ValidationCase(
        parameter_set=MATRIX_CHEMISTRIES[chemistry_name],
        chemistry=chemistry,
        cycle=cycle_for_chemistry(cycle, chemistry),
        ambient_degc=ambient,
        initial_soc=INITIAL_SOC,
        soc_guess=SOC_GUESS,
        repeat=MATRIX_CYCLES[cycle],
    )
    result = run_validation(case)
    case_id = _case_id(chemistry_name, cycle, ambient)
    plot_validation(result, out / "plots" / f"{case_id}.png")
    return {"id": case_id, **result.summary()}


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100.0 * value:.2f}"


def _markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| chemistry | cycle | ambient (degC) | EKF RMSE (%) | EKF max (%) | 3-sigma coverage "
        "| NEES mean | convergence (s) | CC RMSE (%) | CC max (%) | circuit vs DFN rmse (mV) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cc = row["coulomb_counting"]
        coverage = row["bound_coverage"]
        nees = row["nees_mean"]
        converged = row["convergence_time_s"]
        lines.append(
            f"| {row['chemistry']} | {row['cycle']} x{row['repeat']} | {row['ambient_degc']:g} "
            f"| {_percent(row['soc_rmse'])} | {_percent(row['soc_max_abs_error'])} "
            f"| {'n/a' if coverage is None else f'{coverage:.3f}'} "
            f"| {'n/a' if nees is None else f'{nees:.2f}'} "
            f"| {'never' if converged is None else f'{converged:.0f}'} "
            f"| {_percent(cc['soc_rmse'])} | {_percent(cc['soc_max_abs_error'])} "
            f"| {1000.0 * row['ecm_voltage_rmse_v']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def _rst(rows: list[dict[str, Any]]) -> str:
    """The table as an RST list-table and the plots as figures (included by index.rst)."""
    table = _markdown(rows).splitlines()
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    lines = [
        ".. list-table:: SoC estimation against the DFN (after the 600 s window)",
        "   :header-rows: 1",
        "",
    ]
    for cells in [header] + [[c.strip() for c in line.strip("|").split("|")] for line in table[2:]]:
        lines.append(f"   * - {cells[0]}")
        lines.extend(f"     - {cell}" for cell in cells[1:])
    lines.append("")
    for row in rows:
        lines += [
            f".. figure:: plots/{row['id']}.png",
            "   :width: 100%",
            "",
            f"   {row['id']}",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run (or resume) the matrix; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    parser.add_argument("--fresh", action="store_true", help="rerun finished cases")
    parser.add_argument("--only", help="run only case ids containing this text")
    args = parser.parse_args(argv)
    from rich.progress import Progress  # noqa: PLC0415

    cases = [
        (chemistry, cycle, ambient)
        for chemistry in MATRIX_CHEMISTRIES
        for cycle in MATRIX_CYCLES
        for ambient in MATRIX_TEMPERATURES_DEGC
    ]
    if args.only:
        cases = [case for case in cases if args.only in _case_id(*case)]
    (args.out / "cases").mkdir(parents=True, exist_ok=True)
    with Progress() as progress:
        task = progress.add_task("validation matrix", total=len(cases))
        for chemistry, cycle, ambient in cases:
            case_id = _case_id(chemistry, cycle, ambient)
            target = args.out / "cases" / f"{case_id}.json"
            progress.update(task, description=case_id)
            if args.fresh or not target.is_file():
                summary = _run_case(chemistry, cycle, ambient, args.out)
                target.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            progress.advance(task)
    rows = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((args.out / "cases").glob("*.json"))
    ]
    (args.out / "results.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(_markdown(rows), encoding="utf-8")
    (args.out / "results.inc").write_text(_rst(rows), encoding="utf-8")
    print(_markdown(rows), file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
