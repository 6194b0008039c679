"""Tests of safety_case/runners/flow/_evidence.py on a miniature traced project.

Covers: one control_data_flow record per component of the reachable path,
resting on every reachable function of it with its fingerprint and
verifying the requirements those functions implement; verdict fail in the
component holding a finding (here an I/O call) and pass in the clean one;
the figures (functions, findings per rule, call depth); the artefact with
the call graph pinned by its hash; a component without a traced unit
listed instead of recorded; editing a reachable function makes its
component's record stale and leaves the other fresh.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safety_case.evidence import Method, Verdict, read_records, stale_reasons
from safety_case.fingerprint import file_sha256
from safety_case.needs import export_needs
from safety_case.policy import load_policy
from safety_case.runners.flow import FlowOutcome, analyse, flow_records, index_project
from safety_case.snapshot import take_snapshot

from ...conftest import write_project

REQUIREMENTS = """
Requirements
============

.. swr:: Step
   :id: SWR_STEP_001
   :asil: D

   Step.

.. swr:: Logic
   :id: SWR_LOGIC_001
   :asil: D

   Logic.
"""
SHELL = '''"""Shell."""
from pkg.logic import decide
from pkg.util import twice


def step(value: int) -> int:
    """Implements: SWR_STEP_001"""
    return twice(decide(value))
'''
LOGIC = '''"""Logic with an I/O call."""


def decide(value: int) -> int:
    """Implements: SWR_LOGIC_001"""
    print(value)
    return value + 1
'''
UTIL = '''"""Untraced helper."""


def twice(value: int) -> int:
    return 2 * value
'''


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FlowOutcome]:
    root = tmp_path_factory.mktemp("flow")
    write_project(
        root,
        {
            "reqs/index.rst": REQUIREMENTS,
            "pkg/__init__.py": '"""Package."""\n',
            "pkg/shell/__init__.py": SHELL,
            "pkg/logic/__init__.py": LOGIC,
            "pkg/util/__init__.py": UTIL,
            "tests/__init__.py": "",
        },
    )
    policy = load_policy(root / "safety_case.toml")
    snapshot = take_snapshot(policy, export_needs(root / "reqs", root / "build"))
    index = index_project([root / "pkg"], root, root)
    result = analyse(index, ["pkg.shell.step"], ["pkg"])
    now = datetime.now(UTC)
    outcome = flow_records(
        snapshot, index, result, root / "evidence", started_at=now, finished_at=now
    )
    return root, outcome


def test_one_record_per_traced_component_with_its_verdict(run: tuple[Path, FlowOutcome]) -> None:
    root, outcome = run
    records = {r.id: r for r in outcome.records}
    assert set(records) == {"flow:pkg.logic", "flow:pkg.shell"}
    assert outcome.untraced == ("pkg.util",)
    logic, shell = records["flow:pkg.logic"], records["flow:pkg.shell"]
    assert logic.method is Method.CONTROL_DATA_FLOW
    assert (logic.verdict, shell.verdict) == (Verdict.FAIL, Verdict.PASS)
    assert logic.requirement_ids == ("SWR_LOGIC_001",)
    assert [s.qualified_name for s in logic.subjects] == ["pkg.logic.decide"]
    assert logic.subjects[0].path == "pkg/logic/__init__.py"
    assert logic.figures["io_findings"] == 1
    assert shell.figures["findings"] == 0
    assert shell.figures["path_max_call_depth"] == 2
    assert shell.tool.name == "safety-case-flow"
    assert not outcome.passed
    on_disk, problems = read_records(root / "evidence")
    assert problems == []
    assert {r.id for r in on_disk} == set(records)


def test_artefact_holds_the_call_graph(run: tuple[Path, FlowOutcome]) -> None:
    root, outcome = run
    artefact = outcome.records[0].artefacts[0]
    path = root / "evidence" / artefact.path
    assert file_sha256(path) == artefact.sha256
    graph = json.loads(path.read_text(encoding="utf-8"))
    assert graph["edges"]["pkg.shell.step"] == ["pkg.logic.decide", "pkg.util.twice"]
    assert graph["findings"] == ["pkg/logic/__init__.py:6: io: pkg.logic.decide: calls print()"]


def test_editing_a_reachable_function_makes_only_its_component_stale(
    run: tuple[Path, FlowOutcome],
) -> None:
    root, outcome = run
    records = {r.id: r for r in outcome.records}
    logic_file = root / "pkg/logic/__init__.py"
    original = logic_file.read_text(encoding="utf-8")
    try:
        logic_file.write_text(original.replace("    print(value)\n", ""), encoding="utf-8")
        for record_id, stale in (("flow:pkg.logic", True), ("flow:pkg.shell", False)):
            record = records[record_id]
            requirements = dict(record.requirement_fingerprints)
            assert bool(stale_reasons(record, {}, requirements, root=root)) is stale
    finally:
        logic_file.write_text(original, encoding="utf-8")
