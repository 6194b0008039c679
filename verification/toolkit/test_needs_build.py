"""Tests of safety_case/_needs_build.py: an incremental export equals a fresh one.

Covers: after each edit of one requirement file (a changed field, an added
need, a deleted need, a renamed id that other documents link to, a target
whose type changes under an unchanged document's link, a malformed need, a
deleted document) the incremental export gives the same needs, the same
schema results and the same check findings as a fresh export of the same
sources; the incremental export re-validates only the needs the edit can
affect; the builder's ``needs.json``, read in two processes on a cold build,
equals the stock ``needs`` builder's (serial). An application kept for
repeated builds (:class:`~safety_case._needs_build.NeedsApp`, the watch mode)
gives after each of those edits the same needs, schema results and findings
as fresh exports, on one application. A kept
:class:`~safety_case.rules.Checker` exports again only the needs an edit can
change (those of the edited document, the needs they link or linked to, the
needs linking to them) and reports after each edit (a changed link target,
a removed need, a removed link target, an added need, a removed document)
the same as a cold check of the same sources; so does a one-shot check on
the environment it saved, re-using the export it left. The faster pickle state of
sphinx-needs' dataclasses gives the same bytes and the same objects back.
"""

import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest
from sphinx_needs.needsfile import NeedsList
from sphinx_needs.schema.core import validate_field_link_schemas

from safety_case import _needs_build, _needs_schemas
from safety_case.needs import SCHEMA_REPORT, NeedsSession, export_needs, load_needs
from safety_case.policy import load_policy
from safety_case.rules import Checker, check_project

from .conftest import MiniProject

INDEX = "Index\n=====\n\n.. toctree::\n   :glob:\n\n   *\n"
GOALS = """\
Goals
=====

.. hazard:: Overheating
   :id: HAZ_ONE
   :severity: S3
   :exposure: E4
   :controllability: C3
   :asil: D

.. safety_goal:: No overheating
   :id: SG_ONE
   :asil: D
   :safe_state: off
   :ftti_ms: 1000
   :mitigates: HAZ_ONE

.. fsr:: Detect
   :id: FSR_ONE
   :asil: D
   :satisfies: SG_ONE
"""
TSRS = """\
Technical
=========

.. tsr:: Monitor
   :id: TSR_ONE
   :asil: D
   :satisfies: FSR_ONE

.. tsr:: Second monitor
   :id: TSR_TWO
   :asil: D
   :satisfies: FSR_ONE
"""
EXTRA_TSR = """
.. tsr:: Added monitor
   :id: TSR_THREE
   :asil: D
   :satisfies: FSR_ONE
"""


def _same_as_fresh(root: Path, step: int) -> None:
    """Export incrementally to ``build`` and freshly to ``fresh<step>``; compare everything."""
    time.sleep(0.01)  # a new modification time for the stamp and for Sphinx
    incremental = export_needs(root / "reqs", root / "build")
    fresh = export_needs(root / "reqs", root / f"fresh{step}")
    assert load_needs(incremental) == load_needs(fresh)
    assert _schema(incremental) == _schema(fresh)
    policy = load_policy(root / "safety_case.toml")
    assert check_project(policy, incremental).findings == check_project(policy, fresh).findings


def _schema(needs_json: Path) -> object:
    report = json.loads((needs_json.parent / SCHEMA_REPORT).read_text(encoding="utf-8"))
    return report["validation_warnings"]


def _apply_edit(folder: Path, step: dict[str, str | None]) -> None:
    """Write (or, for None, remove) each requirement file of one edit step."""
    time.sleep(0.01)  # a distinct modification time for Sphinx's outdated check
    for name, text in step.items():
        if text is None:
            (folder / "reqs" / name).unlink()
        else:
            (folder / "reqs" / name).write_text(text, "utf-8")


