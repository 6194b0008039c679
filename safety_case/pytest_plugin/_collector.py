"""The evidence collector: one per pytest run, on the controller process only.

The tests a run's records rest on (their ``procedure``) are fingerprinted
when collection finishes, before any test runs, so a test file edited while
the suite runs is recorded as the text that was collected, not as the edit.
Under pytest-xdist the controller does not collect: it fingerprints the node
ids each worker reports (``pytest_xdist_node_collection_finished``).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from safety_case.errors import SafetyCaseError
from safety_case.evidence import (
    EvidenceRecord,
    Method,
    Subject,
    ToolInfo,
    procedures_of_tests,
    record_from_test,
    write_record,
)
from safety_case.policy import find_policy, load_policy
from safety_case.snapshot import Snapshot, take_snapshot

_USER_PROPERTY = "safety_case_verifies"
_HYPOTHESIS_PROPERTY = "safety_case_hypothesis"


@dataclass
class _Outcome:
    """Worst outcome seen over a test's setup, call and teardown phases."""

    outcome: str = "passed"
    duration_s: float = 0.0


@dataclass(eq=False)
class EvidenceCollector:
    """Turns test reports into evidence records and writes them at the end.

    ``eq=False``: a plugin must be hashable (pluggy keeps plugins in sets and
    dicts, e.g. when a conftest of another folder is registered), and two
    collectors are the same only if they are the same object.
    """

    folder: Path
    snapshot: Snapshot
    started_at: datetime
    rootdir: Path
    """pytest's rootdir, which node ids are relative to."""
    outcomes: dict[str, tuple[_Outcome, tuple[tuple[tuple[str, ...], str], ...]]] = field(
        default_factory=dict
    )
    """Per test: its outcome and its requirement ids grouped by method."""
    hypothesis: dict[str, dict[str, float | int | str]] = field(default_factory=dict)
    """Hypothesis figures (example counts, profile, seed) per test that ran a property."""
    procedures: dict[str, Subject] = field(default_factory=dict)
    """The test behind each collected node id, fingerprinted at collection."""
    written: list[Path] = field(default_factory=list)

    @classmethod
    def start(cls, config: pytest.Config, folder: str) -> EvidenceCollector:
        """Load the policy and snapshot the sources before any test runs."""
        policy_path = find_policy(Path(config.rootpath))
        if policy_path is None:
            raise pytest.UsageError(
                f"--safety-evidence needs a safety_case.toml in {config.rootpath} or above"
            )
        try:
            snapshot = take_snapshot(load_policy(policy_path))
        except SafetyCaseError as error:
            raise pytest.UsageError(str(error)) from None
        return cls(Path(folder).resolve(), snapshot, datetime.now(UTC), Path(config.rootpath))

    @property
    def known_ids(self) -> frozenset[str]:
        """Ids of every requirement in the snapshot."""
        return frozenset(self.snapshot.needs)

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Fingerprint the collected tests that verify a requirement, before they run."""
        self._fingerprint(
            item.nodeid for item in session.items if item.get_closest_marker("verifies")
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist: fingerprint the tests a worker collected (once per node id)."""
        del node
        self._fingerprint(ids)

    def _fingerprint(self, node_ids: Iterable[str]) -> None:
        missing = [node_id for node_id in node_ids if node_id not in self.procedures]
        self.procedures.update(procedures_of_tests(missing, self.rootdir, self.snapshot))

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold each phase's report into the test's outcome."""
        traced: Any = dict(report.user_properties).get(_USER_PROPERTY)
        if traced is None:
            return
        groups = tuple((tuple(ids), str(method)) for ids, method in traced)
        outcome, _ = self.outcomes.setdefault(report.nodeid, (_Outcome(), groups))
        figures: Any = dict(report.user_properties).get(_HYPOTHESIS_PROPERTY)
        if isinstance(figures, dict):
            self.hypothesis[report.nodeid] = figures
        outcome.duration_s += report.duration
        if report.failed:
            outcome.outcome = "failed"
        elif report.skipped and outcome.outcome != "failed":
            outcome.outcome = "skipped"

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write one record per traced test and method (id ``NODEID@method`` if several)."""
        del session
        tool = ToolInfo(name="pytest", version=importlib.metadata.version("pytest"))
        finished_at = datetime.now(UTC)
        self._fingerprint(self.outcomes)  # a traced test no collection hook named (none expected)
        runs = [
            (test_id if len(groups) == 1 else f"{test_id}@{method}", test_id, outcome, ids, method)
            for test_id, (outcome, groups) in sorted(self.outcomes.items())
            for ids, method in groups
        ]
        for record_id, test_id, outcome, ids, method in runs:
            record: EvidenceRecord = record_from_test(
                test_id=record_id,
                outcome=outcome.outcome,
                requirement_ids=ids,
                method=Method(method),
                snapshot=self.snapshot,
                tool=tool,
                started_at=self.started_at,
                finished_at=finished_at,
                duration_s=outcome.duration_s,
                procedure=self.procedures.get(test_id),
            )
            if test_id in self.hypothesis:
                figures = {**record.figures, **self.hypothesis[test_id]}
                record = EvidenceRecord.model_validate({**record.model_dump(), "figures": figures})
            self.written.append(write_record(self.folder, record))

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """One line saying where the evidence went."""
        terminalreporter.write_sep(
            "-", f"safety-case: {len(self.written)} evidence records written to {self.folder}"
        )
