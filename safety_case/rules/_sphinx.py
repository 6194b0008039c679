"""Findings from what sphinx-needs reported: build warnings and schema violations.

Layer 3 (judgement). sphinx-needs is the reader of the sources and the judge
of everything its schemas express; this module turns its two outputs into
findings with file and line: the warnings file of the build (each entry
``path:line: WARNING: message [type]``) and ``schema_violations.json`` (by
need id; the need's own location comes from ``needs.json``).
"""

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safety_case.rules._model import Finding, Location, RuleId, Severity

__all__ = ["schema_findings", "warning_findings"]

_ENTRY = re.compile(
    r"^(?:(?P<file>.+?):(?:(?P<line>\d+):)? )?(?P<level>WARNING|ERROR|CRITICAL|SEVERE): "
    r"(?P<text>.*)$"
)
_TYPE = re.compile(r"\s*\[(?P<type>[\w.]+)\]\s*$")
_QUOTED_ID = re.compile(r"'([A-Z][A-Z0-9_]{4,})'")
_SKIPPED_TYPES = ("sn_schema", "needs.link_outgoing")
"""Reported elsewhere: schema results from their JSON, unknown links by the link rule."""
_SKIPPED_SCHEMA = ("network_missing_target",)
_SEVERITY = {
    "info": Severity.INFO,
    "warning": Severity.WARNING,
    "violation": Severity.VIOLATION,
    "config_error": Severity.CONFIG_ERROR,
}


def warning_findings(warnings_file: Path, relative: Callable[[Path], str]) -> list[Finding]:
    """One finding per build warning; duplicate ids become :attr:`RuleId.UNIQUE_ID`."""
    if not warnings_file.is_file():
        return []
    entries: list[dict[str, str]] = []
    for raw in warnings_file.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _ENTRY.match(raw)
        if match:
            entries.append({k: v or "" for k, v in match.groupdict().items()})
        elif entries and raw.strip():
            entries[-1]["text"] += "\n" + raw
    findings = []
    for entry in entries:
        text = entry["text"].strip()
        kind = _TYPE.search(text)
        category = kind.group("type") if kind else ""
        if category.startswith(_SKIPPED_TYPES):
            continue
        message = " ".join(
            line.strip() for line in _TYPE.sub("", text).splitlines() if line.strip()
        )
        where = Location(relative(Path(entry["file"])) if entry["file"] else "<build>", 0)
        where = Location(where.file, int(entry["line"] or 0))
        if "already exists" in message and category == "needs.create_need":
            need = _QUOTED_ID.search(message)
            findings.append(
                Finding(
                    RuleId.UNIQUE_ID,
                    Severity.VIOLATION,
                    need.group(1) if need else "",
                    where,
                    message,
                )
            )
            continue
        findings.append(
            Finding(
                RuleId.SOURCE_ERROR,
                Severity.VIOLATION,
                "",
                where,
                f"{message} [{category}]" if category else message,
            )
        )
    return findings


def schema_findings(report_file: Path, locate: Callable[[str], Location]) -> list[Finding]:
    """One finding per schema result of sphinx-needs (missing link targets excepted)."""
    if not report_file.is_file():
        return []
    report: dict[str, Any] = json.loads(report_file.read_text(encoding="utf-8"))
    findings = []
    for need_id, warnings in sorted((report.get("validation_warnings") or {}).items()):
        for warning in warnings:
            if warning.get("subtype") in _SKIPPED_SCHEMA:
                continue
            details = warning.get("details") or {}
            findings.append(
                Finding(
                    RuleId.SCHEMA,
                    _SEVERITY.get(str(details.get("severity")), Severity.VIOLATION),
                    need_id,
                    locate(need_id),
                    _schema_message(details, warning.get("children") or []),
                )
            )
    return findings


def _schema_message(details: dict[str, Any], children: list[dict[str, Any]]) -> str:
    parts = []
    path = str(details.get("need_path") or "")
    if " > " in path:
        parts.append(f"via {path}")
    if details.get("field"):
        parts.append(f"field {details['field']}")
    if details.get("user_msg"):
        parts.append(str(details["user_msg"]))
    if details.get("validation_msg"):
        parts.append(str(details["validation_msg"]))
    for child in children:
        child_details = (child.get("warning") or {}).get("details") or {}
        if child_details.get("validation_msg"):
            parts.append(f"{child.get('need_id')}: {child_details['validation_msg']}")
    return ": ".join(parts) if parts else "schema violation"
