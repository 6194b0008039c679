"""Write the fault-free part of a ``bms faults`` campaign into the validation pages.

Reads the report of ``bms faults --json`` (a finished campaign) or the lines
of ``bms faults --progress-jsonl`` (a campaign still running or stopped: its
finished drives and the last checkpoint of the running one), and writes
``faults.json`` (the figures), ``faults.md`` and ``faults.inc`` (the same
table in Markdown and as an RST list-table, included by
``docs/validation/faults.rst``) into ``--out``; ``--stem faults_lfp`` names
them for another pack's campaign.

Usage::

    python verification/scripts/faults_docs.py build/faults_10h/campaign.json \
        [--progress build/faults_10h/progress.jsonl] [--out docs/validation] [--stem faults]

Exit 0 when written; 3 with a message (no traceback) on a missing or
malformed input. Hand-written: no library formats these tables.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["from_progress", "from_report", "main", "tables"]


def _drive_row(drive: dict[str, Any], complete: bool) -> dict[str, Any]:
    end_ms = drive.get("end_of_charge_ms")
    span = drive.get("temperature_range_degc") or [None, None]
    return {
        "mission": f"{drive['point']} {drive['ambient_degc']:g} degC",
        "simulated_s": round(float(drive["duration_s"]), 1),
        "complete": complete,
        "end_of_charge_s": None if end_ms is None else round(end_ms / 1000.0, 1),
        "peak_cell_v": drive.get("peak_cell_v"),
        "cell_temperature_degc": span,
        "false_trips": list(drive["false_trips"]),
    }


def _figures(rows: list[dict[str, Any]], source: str, **extra: Any) -> dict[str, Any]:
    trips = [f"{row['mission']}: {row['false_trips']}" for row in rows if row["false_trips"]]
    return {
        "source": source,
        "fault_free_hours": round(sum(row["simulated_s"] for row in rows) / 3600.0, 3),
        "drives": len(rows),
        "drives_complete": sum(row["complete"] for row in rows),
        "ends_of_charge": sum(row["end_of_charge_s"] is not None for row in rows),
        "false_trips": trips,
        **extra,
        "rows": rows,
    }


def from_report(report: dict[str, Any]) -> dict[str, Any]:
    """The figures of a finished campaign report."""
    rows = [_drive_row(drive, True) for drive in report["fault_free"]]
    summary = report["summary"]
    return _figures(
        rows,
        "bms faults --json (finished)",
        injected_runs=summary["runs"],
        injected_within_ftti=summary["within_ftti"],
        passed=summary["passed"],
    )


def from_progress(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a campaign's progress lines: finished drives and the running one."""
    rows = [_drive_row(line["drive"], True) for line in lines if line["drive_complete"]]
    if lines and not lines[-1]["drive_complete"]:
        rows.append(_drive_row(lines[-1]["drive"], False))
    total = lines[-1]["drives_total"] if lines else 0
    return _figures(rows, "bms faults --progress-jsonl (partial)", drives_planned=total)


def tables(figures: dict[str, Any]) -> tuple[str, str]:
    """The drives as a Markdown table and as an RST list-table."""
    header = (
        "mission",
        "simulated (s)",
        "end of charge at (s)",
        "peak cell (V)",
        "cell temperature (degC)",
        "false trips",
    )
    cells = []
    for row in figures["rows"]:
        low, high = row["cell_temperature_degc"]
        simulated = f"{row['simulated_s']:g}" + ("" if row["complete"] else " (running)")
        cells.append(
            (
                row["mission"],
                simulated,
                "-" if row["end_of_charge_s"] is None else f"{row['end_of_charge_s']:g}",
                "-" if row["peak_cell_v"] is None else f"{row['peak_cell_v']:.4f}",
                "-" if low is None else f"{low:.1f} to {high:.1f}",
                ", ".join(row["false_trips"]) or "none",
            )
        )
    trips = "; ".join(figures["false_trips"]) or "none"
    planned = figures.get("drives_planned")
    status = (
        f"Simulated fault-free time: {figures['fault_free_hours']:g} h in "
        f"{figures['drives_complete']} finished drives"
        + (f" of {planned} planned" if planned else "")
        + (
            " and one running (partial result)"
            if figures["drives"] > figures["drives_complete"]
            else ""
        )
        + f"; ends of charge reached: {figures['ends_of_charge']}; false trips: {trips}."
    )
    markdown = [status, "", f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    markdown += [f"| {' | '.join(row)} |" for row in cells]
    rst = [status, "", ".. list-table::", "   :header-rows: 1", ""]
    for row in (header, *cells):
        rst.append(f"   * - {row[0]}")
        rst.extend(f"     - {cell}" for cell in row[1:])
    return ("\n".join(markdown) + "\n", "\n".join(rst) + "\n")


def _read(report: Path, progress: Path | None) -> dict[str, Any]:
    if report.is_file():
        return from_report(json.loads(report.read_text(encoding="utf-8")))
    if progress is None or not progress.is_file():
        raise ValueError(f"{report}: no such report, and no progress file given")
    text = progress.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    return from_progress(lines)


def main(argv: list[str] | None = None) -> int:
    """Write STEM.json, STEM.md and STEM.inc (``faults.*`` by default); the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="the report of bms faults --json")
    parser.add_argument("--progress", type=Path, help="the lines of bms faults --progress-jsonl")
    parser.add_argument("--out", type=Path, default=Path("docs/validation"))
    parser.add_argument("--stem", default="faults", help="the files' name before the suffix")
    args = parser.parse_args(argv)
    try:
        figures = _read(args.report, args.progress)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"faults_docs: {error}", file=sys.stderr)
        return 3
    markdown, rst = tables(figures)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.stem}.json").write_text(
        json.dumps(figures, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / f"{args.stem}.md").write_text(markdown, encoding="utf-8")
    (args.out / f"{args.stem}.inc").write_text(rst, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
