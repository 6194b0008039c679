"""Run the back-to-back validation matrix and write its tables and plots for the docs.

Run by ``nox -s validation`` (needs the ``plant`` extra). For every
(chemistry, cycle, ambient temperature) of the matrix it runs
:func:`bms.calibration._validation.run_validation` (PyBaMM's DFN as truth,
issue 3's sensor errors, the EKF and coulomb counting from the same guess),
plus a 0.7C constant-current charge from 10 % at 0 and 25 degC per chemistry
(a sustained load, where the circuit's diffusion error shows), and writes,
under ``--out`` (default ``docs/validation``):

* ``cases/<id>.json``: each run's summary (a finished case is reused unless
  ``--fresh``, so an interrupted matrix resumes);
* ``plots/<id>.png``: truth, estimate, bound and errors;
* ``build/validation/truth/<key>.npz``: each DFN truth, keyed by its
  inputs (:func:`bms.calibration._validation.cached_truth`), so that after an
  estimator change ``--fresh`` re-scores every case in seconds per case;
* ``results.json``, ``results.md`` and ``results.inc`` (RST, with the plots,
  included by ``docs/validation/index.rst``): the table of every case.

Every run starts with a 1 s key-on (``bms.calibration._filter_runs.KEY_ON_S``), as the
controller's do (``--key-on-s 0``: none).

Usage::

    python verification/scripts/validation_matrix.py [--fresh] [--only NMC] [--out DIR]
        [--truth-cache DIR | --no-truth-cache] [--key-on-s S] [--tuning FIELD=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bms.calibration._filter_runs import KEY_ON_S

MATRIX_CHEMISTRIES = {"NMC_Chen2020": "Chen2020", "LFP_Prada2013": "Prada2013"}
"""Chemistry file -> PyBaMM set of the truth."""
MATRIX_CYCLES = {"udds": 1, "hwfet": 2}
"""Cycle -> repetitions (UDDS 1369 s; HWFET 765 s, run twice)."""
MATRIX_TEMPERATURES_DEGC = (-20.0, -10.0, 0.0, 25.0, 45.0)
INITIAL_SOC = 0.8
SOC_GUESS = 0.5
"""A 30-point initial error, as issue 3's targets ask."""
CHARGE = "charge"
"""A constant-current charge: the sustained load where the circuit's diffusion error shows."""
CHARGE_C_RATE = 0.7
"""Its current, C-rate (the LG M50's maximum charge current); 10 s of rest, then 3,700 s."""
CHARGE_TEMPERATURES_DEGC = (0.0, 25.0)
CHARGE_INITIAL_SOC = 0.1
CHARGE_SOC_GUESS = 0.4
"""The same 30-point initial error, from 10 % (the charge ends near 82 %)."""


def _case_id(chemistry: str, cycle: str, ambient: float) -> str:
    return f"{chemistry}_{cycle}_{ambient:+g}C".replace("+", "p").replace("-", "m")


def _run_case(  # noqa: PLR0917 - one case's settings
    chemistry_name: str,
    cycle: str,
    ambient: float,
    out: Path,
    truth_cache: Path | None,
    key_on_s: float,
    tuning: dict[str, float],
) -> dict[str, Any]:
    from bms.calibration._validation import plot_validation, run_validation  # noqa: PLC0415

    case = matrix_case(chemistry_name, cycle, ambient, key_on_s, tuning)
    result = run_validation(case, truth_cache)
    case_id = _case_id(chemistry_name, cycle, ambient)
    plot_validation(result, out / "plots" / f"{case_id}.png")
    return {
        "id": case_id,
        "estimator_version": _estimator_version(chemistry_name),
        **result.summary(),
    }


def matrix_case(
    chemistry_name: str,
    cycle: str,
    ambient: float,
    key_on_s: float = KEY_ON_S,
    tuning: dict[str, float] | None = None,
) -> Any:
    """The matrix row's ``ValidationCase``: its cycle, start, guess and repeats."""
    from bms.calibration._validation import ValidationCase, cycle_for_chemistry  # noqa: PLC0415
    from bms.cell import load_chemistry  # noqa: PLC0415

    chemistry = load_chemistry(chemistry_name)
    charge = cycle == CHARGE
    return ValidationCase(
        parameter_set=MATRIX_CHEMISTRIES[chemistry_name],
        chemistry=chemistry,
        cycle=_charge_cycle(chemistry) if charge else cycle_for_chemistry(cycle, chemistry),
        ambient_degc=ambient,
        initial_soc=CHARGE_INITIAL_SOC if charge else INITIAL_SOC,
        soc_guess=CHARGE_SOC_GUESS if charge else SOC_GUESS,
        repeat=1 if charge else MATRIX_CYCLES[cycle],
        key_on_s=key_on_s,
        tuning=tuning or {},
    )


