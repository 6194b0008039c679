"""Tests of the case pipeline's own parts (safety_case/report/_case.py).

Covers: ``judge`` marks a record stale when its code unit changed and
counts only fresh passing records; ``snapshot_of`` exports the needs once
and reuses the export while the requirement sources are byte-identical, and
exports again after an edit. (``build_case`` end to end: test_cli_commands.)
"""

from pathlib import Path
from typing import Any

import pytest

import safety_case.report._case as case_module
from safety_case.evidence import Method, Subject, Verdict
from safety_case.policy import Policy
from safety_case.report import judge, snapshot_of

from ._fixtures import record


def test_judge() -> None:
    fresh = record("a", Method.REQUIREMENTS_BASED_TEST, ("SWR_A",))
    moved = fresh.model_copy(
        update={
            "id": "b",
            "subjects": (Subject(qualified_name="p.f", path="p.py", fingerprint="1"),),
        }
    )
    failed = fresh.model_copy(update={"id": "c", "verdict": Verdict.FAIL})
    judged = judge([fresh, moved, failed], {"p.f": "2"}, {})
    assert [j.counts for j in judged] == [True, False, False]
    assert judged[1].stale_because == ("code unit p.f changed since the run",)


def test_snapshot_of_reuses_an_unchanged_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reqs").mkdir()
    source = tmp_path / "reqs" / "index.rst"
    source.write_text("Reqs\n====\n", encoding="utf-8")
    policy = Policy(requirements="reqs", code=("pkg",), tests=("tests",), root=tmp_path)
    calls: list[Path | None] = []

    def fake(policy: Policy, needs_json: Path | None = None) -> Any:
        calls.append(needs_json)
        if needs_json is None:
            out = policy.path(policy.build_dir)
            out.mkdir(parents=True, exist_ok=True)
            (out / "needs.json").write_text("{}", encoding="utf-8")
        return "snapshot"

    monkeypatch.setattr(case_module, "take_snapshot", fake)
    for _ in range(2):
        snapshot_of(policy)
    source.write_text("Reqs\n====\n\nEdited.\n", encoding="utf-8")
    snapshot_of(policy)
    assert calls == [None, policy.path(policy.build_dir) / "needs.json", None]
