"""Turn the report of ``bms faults --json`` into fault-injection evidence records.

ISO 26262-6:2018 Table 7 (fault injection test, highly recommended at ASIL
D). The campaign report (``bms.faults.CampaignReport.as_json``) lists every
injected run with its fault type; given one report per pack (the main job
runs the campaign on each shipped pack, NMC and LFP), their runs are joined
(:func:`joined_report`) and this script writes one record of method
``fault_injection`` per requirement the campaign verifies, through the
toolkit's public record API (:func:`safety_case.evidence.record_from_test`,
:func:`safety_case.evidence.write_record`), with the report pinned by its
hash as an artefact (one per report):

* each protection or contactor requirement gets the runs of the fault types
  that exercise it (:data:`CASE_REQUIREMENTS`); the record passes when every
  one of those runs, on every pack, reached the safe state (or, for a weld,
  the detection) within its fault tolerant time;
* ``SWR_CTRL_FAULTS_001`` (the campaign itself) gets every run and the
  fault-free runs; it passes when every pack's campaign verdict does.

A fault type missing from the table, or a table entry naming an unknown
requirement, stops the conversion (exit 3) rather than leaving a run
without a record. Exit 0 when every record passes, 2 when one fails (1 stays
Python's own exit on a crash, which the nox session must not take for a
failing record).

Usage::

    python verification/scripts/faults_evidence.py build/faults/campaign.json \
        [build/faults/lfp/campaign.json ...] [--evidence build/evidence] \
        [--started-at 2026-01-01T00:00:00+00:00]

Hand-written: no library maps a campaign report to these records.
"""

import argparse
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bms import __version__ as bms_version
from safety_case.evidence import (
    Artefact,
    EvidenceRecord,
    Method,
    ToolInfo,
    Verdict,
    procedure_of_script,
    record_from_test,
    write_record,
)
from safety_case.fingerprint import file_sha256
from safety_case.needs import export_needs
from safety_case.policy import find_policy, load_policy
from safety_case.snapshot import Snapshot, take_snapshot

__all__ = ["CAMPAIGN_REQUIREMENT", "CASE_REQUIREMENTS", "campaign_records", "joined_report", "main"]

CAMPAIGN_REQUIREMENT: Final = "SWR_CTRL_FAULTS_001"
"""The requirement on the campaign itself: every run within its FTTI, no false trip."""

CASE_REQUIREMENTS: Final[Mapping[str, tuple[str, ...]]] = {
    "cell_over_voltage": ("SWR_PROT_OV_001",),
    "cell_under_voltage": ("SWR_PROT_UV_001",),
    "charge_over_current": ("SWR_PROT_OC_001",),
    "discharge_over_current": ("SWR_PROT_OC_001",),
    "discharge_over_temperature": ("SWR_PROT_TEMP_001",),
    "discharge_under_temperature": ("SWR_PROT_TEMP_001",),
    "charge_over_temperature": ("SWR_PROT_TEMP_002",),
    "charge_under_temperature": ("SWR_PROT_TEMP_002",),
    "cell_voltage_nan": ("SWR_PROT_PLAUS_001",),
    "temperature_sensor_nan": ("SWR_PROT_PLAUS_001",),
    "current_sensor_nan": ("SWR_PROT_PLAUS_001",),
    "cell_voltage_stuck": ("SWR_PROT_PLAUS_003",),
    "current_sensor_offset": ("SWR_PROT_PLAUS_004",),
    "open_wire": ("SWR_PROT_PLAUS_005",),
    "frozen_stream": ("SWR_PROT_PLAUS_006",),
    "isolation_loss": ("SWR_PROT_ISO_001",),
    "communication_loss": ("SWR_PROT_COMM_001",),
    "communication_crc": ("SWR_PROT_COMM_001", "SWR_CAN_005"),
    "communication_length": ("SWR_PROT_COMM_001", "SWR_CAN_004"),
    "communication_counter": ("SWR_PROT_COMM_001", "SWR_CAN_006"),
    "crash": ("SWR_PROT_CRASH_001",),
    "welded_main_positive": ("SWR_CONT_WELD_001",),
    "main_positive_dropout": ("SWR_CONT_FB_001",),
}
"""Fault type of the campaign -> the requirements whose reaction its runs verify."""