def _charge_cycle(chemistry: Any) -> Any:
    """10 s of rest, then :data:`CHARGE_C_RATE` for 3,700 s (1 s samples, cell current)."""
    from bms.calibration._validation import constant_current_charge  # noqa: PLC0415

    return constant_current_charge(chemistry, CHARGE_C_RATE, 3700.0)


def _estimator_version(chemistry_name: str) -> str:
    """A digest of what a row's SoC estimate rests on: which filter, on which chemistry file.

    The filter's source (its step, per-step constants, covariance, noise model,
    the plateau's floor under its reported sigma and default tuning), the
    cell-model code it reads the tables through (the tables, the bent series
    drop, the surface lag, the capacity and resistance scales), the key-on
    offset and the validation's filter runs, and the chemistry file itself: a
    change to any of them marks the row (older filter) until ``--fresh``
    rescoring.
    """
    import hashlib  # noqa: PLC0415
    import inspect  # noqa: PLC0415

    from bms.calibration import _filter_runs  # noqa: PLC0415
    from bms.cell import _ecm, _kinetics, _surface_lag, _tables, chemistry_path  # noqa: PLC0415
    from bms.estimation import (  # noqa: PLC0415
        SocFilterTuning,
        _soc_constants,
        _soc_covariance,
        _soc_ekf,
        _soc_estimator,
        _soc_plateau,
        _soc_tuning,
        _zero_current,
    )

    sources = (
        _soc_ekf,
        _soc_estimator,
        _soc_plateau,
        _soc_constants,
        _soc_covariance,
        _soc_tuning,
        _zero_current,
        _tables,
        _kinetics,
        _ecm,
        _surface_lag,
        _filter_runs,
    )
    digest = hashlib.sha256()
    for module in sources:
        digest.update(inspect.getsource(module).encode())
    digest.update(repr(SocFilterTuning()).encode())
    digest.update(chemistry_path(chemistry_name).read_bytes())
    return digest.hexdigest()[:12]


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100.0 * value:.2f}"


def _band(row: dict[str, Any]) -> str:
    """Shares of time steps with the Monte-Carlo average NEES inside, below, above its band."""
    if row.get("nees_inside_band") is None:
        return "n/a"
    return " / ".join(
        f"{100.0 * row[key]:.0f}"
        for key in ("nees_inside_band", "nees_below_band", "nees_above_band")
    )


def _runs(row: dict[str, Any]) -> str:
    """The Monte-Carlo runs' largest error and 3-sigma coverage (each run a draw of the prior)."""
    if row.get("nees_runs_max_abs_error") is None:
        return "n/a"
    return f"{_percent(row['nees_runs_max_abs_error'])} / {row['nees_runs_bound_coverage']:.3f}"


def _is_current(row: dict[str, Any], versions: dict[str, str]) -> bool:
    """Whether ``row`` was scored by the present filter on its present chemistry file."""
    return row.get("estimator_version") == versions[row["chemistry"]]


