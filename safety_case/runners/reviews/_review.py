"""Review records: a person's inspection of code units, as evidence that goes stale.

Layer 4 (producers). ISO 26262-6:2018 Table 7 1a (inspection, highly
recommended from ASIL B): only a person can inspect, so the toolkit never
produces this evidence by itself. A reviewer writes one TOML file per
review in the project's ``reviews/`` folder; ``safety-case evidence
reviews`` validates each and writes one ``inspection`` record per file.

The file pins what was reviewed: the fingerprint of every code unit (or
whole module) and of every requirement at the time of the review, as
``safety-case evidence review-template UNIT...`` prints them. The record
rests on those pinned fingerprints, not on today's, so that editing a unit
or a requirement after the review makes the record stale (it counts as
missing) until someone reviews the change. Format::

    reviewer = "A. Person"               # who inspected (required)
    role = "independent of the author"   # optional: the reviewer's independence
    date = 2026-11-26                    # TOML date of the review, not in the future
    checklist = "ISO 26262-6 Table 7 1a unit inspection, v1"
    verdict = "pass"                     # pass | fail, the reviewer's conclusion

    [[units]]                            # what was reviewed (from the template)
    name = "pkg.module.function"
    path = "pkg/module.py"
    fingerprint = "<64 hex digits>"

    [[requirements]]                     # the requirements it was reviewed against
    id = "SWR_X_001"
    fingerprint = "<64 hex digits>"

    [[items]]                            # the checklist, one entry per question
    check = "Implements every sentence of the requirement"
    result = "ok"                        # ok | finding | not_applicable
    note = ""

The record passes when the verdict is ``pass`` and no item is a
``finding``; it fails otherwise. A file that does not parse or breaks the
format is reported with its name and field, and gives no record.
"""

import datetime as dt
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from safety_case._version import __version__
from safety_case.evidence import (
    EvidenceRecord,
    Method,
    Subject,
    ToolInfo,
    Verdict,
    run_environment,
    write_record,
)
from safety_case.fingerprint import code_unit_fingerprint
from safety_case.snapshot import Snapshot

__all__ = [
    "REVIEW_TOOL",
    "ChecklistItem",
    "PinnedRequirement",
    "PinnedUnit",
    "Review",
    "ReviewOutcome",
    "load_review",
    "review_record",
    "review_records",
    "review_template",
]

REVIEW_TOOL = "review"
"""Tool name of inspection records: a person, with the toolkit only carrying the record."""

_Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
_Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class PinnedUnit(_Strict):
    """A code unit (or module) as it was when reviewed."""

    name: _Text
    """Qualified name of the unit, or the dotted name of a whole module."""
    path: _Text
    """Its source file, relative to the project root."""
    fingerprint: _Hex
    """Its fingerprint at the time of the review."""


class PinnedRequirement(_Strict):
    """A requirement as it was when the code was reviewed against it."""

    id: _Text
    """Requirement id."""
    fingerprint: _Hex
    """Its fingerprint at the time of the review."""


class ChecklistItem(_Strict):
    """One question of the checklist and its answer."""

    check: _Text
    """The question, as the checklist words it."""
    result: Literal["ok", "finding", "not_applicable"]
    """The answer; ``finding`` makes the review fail."""
    note: str = ""
    """What the reviewer saw, or why the question does not apply."""


class Review(_Strict):
    """One inspection by one person (the file's content)."""

    reviewer: _Text
    """Who inspected."""
    role: str = ""
    """The reviewer's independence from the author (ISO 26262-2 Table 1 for confirmation)."""
    date: dt.date
    """When (a TOML date)."""
    checklist: _Text
    """Name and version of the checklist used."""
    verdict: Literal["pass", "fail"]
    """The reviewer's conclusion."""
    units: Annotated[tuple[PinnedUnit, ...], Field(min_length=1)]
    """What was reviewed."""
    requirements: Annotated[tuple[PinnedRequirement, ...], Field(min_length=1)]
    """What it was reviewed against."""
    items: Annotated[tuple[ChecklistItem, ...], Field(min_length=1)]
    """The checklist's questions and answers."""

    @field_validator("date")
    @classmethod
    def _not_in_future(cls, value: dt.date) -> dt.date:
        if value > datetime.now(UTC).date():
            raise ValueError(f"{value} is in the future")
        return value