def test_incremental_export_equals_a_fresh_one(mini_project: MiniProject) -> None:
    root = mini_project({"reqs/index.rst": INDEX, "reqs/goals.rst": GOALS, "reqs/tsrs.rst": TSRS})
    goals, tsrs = root / "reqs" / "goals.rst", root / "reqs" / "tsrs.rst"
    export_needs(root / "reqs", root / "build")
    # a changed field: an ASIL the schema rejects
    tsrs.write_text(
        TSRS.replace(
            ":asil: D\n   :satisfies: FSR_ONE\n\n", ":asil: X\n   :satisfies: FSR_ONE\n\n", 1
        ),
        "utf-8",
    )
    _same_as_fresh(root, 1)
    assert "TSR_ONE" in _schema(root / "build" / "needs.json")  # type: ignore[operator]
    # an added need, then the field fixed again
    tsrs.write_text(TSRS + EXTRA_TSR, "utf-8")
    _same_as_fresh(root, 2)
    # a deleted need
    tsrs.write_text(TSRS, "utf-8")
    _same_as_fresh(root, 3)
    # the target of the unchanged document's links renamed: its links dangle
    goals.write_text(GOALS.replace("FSR_ONE", "FSR_RENAMED"), "utf-8")
    _same_as_fresh(root, 4)
    # the target's type changes: the unchanged TSRs now satisfy a goal (network schema)
    goals.write_text(
        GOALS.replace(
            ".. fsr:: Detect\n   :id: FSR_ONE", ".. safety_goal:: Detect\n   :id: FSR_ONE"
        ),
        "utf-8",
    )
    _same_as_fresh(root, 5)
    assert "TSR_TWO" in _schema(root / "build" / "needs.json")  # type: ignore[operator]
    # back to valid: the carried-over violations of the unchanged document go
    goals.write_text(GOALS, "utf-8")
    _same_as_fresh(root, 6)
    assert _schema(root / "build" / "needs.json") == {}
    # a malformed need: an unknown option and a missing id
    tsrs.write_text(TSRS + "\n.. tsr:: Broken\n   :bogus: 1\n", "utf-8")
    _same_as_fresh(root, 7)
    # a deleted document
    tsrs.unlink()
    _same_as_fresh(root, 8)


def test_only_affected_needs_are_validated(
    mini_project: MiniProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"reqs/index.rst": INDEX, "reqs/goals.rst": GOALS, "reqs/tsrs.rst": TSRS}
    files |= {f"reqs/other{i}.rst": TSRS.replace("TSR_", f"TSR_O{i}_") for i in range(3)}
    root = mini_project(files)
    export_needs(root / "reqs", root / "build")
    validated: list[set[str]] = []
    real = validate_field_link_schemas

    def spy(config: Any, schema: Any, needs: Any) -> Any:
        validated.append(set(needs))
        return real(config, schema, needs)

    monkeypatch.setattr(_needs_schemas, "validate_field_link_schemas", spy)
    time.sleep(0.01)
    (root / "reqs" / "tsrs.rst").write_text(TSRS + EXTRA_TSR, "utf-8")
    export_needs(root / "reqs", root / "build")
    assert validated == [{"TSR_ONE", "TSR_TWO", "TSR_THREE"}]
    # FSR_ONE changes: the nine TSRs that link to it are validated again, HAZ_ONE is not
    time.sleep(0.01)
    (root / "reqs" / "goals.rst").write_text(
        GOALS.replace(":asil: D\n   :satisfies: SG", ":asil: C\n   :satisfies: SG"), "utf-8"
    )
    export_needs(root / "reqs", root / "build")
    tsrs = {f"TSR_{p}{n}" for p in ("", "O0_", "O1_", "O2_") for n in ("ONE", "TWO")}
    assert validated[1] == {"HAZ_ONE", "SG_ONE", "FSR_ONE", "TSR_THREE", *tsrs}