def _markdown(rows: list[dict[str, Any]]) -> str:
    current = {name: _estimator_version(name) for name in {row["chemistry"] for row in rows}}
    lines = [
        "| chemistry | cycle | ambient (degC) | key-on (s) | EKF RMSE (%) | EKF max (%) "
        "| 3-sigma coverage | NEES mean | NEES in band / below / above (%) "
        "| runs: max (%) / 3-sigma coverage | convergence (s) "
        "| CC RMSE (%) | CC max (%) | circuit vs DFN rmse (mV) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cc = row["coulomb_counting"]
        coverage = row["bound_coverage"]
        nees = row["nees_mean"]
        converged = row["convergence_time_s"]
        stale = "" if _is_current(row, current) else " (older filter)"
        lines.append(
            f"| {row['chemistry']}{stale} | {row['cycle']} x{row['repeat']} "
            f"| {row['ambient_degc']:g} | {row.get('key_on_s', 0.0):g} "
            f"| {_percent(row['soc_rmse'])} | {_percent(row['soc_max_abs_error'])} "
            f"| {'n/a' if coverage is None else f'{coverage:.3f}'} "
            f"| {'n/a' if nees is None else f'{nees:.2f}'} "
            f"| {_band(row)} | {_runs(row)} "
            f"| {'never' if converged is None else f'{converged:.0f}'} "
            f"| {_percent(cc['soc_rmse'])} | {_percent(cc['soc_max_abs_error'])} "
            f"| {1000.0 * row['ecm_voltage_rmse_v']:.1f} |"
        )
    if not all(_is_current(row, current) for row in rows):
        lines.append("")
        lines.append(
            "Rows marked (older filter) were scored by an earlier version of the SoC filter; "
            "rerun them with ``--fresh``."
        )
    return "\n".join(lines) + "\n"


def _rst(rows: list[dict[str, Any]]) -> str:
    """The table as an RST list-table and the plots as figures (included by index.rst)."""
    markdown = _markdown(rows).splitlines()
    table = [line for line in markdown if line.startswith("|")]
    notes = [line for line in markdown[len(table) :] if line]
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
    lines.extend([*notes, ""] if notes else [])
    for row in rows:
        lines += [
            f".. figure:: plots/{row['id']}.png",
            "   :width: 100%",
            "",
            f"   {row['id']}",
            "",
        ]
    return "\n".join(lines)


def matrix_rows() -> list[tuple[str, str, float]]:
    """Every row of the matrix as (chemistry, cycle, ambient): the drives, then the charges."""
    drives = [
        (chemistry, cycle, ambient)
        for chemistry in MATRIX_CHEMISTRIES
        for cycle in MATRIX_CYCLES
        for ambient in MATRIX_TEMPERATURES_DEGC
    ]
    charges = [
        (chemistry, CHARGE, ambient)
        for chemistry in MATRIX_CHEMISTRIES
        for ambient in CHARGE_TEMPERATURES_DEGC
    ]
    return drives + charges


def add_tuning_option(parser: argparse.ArgumentParser) -> None:
    """``--tuning FIELD=VALUE``, repeatable: the filter settings a comparison overrides."""
    parser.add_argument(
        "--tuning",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a filter setting (bms.estimation.SocFilterTuning), to compare "
        "tunings in another --out",
    )


def parsed_tuning(parser: argparse.ArgumentParser, pairs: list[str]) -> dict[str, float]:
    """The ``--tuning`` pairs as overrides; a bad pair ends the script naming it (exit 2)."""
    from bms.cli._cmd_validate import _overrides  # noqa: PLC0415

    try:
        return _overrides(pairs, "tuning")
    except ValueError as error:
        parser.error(str(error))


def main(argv: list[str] | None = None) -> int:
    """Run (or resume) the matrix; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    parser.add_argument("--fresh", action="store_true", help="rerun finished cases")
    parser.add_argument("--only", help="run only case ids containing this text")
    parser.add_argument(
        "--truth-cache",
        type=Path,
        default=Path("build/validation/truth"),
        help="where the DFN truths are kept (keyed by their inputs) so that a changed "
        "estimator re-runs in seconds (default build/validation/truth)",
    )
    parser.add_argument("--no-truth-cache", action="store_true", help="always rerun the DFN")
    parser.add_argument(
        "--key-on-s",
        type=float,
        default=KEY_ON_S,
        help=f"key-on (contactors open, offset calibration) before each run, s "
        f"(default {KEY_ON_S:g}; 0: none)",
    )
    add_tuning_option(parser)
    args = parser.parse_args(argv)
    from rich.progress import Progress  # noqa: PLC0415

    tuning = parsed_tuning(parser, args.tuning)
    cases = matrix_rows()
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
                cache = None if args.no_truth_cache else args.truth_cache
                summary = _run_case(
                    chemistry, cycle, ambient, args.out, cache, args.key_on_s, tuning
                )
                target.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            progress.advance(task)
    rows = sorted(
        (
            json.loads(path.read_text(encoding="utf-8"))
            for path in (args.out / "cases").glob("*.json")
        ),
        key=lambda row: (row["chemistry"], row["cycle"], row["ambient_degc"]),
    )
    (args.out / "results.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(_markdown(rows), encoding="utf-8")
    (args.out / "results.inc").write_text(_rst(rows), encoding="utf-8")
    print(_markdown(rows), file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
