"""Tests of safety_case/runners/reviews/_review.py on a miniature traced project.

Covers: the template pins today's fingerprints of a traced unit, of a whole
module and of their requirements, and refuses an unknown name; a filled-in
review becomes one inspection record (reviewer, date, checklist counts as
figures) that passes, and fails with a ``finding`` item or a ``fail``
verdict; the record rests on the pinned fingerprints, so it is fresh until
the reviewed unit (or requirement) is edited and stale after; bad files
(missing reviewer, empty checklist, future date, bad fingerprint, TOML
syntax) are reported with file and field and give no record; no review
folder gives no record (inspection stays missing).
"""

import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safety_case.evidence import Method, Verdict, read_records, stale_reasons
from safety_case.needs import export_needs
from safety_case.policy import load_policy
from safety_case.runners.reviews import review_records, review_template
from safety_case.snapshot import Snapshot, take_snapshot

from ...conftest import write_project

REQUIREMENTS = """
Requirements
============

.. swr:: Clamp
   :id: SWR_CLAMP_001
   :asil: D

   Clamp.
"""
CODE = '''"""Clamping."""


def clamp(value: int) -> int:
    """Implements: SWR_CLAMP_001"""
    return max(0, min(value, 10))
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshot]:
    root = tmp_path_factory.mktemp("reviews")
    write_project(
        root,
        {
            "reqs/index.rst": REQUIREMENTS,
            "pkg/__init__.py": '"""Package."""\n',
            "pkg/clamp.py": CODE,
            "tests/__init__.py": "",
        },
    )
    policy = load_policy(root / "safety_case.toml")
    return root, take_snapshot(policy, export_needs(root / "reqs", root / "build"))


def _filled(template: str, *, verdict: str = "pass", result: str = "ok") -> str:
    return (
        template.replace('reviewer = ""', 'reviewer = "R. Eviewer"')
        .replace('checklist = ""', 'checklist = "unit inspection v1"')
        .replace('verdict = ""', f'verdict = "{verdict}"')
        .replace('check = ""', 'check = "Every sentence of the requirement is implemented"')
        .replace('result = ""', f'result = "{result}"')
    )


def test_template_pins_units_and_requirements(project: tuple[Path, Snapshot]) -> None:
    _, snapshot = project
    pinned = tomllib.loads(review_template(snapshot, ["pkg.clamp.clamp", "pkg.clamp"]))
    unit, module = pinned["units"]
    assert unit == {
        "name": "pkg.clamp.clamp",
        "path": "pkg/clamp.py",
        "fingerprint": snapshot.code_fingerprints["pkg.clamp.clamp"],
    }
    assert module["name"] == "pkg.clamp"
    assert module["fingerprint"] != unit["fingerprint"]
    assert pinned["requirements"] == [
        {"id": "SWR_CLAMP_001", "fingerprint": snapshot.requirement_fingerprints["SWR_CLAMP_001"]}
    ]
    with pytest.raises(ValueError, match=r"pkg\.nothing: neither a traced code unit"):
        review_template(snapshot, ["pkg.nothing"])


@pytest.mark.parametrize(
    ("verdict", "result", "expected"),
    [("pass", "ok", Verdict.PASS), ("pass", "finding", Verdict.FAIL), ("fail", "ok", Verdict.FAIL)],
)
def test_review_becomes_an_inspection_record(
    project: tuple[Path, Snapshot], tmp_path: Path, verdict: str, result: str, expected: Verdict
) -> None:
    _, snapshot = project
    folder = tmp_path / "reviews"
    folder.mkdir()
    template = review_template(snapshot, ["pkg.clamp.clamp"])
    (folder / "clamp.toml").write_text(_filled(template, verdict=verdict, result=result))
    outcome = review_records(snapshot, folder, tmp_path / "evidence")
    assert outcome.problems == ()
    (record,) = outcome.records
    assert (record.id, record.method, record.verdict) == (
        "review:clamp",
        Method.INSPECTION,
        expected,
    )
    assert record.requirement_ids == ("SWR_CLAMP_001",)
    assert record.figures["reviewer"] == "R. Eviewer"
    assert record.figures["items_finding"] == (result == "finding")
    assert record.tool.name == "review"
    assert [r.id for r in read_records(tmp_path / "evidence")[0]] == ["review:clamp"]


def test_review_goes_stale_when_the_reviewed_unit_is_edited(
    project: tuple[Path, Snapshot], tmp_path: Path
) -> None:
    root, snapshot = project
    folder = tmp_path / "reviews"
    folder.mkdir()
    (folder / "clamp.toml").write_text(_filled(review_template(snapshot, ["pkg.clamp.clamp"])))
    (record,) = review_records(snapshot, folder, None).records
    current = dict(snapshot.code_fingerprints)
    requirements = dict(snapshot.requirement_fingerprints)
    assert stale_reasons(record, current, requirements, root=root) == []
    edited = {**current, "pkg.clamp.clamp": "0" * 64}  # the unit's fingerprint after an edit
    assert stale_reasons(record, edited, requirements, root=root) == [
        "code unit pkg.clamp.clamp changed since the run"
    ]
    changed = {**requirements, "SWR_CLAMP_001": "f" * 64}
    assert stale_reasons(record, current, changed, root=root) == [
        "requirement SWR_CLAMP_001 changed since the run"
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace('reviewer = "R. Eviewer"', 'reviewer = ""'),
            "reviewer: String should",
        ),
        (lambda t: t.split("[[items]]")[0], "items: Field required"),
        (
            lambda t: t.replace(
                f"date = {datetime.now(UTC).date()}",
                f"date = {datetime.now(UTC).date() + timedelta(days=2)}",
            ),
            "is in the future",
        ),
        (lambda t: t.replace('fingerprint = "', 'fingerprint = "x', 1), "units.0.fingerprint"),
        (lambda t: t.replace('verdict = "pass"', "verdict = pass"), "cannot be read"),
    ],
)
def test_bad_review_is_reported_with_file_and_field(
    project: tuple[Path, Snapshot], tmp_path: Path, edit: Callable[[str], str], message: str
) -> None:
    _, snapshot = project
    folder = tmp_path / "reviews"
    folder.mkdir()
    text = _filled(review_template(snapshot, ["pkg.clamp.clamp"]))
    (folder / "bad.toml").write_text(edit(text))
    outcome = review_records(snapshot, folder, None)
    assert outcome.records == ()
    (problem,) = outcome.problems
    assert str(folder / "bad.toml") in problem
    assert message in problem


def test_no_review_folder_gives_no_record(project: tuple[Path, Snapshot], tmp_path: Path) -> None:
    _, snapshot = project
    outcome = review_records(snapshot, tmp_path / "reviews", tmp_path / "evidence")
    assert (outcome.records, outcome.problems) == ((), ())