_RECORD_PREFIX: Final = "bms-faults:"
_ARTEFACT: Final = "artefacts/faults-campaign-{index}.json"
"""Where each report is kept beside the records (its index in the command line)."""


class ConversionError(Exception):
    """The report cannot be converted (unknown fault type or requirement, bad JSON)."""


def joined_report(reports: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One report of several packs' campaigns: every run (tagged with its pack) and drive.

    It passes when every campaign passed; its packs and plants are listed in order.
    """
    summaries = [report["summary"] for report in reports]
    return {
        "pack": "; ".join(str(report.get("pack", "")) for report in reports),
        "plant": "; ".join(str(report.get("plant", "")) for report in reports),
        "runs": [
            {**run, "pack": str(report.get("pack", ""))}
            for report in reports
            for run in report["runs"]
        ],
        "fault_free": [drive for report in reports for drive in report.get("fault_free", [])],
        "summary": {
            "passed": all(bool(summary.get("passed")) for summary in summaries),
            "fault_free_hours": sum(float(s.get("fault_free_hours", 0.0)) for s in summaries),
        },
    }


def _figures(runs: Sequence[Mapping[str, Any]]) -> dict[str, float | int | str]:
    detection = [r["detection_ms"] for r in runs if r["detection_ms"] is not None]
    safe = [r["safe_state_ms"] for r in runs if r["safe_state_ms"] is not None]
    return {
        "runs": len(runs),
        "within_ftti": sum(1 for r in runs if r["within_ftti"]),
        "missed": sum(1 for r in runs if not r["within_ftti"]),
        "fault_types": ",".join(sorted({r["case"] for r in runs})),
        "packs": len({r.get("pack", "") for r in runs}),
        "operating_points": len({(r["point"], r["ambient_degc"]) for r in runs}),
        "onsets": len({r["onset_ms"] for r in runs}),
        "worst_detection_ms": max(detection) if detection else "none detected",
        "worst_safe_state_ms": max(safe) if safe else "none reached",
        "ftti_ms_min": min(r["ftti_ms"] for r in runs),
    }


def campaign_records(
    report: Mapping[str, Any],
    snapshot: Snapshot,
    *,
    artefacts: tuple[Artefact, ...],
    started_at: datetime,
    finished_at: datetime,
    case_requirements: Mapping[str, tuple[str, ...]] = CASE_REQUIREMENTS,
) -> list[EvidenceRecord]:
    """One fault-injection record per requirement the campaign ``report`` verifies.

    Raises:
        ConversionError: a run's fault type is not in ``case_requirements``, or a
            requirement named there (or the campaign's) is not in the snapshot.
    """
    runs: list[Mapping[str, Any]] = list(report["runs"])
    unknown = sorted({r["case"] for r in runs} - set(case_requirements))
    if unknown:
        raise ConversionError(
            f"fault types without requirements in CASE_REQUIREMENTS: {', '.join(unknown)}"
        )
    by_requirement: dict[str, list[Mapping[str, Any]]] = {}
    for run in runs:
        for requirement in case_requirements[run["case"]]:
            by_requirement.setdefault(requirement, []).append(run)
    missing = sorted(r for r in {*by_requirement, CAMPAIGN_REQUIREMENT} if r not in snapshot.needs)
    if missing:
        raise ConversionError(f"requirements not found in the needs: {', '.join(missing)}")
    tool = ToolInfo(name="bms faults", version=bms_version)
    procedure = procedure_of_script(__file__, snapshot)  # its table and verdicts
    duration_s = (finished_at - started_at).total_seconds()
    summary: Mapping[str, Any] = report["summary"]
    records = []
    plan: list[tuple[str, list[Mapping[str, Any]], bool, dict[str, float | int | str]]] = [
        (rid, rid_runs, all(r["within_ftti"] for r in rid_runs), {})
        for rid, rid_runs in sorted(by_requirement.items())
    ]
    fault_free: list[Mapping[str, Any]] = list(report.get("fault_free", []))
    plan.append(
        (
            CAMPAIGN_REQUIREMENT,
            runs,
            bool(summary.get("passed")),
            {
                "fault_free_runs": len(fault_free),
                "fault_free_hours": float(summary.get("fault_free_hours", 0.0)),
                "false_trips": sum(1 for f in fault_free if f["false_trips"]),
            },
        )
    )
    for requirement, rid_runs, passed, extra in plan:
        record = record_from_test(
            test_id=f"{_RECORD_PREFIX}{requirement}",
            outcome="passed" if passed and rid_runs else "failed",
            requirement_ids=[requirement],
            method=Method.FAULT_INJECTION,
            snapshot=snapshot,
            tool=tool,
            started_at=started_at,
            finished_at=finished_at,
            duration_s=duration_s,
            procedure=procedure,
        )
        figures: dict[str, float | int | str] = {
            **record.figures,
            **(_figures(rid_runs) if rid_runs else {"runs": 0}),
            **extra,
            "plant": str(report.get("plant", "")),
            "pack": str(report.get("pack", "")),
        }
        records.append(record.model_copy(update={"figures": figures, "artefacts": artefacts}))
    return records


def _snapshot(root: Path) -> Snapshot:
    found = find_policy(root)
    if found is None:
        raise ConversionError(f"no safety_case.toml at or above {root}")
    policy = load_policy(found)
    needs_json = export_needs(policy.path(policy.requirements), policy.path(policy.build_dir))
    return take_snapshot(policy, needs_json)


def _keep(evidence: Path, report: Path, index: int) -> Artefact:
    """Copy a report beside the records and name it with its hash."""
    relative = _ARTEFACT.format(index=index)
    target = evidence / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(report, target)
    return Artefact(path=relative, sha256=file_sha256(target))


def main(argv: Sequence[str] | None = None) -> int:
    """Convert the campaign reports; print one line per record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "reports", type=Path, nargs="+", metavar="REPORT", help="the JSON of bms faults --json"
    )
    parser.add_argument("--evidence", type=Path, default=Path("build/evidence"))
    parser.add_argument(
        "--started-at",
        type=datetime.fromisoformat,
        default=None,
        help="when the campaign started (ISO 8601; default: the first report's change time)",
    )
    args = parser.parse_args(argv)
    names = ", ".join(str(path) for path in args.reports)
    try:
        reports = [json.loads(path.read_text(encoding="utf-8")) for path in args.reports]
        times = [datetime.fromtimestamp(path.stat().st_mtime, UTC) for path in args.reports]
        started = args.started_at or times[0]
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        snapshot = _snapshot(Path.cwd())
        artefacts = tuple(_keep(args.evidence, path, i) for i, path in enumerate(args.reports))
        records = campaign_records(
            joined_report(reports), snapshot, artefacts=artefacts, started_at=started,
            finished_at=max(times),
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, ConversionError) as error:
        print(f"faults_evidence: {names}: {error}", file=sys.stderr)
        return 3
    for record in records:
        write_record(args.evidence, record)
        figures = record.figures
        print(
            f"{record.verdict.value:5} {record.id}: {figures.get('within_ftti', 0)} of "
            f"{figures.get('runs', 0)} runs within the FTTI"
        )
    failing = sum(1 for r in records if r.verdict is not Verdict.PASS)
    print(f"{len(records)} fault-injection records written to {args.evidence} ({failing} failing)")
    return 2 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