def test_needs_json_equals_the_stock_builders(
    mini_project: MiniProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_project({"reqs/index.rst": INDEX, "reqs/goals.rst": GOALS, "reqs/tsrs.rst": TSRS})
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # a cold build reads in parallel
    ours = export_needs(root / "reqs", root / "build")
    command = [sys.executable, "-m", "sphinx", "-b", "needs", "-q", "-C"]
    command += ["-D", "extensions=safety_case.sphinx", str(root / "reqs"), str(root / "stock")]
    subprocess.run(command, check=True, capture_output=True)
    stock = json.loads((root / "stock" / "needs.json").read_text("utf-8"))
    mine = json.loads(ours.read_text("utf-8"))
    for data in (stock, mine):
        data.pop("created", None)
        for version in data["versions"].values():
            version.pop("created", None)
    assert mine == stock
    assert (
        _schema(ours)
        == json.loads((root / "stock" / SCHEMA_REPORT).read_text("utf-8"))["validation_warnings"]
    )


def test_kept_application_equals_fresh_exports(
    mini_project: MiniProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[dict[str, str | None]] = [
        {},
        {
            "tsrs.rst": TSRS.replace(
                ":asil: D\n   :satisfies: FSR_ONE\n\n", ":asil: X\n   :satisfies: FSR_ONE\n\n", 1
            )
        },
        {"tsrs.rst": TSRS + EXTRA_TSR},
        {"tsrs.rst": TSRS},
        {"goals.rst": GOALS.replace("FSR_ONE", "FSR_RENAMED")},
        {
            "goals.rst": GOALS.replace(
                ".. fsr:: Detect\n   :id: FSR_ONE", ".. safety_goal:: Detect\n   :id: FSR_ONE"
            )
        },
        {"goals.rst": GOALS},
        {"tsrs.rst": TSRS + "\n.. tsr:: Broken\n   :bogus: 1\n"},
        {"tsrs.rst": None},
    ]
    files = {"reqs/index.rst": INDEX, "reqs/goals.rst": GOALS, "reqs/tsrs.rst": TSRS}
    root = mini_project(
        {f"kept/{k}": v for k, v in files.items()} | {f"twin/{k}": v for k, v in files.items()}
    )
    made: list[int] = []
    real = _needs_build.NeedsApp._create

    def counted(app: _needs_build.NeedsApp) -> object:
        made.append(1)
        return real(app)

    monkeypatch.setattr(_needs_build.NeedsApp, "_create", counted)

    (root / "kept" / "safety_case.toml").write_text((root / "safety_case.toml").read_text())
    (root / "twin" / "safety_case.toml").write_text((root / "safety_case.toml").read_text())
    kept: list[tuple[object, object, object]] = []
    session = NeedsSession(root / "kept" / "reqs", root / "kept" / "build")
    policy = load_policy(root / "kept" / "safety_case.toml")
    saved = root / "kept" / "build" / "doctrees" / "environment.pickle"
    try:
        for step in steps:
            _apply_edit(root / "kept", step)
            needs = session.needs()
            written = export_needs(root / "kept" / "reqs", root / "kept" / "build")  # no build
            kept.append((needs, _schema(written), check_project(policy, written).findings))
            if step == steps[0]:
                first_save = saved.stat().st_mtime_ns
        # the kept application saves its environment when closed, not on every build
        assert saved.stat().st_mtime_ns == first_save
    finally:
        session.close()
    assert saved.stat().st_mtime_ns > first_save
    assert made == [1]
    twin_policy = load_policy(root / "twin" / "safety_case.toml")
    for number, (step, result) in enumerate(zip(steps, kept, strict=True)):
        _apply_edit(root / "twin", step)
        fresh = export_needs(root / "twin" / "reqs", root / "twin" / f"fresh{number}")
        assert result == (
            load_needs(fresh),
            _schema(fresh),
            check_project(twin_policy, fresh).findings,
        )
    assert "TSR_ONE" in kept[1][1]  # type: ignore[operator]
    assert "TSR_TWO" in kept[5][1]  # type: ignore[operator]
    # a one-shot export on the environment the kept application pickled (its needs
    # post-processed once already) equals a fresh one too
    last: dict[str, str | None] = {"tsrs.rst": TSRS, "goals.rst": GOALS.replace("FSR_ONE", "X")}
    _apply_edit(root / "kept", last)
    _apply_edit(root / "twin", last)
    after = export_needs(root / "kept" / "reqs", root / "kept" / "build")
    fresh = export_needs(root / "twin" / "reqs", root / "twin" / "fresh_last")
    assert load_needs(after) == load_needs(fresh)
    assert _schema(after) == _schema(fresh)
    assert check_project(policy, after).findings == check_project(twin_policy, fresh).findings


def test_fast_dataclass_state_gives_the_same_pickles() -> None:
    module = types.ModuleType("fake_needs")

    @dataclasses.dataclass(slots=True, frozen=True, kw_only=True)
    class Link:
        id: str
        part: str | None = None

    Link.__module__ = module.__name__
    Link.__qualname__ = "Link"
    module.Link = Link  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        objects = [Link(id="SWR_ONE"), Link(id="SWR_TWO", part="a")]
        before = [pickle.dumps(o, pickle.HIGHEST_PROTOCOL) for o in objects]
        assert _needs_build.fast_dataclass_state(module) == [Link]
        after = [pickle.dumps(o, pickle.HIGHEST_PROTOCOL) for o in objects]
        assert after == before
        assert [pickle.loads(b) for b in after] == objects
        assert _needs_build.fast_dataclass_state(module) == []  # once only
    finally:
        del sys.modules[module.__name__]


CHECK_STEPS: list[dict[str, str | None]] = [
    {},
    # a link target changed in one document: FSR_ONE loses a back link, SG_ONE gains one
    {
        "tsrs.rst": TSRS.replace(
            "TSR_TWO\n   :asil: D\n   :satisfies: FSR_ONE",
            "TSR_TWO\n   :asil: D\n   :satisfies: SG_ONE",
        )
    },
    # a need removed
    {"tsrs.rst": TSRS.split(".. tsr:: Second monitor", maxsplit=1)[0]},
    # the target of the unchanged document's link removed: TSR_ONE's link dangles
    {"goals.rst": GOALS.split(".. fsr:: Detect", maxsplit=1)[0]},
    # and back, with a need added
    {"goals.rst": GOALS, "tsrs.rst": TSRS + EXTRA_TSR},
    # a document removed
    {"tsrs.rst": None},
]


def test_kept_checker_re_exports_only_affected_needs_and_equals_cold_checks(
    mini_project: MiniProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"reqs/index.rst": INDEX, "reqs/goals.rst": GOALS, "reqs/tsrs.rst": TSRS}
    root = mini_project(
        {f"kept/{k}": v for k, v in files.items()} | {f"twin/{k}": v for k, v in files.items()}
    )
    for folder in ("kept", "twin"):
        (root / folder / "safety_case.toml").write_text((root / "safety_case.toml").read_text())
    exported: list[set[str]] = []
    real = NeedsList.add_need

    def spy(self: Any, version: str, need: Any) -> None:
        exported[-1].add(need["id"])
        real(self, version, need)

    monkeypatch.setattr(NeedsList, "add_need", spy)

    checker = Checker(load_policy(root / "kept" / "safety_case.toml"))
    reports = []
    try:
        for step in CHECK_STEPS:
            _apply_edit(root / "kept", step)
            exported.append(set())
            reports.append(checker.check())
    finally:
        checker.close()
    # a one-shot check on the saved environment re-uses the export the watch left
    _apply_edit(root / "kept", {"tsrs.rst": TSRS})  # TSR_TWO links to FSR_ONE again
    exported.append(set())
    reports.append(check_project(load_policy(root / "kept" / "safety_case.toml")))
    all_needs = {"HAZ_ONE", "SG_ONE", "FSR_ONE", "TSR_ONE", "TSR_TWO"}
    assert exported == [
        all_needs,  # the first build exports every need
        {"TSR_ONE", "TSR_TWO", "FSR_ONE", "SG_ONE"},  # the document and its links' targets
        {"TSR_ONE", "FSR_ONE", "SG_ONE"},  # TSR_TWO is gone, and its back link
        {"HAZ_ONE", "SG_ONE", "TSR_ONE"},  # FSR_ONE is gone: TSR_ONE's link dangles
        all_needs | {"TSR_THREE"},
        {"FSR_ONE"},  # every TSR is gone
        {"TSR_ONE", "TSR_TWO", "FSR_ONE"},
    ]
    twin = load_policy(root / "twin" / "safety_case.toml")
    last: dict[str, str | None] = {"tsrs.rst": TSRS}
    for step, report in zip([*CHECK_STEPS, last], reports, strict=True):
        _apply_edit(root / "twin", step)
        shutil.rmtree(root / "twin" / "build", ignore_errors=True)  # a cold check
        assert check_project(twin) == report
    assert any(f.need_id == "TSR_ONE" for f in reports[3].findings)  # the dangling link
