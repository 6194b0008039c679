"""From a source file to the evidence record about it: its traced units and requirements.

Layer 4 (producers). A runner that judges a whole module (static analysis,
coverage) writes one record per module; the record rests on the module
itself (a subject named by the module's dotted name, with the fingerprint
of its whole syntax tree, so that an edit anywhere in it, an untraced
helper or a module-level constant included, makes the record stale), on
the module's traced code units (with their fingerprints) and on the
requirements they implement. A module without a traced unit cannot carry a
record, since a record verifies at least one requirement; runners list
such modules.
"""

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from safety_case.evidence import (
    Artefact,
    EvidenceRecord,
    Method,
    Subject,
    ToolInfo,
    Verdict,
    run_environment,
)
from safety_case.fingerprint import code_unit_fingerprint, file_sha256
from safety_case.snapshot import Snapshot
from safety_case.trace import TraceTarget

__all__ = ["module_record", "module_subject", "units_by_file", "write_artefact"]


def units_by_file(snapshot: Snapshot) -> dict[str, list[TraceTarget]]:
    """Traced code units by source file (relative to the project root)."""
    units: dict[str, list[TraceTarget]] = defaultdict(list)
    for unit in snapshot.code_units:
        units[snapshot.relative(unit.path)].append(unit)
    return dict(units)


def write_artefact(evidence_dir: Path, name: str, content: Any) -> Artefact:
    """Write ``content`` as JSON to ``<evidence_dir>/artefacts/<name>`` and pin its hash."""
    path = evidence_dir / "artefacts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return Artefact(path=path.relative_to(evidence_dir).as_posix(), sha256=file_sha256(path))


def module_subject(snapshot: Snapshot, path: Path, module: str) -> Subject:
    """The whole module ``module`` (defined in ``path``) as a subject, with its fingerprint.

    The fingerprint is :func:`safety_case.fingerprint.code_unit_fingerprint`
    of the module itself (the same rule as for a function: its syntax tree,
    so comments and blank lines do not count).
    """
    return Subject(
        qualified_name=module,
        path=snapshot.relative(path),
        fingerprint=code_unit_fingerprint(path, module, module) or "",
    )


def module_record(  # noqa: PLR0913 - a record has this many independent facts
    *,
    snapshot: Snapshot,
    units: list[TraceTarget],
    record_id: str,
    method: Method,
    tool: ToolInfo,
    verdict: Verdict,
    figures: dict[str, float | int | str],
    started_at: datetime,
    finished_at: datetime,
    artefacts: tuple[Artefact, ...] = (),
    module: Subject | None = None,
) -> EvidenceRecord:
    """The record of one activity over ``units`` (traced units of one module).

    With ``module`` (see :func:`module_subject`) the record also rests on the
    whole module: use it when the activity judges every line of the module,
    not only its traced units.
    """
    requirement_ids = sorted({rid for unit in units for rid in unit.requirement_ids})
    return EvidenceRecord(
        id=record_id,
        method=method,
        requirement_ids=tuple(requirement_ids),
        requirement_fingerprints={
            rid: snapshot.requirement_fingerprints[rid]
            for rid in requirement_ids
            if rid in snapshot.requirement_fingerprints
        },
        subjects=(
            *((module,) if module is not None else ()),
            *(
                Subject(
                    qualified_name=unit.qualified_name,
                    path=snapshot.relative(unit.path),
                    fingerprint=snapshot.code_fingerprints.get(unit.qualified_name) or "",
                )
                for unit in units
            ),
        ),
        verdict=verdict,
        tool=tool,
        figures=figures,
        environment=run_environment(),
        started_at=started_at,
        finished_at=finished_at,
        artefacts=artefacts,
    )