def load_review(path: Path) -> Review:
    """Read and validate one review file.

    Raises:
        ValueError: naming the file and each bad field.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: cannot be read: {error}") from None
    try:
        return Review.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{path}: {'.'.join(str(p) for p in e['loc']) or '<file>'}: {e['msg']}"
            for e in error.errors(include_url=False)
        ]
        raise ValueError("\n".join(problems)) from None


def review_record(review: Review, record_id: str, snapshot: Snapshot) -> EvidenceRecord:
    """The ``inspection`` record of ``review``, resting on its pinned fingerprints."""
    passed = review.verdict == "pass" and all(i.result != "finding" for i in review.items)
    at = datetime.combine(review.date, time(), tzinfo=UTC)
    counts = {r: sum(1 for i in review.items if i.result == r) for r in ("ok", "finding")}
    del snapshot  # the record rests on the review's pins, never on today's sources
    return EvidenceRecord(
        id=record_id,
        method=Method.INSPECTION,
        requirement_ids=tuple(r.id for r in review.requirements),
        requirement_fingerprints={r.id: r.fingerprint for r in review.requirements},
        subjects=tuple(
            Subject(qualified_name=u.name, path=u.path, fingerprint=u.fingerprint)
            for u in review.units
        ),
        verdict=Verdict.PASS if passed else Verdict.FAIL,
        tool=ToolInfo(name=REVIEW_TOOL, version=__version__),
        figures={
            "reviewer": review.reviewer,
            "role": review.role,
            "date": review.date.isoformat(),
            "checklist": review.checklist,
            "reviewer_verdict": review.verdict,
            "items": len(review.items),
            "items_ok": counts["ok"],
            "items_finding": counts["finding"],
            "units": len(review.units),
        },
        environment=run_environment(),
        started_at=at,
        finished_at=at,
    )


@dataclass(frozen=True)
class ReviewOutcome:
    """Records written and files rejected."""

    records: tuple[EvidenceRecord, ...]
    """One record per valid review file."""
    problems: tuple[str, ...]
    """One message per bad file or field."""


def review_records(snapshot: Snapshot, folder: Path, evidence_dir: Path | None) -> ReviewOutcome:
    """One ``inspection`` record per ``folder/*.toml`` (written unless ``evidence_dir`` is None).

    No folder, or an empty one, gives no record: inspection then stays
    missing evidence, which is the truth until a person records a review.
    """
    records: list[EvidenceRecord] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            review = load_review(path)
        except ValueError as error:
            problems.append(str(error))
            continue
        record = review_record(review, f"review:{path.stem}", snapshot)
        if evidence_dir is not None:
            write_record(evidence_dir, record)
        records.append(record)
    return ReviewOutcome(tuple(records), tuple(problems))


def review_template(snapshot: Snapshot, names: Sequence[str]) -> str:
    """A review file to fill in, pinning today's fingerprints of ``names`` and their requirements.

    Raises:
        ValueError: a name is neither a traced code unit nor a module holding one.
    """
    units: list[PinnedUnit] = []
    requirement_ids: set[str] = set()
    for name in names:
        traced = [u for u in snapshot.code_units if u.qualified_name == name]
        inside = [u for u in snapshot.code_units if u.qualified_name.startswith(f"{name}.")]
        if traced:
            path, fingerprint = traced[0].path, snapshot.code_fingerprints.get(name)
            requirement_ids.update(traced[0].requirement_ids)
        elif inside and all(u.path == inside[0].path for u in inside):
            path = inside[0].path
            fingerprint = code_unit_fingerprint(path, name, name)
            requirement_ids.update(r for u in inside for r in u.requirement_ids)
        else:
            raise ValueError(f"{name}: neither a traced code unit nor a module holding one")
        units.append(
            PinnedUnit(name=name, path=snapshot.relative(path), fingerprint=fingerprint or "0" * 64)
        )
    lines = [
        "# Inspection record (ISO 26262-6:2018 Table 7 1a). Fill in every field, answer every",
        "# item, and keep the pins below: they make this review stale when the code changes.",
        'reviewer = ""',
        'role = ""',
        f"date = {datetime.now(UTC).date().isoformat()}",
        'checklist = ""',
        'verdict = ""  # pass | fail',
        "",
    ]
    for unit in units:
        lines += [
            "[[units]]",
            f'name = "{unit.name}"',
            f'path = "{unit.path}"',
            f'fingerprint = "{unit.fingerprint}"',
            "",
        ]
    for rid in sorted(requirement_ids):
        fingerprint = snapshot.requirement_fingerprints.get(rid, "")
        lines += ["[[requirements]]", f'id = "{rid}"', f'fingerprint = "{fingerprint}"', ""]
    lines += [
        "[[items]]",
        'check = ""',
        'result = ""  # ok | finding | not_applicable',
        'note = ""',
        "",
    ]
    return "\n".join(lines)
