"""The pytest plugin's hypothesis figures: what a property test's record needs to be repeated.

Covers ``safety_case/pytest_plugin/_hypothesis.py`` and its hook: a traced
``@given`` test's record carries the number of examples run (the exact
count a ``max_examples`` run without failures gives), ``max_examples``,
``derandomize``, the seed source, the database and the profile; an
``@seed`` decorator is named as the seed; a stateful test reports through
the same channel; a plain test's record has no hypothesis figures; and
hypothesis' own ``--hypothesis-show-statistics`` still works beside it.
"""

import json

import pytest

from safety_case.evidence import EvidenceRecord
from verification.toolkit.pytest_plugin._project import write_project

TESTS = """
import pytest
from hypothesis import given, seed, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pkg.mod import limit

settings.register_profile("audit", max_examples=37, derandomize=True, database=None)
settings.load_profile("audit")

@pytest.mark.verifies("SWR_LIMIT_001")
@given(st.floats(0.0, 10.0))
def test_property(value):
    assert limit(value) <= 4.25

@pytest.mark.verifies("SWR_LIMIT_001")
@seed(1234)
@settings(max_examples=11, derandomize=False)
@given(st.floats(0.0, 10.0))
def test_seeded(value):
    assert limit(value) <= 4.25

class Machine(RuleBasedStateMachine):
    value = 0.0

    @rule(v=st.floats(0.0, 10.0))
    def set_value(self, v):
        self.value = limit(v)

    @invariant()
    def bounded(self):
        assert self.value <= 4.25

TestMachine = pytest.mark.verifies("SWR_LIMIT_001")(Machine.TestCase)

@pytest.mark.verifies("SWR_LIMIT_001")
def test_plain():
    assert limit(1.0) == 1.0
"""


@pytest.fixture
def records(pytester: pytest.Pytester) -> dict[str, EvidenceRecord]:
    write_project(pytester.path)
    pytester.makepyfile(test_limit=TESTS)
    result = pytester.runpytest(
        "--safety-evidence=evidence", "-p", "no:cacheprovider", "--hypothesis-show-statistics"
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*Hypothesis Statistics*", "*test_property*"])
    loaded = (
        EvidenceRecord.model_validate(json.loads(p.read_text()))
        for p in (pytester.path / "evidence").glob("*.json")
    )
    return {r.id.split("::")[-1]: r for r in loaded}


def test_records_carry_what_repeats_the_run(records: dict[str, EvidenceRecord]) -> None:
    """One pytester run (the requirement export is slow) checked four ways."""
    figures = records["test_property"].figures
    assert figures["examples_valid"] == 37
    assert int(figures["examples_run"]) >= 37
    assert figures["examples_failing"] == 0
    assert figures["max_examples"] == 37
    assert figures["derandomize"] == 1
    assert figures["seed"] == "derandomized (fixed by the test's source)"
    assert figures["database"] == "none"
    assert figures["hypothesis_profile"] == "audit"
    assert figures["hypothesis_runs"] == 1
    assert "duration_s" in figures

    seeded = records["test_seeded"].figures
    assert seeded["seed"] == "@seed(1234)"
    assert seeded["derandomize"] == 0
    assert seeded["max_examples"] == 11
    assert seeded["examples_valid"] == 11

    stateful = records["runTest"].figures
    assert int(stateful["examples_valid"]) >= 1
    assert stateful["hypothesis_profile"] == "audit"

    assert "examples_run" not in records["test_plain"].figures


STATEFUL_TESTS = """
import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from pkg.mod import limit

settings.register_profile("audit", max_examples=37, derandomize=True, database=None)
settings.load_profile("audit")

class Machine(RuleBasedStateMachine):
    value = 0.0

    @rule(v=st.floats(0.0, 10.0))
    def set_value(self, v):
        self.value = limit(v)

    @invariant()
    def bounded(self):
        assert self.value <= 4.25

@pytest.mark.verifies("SWR_LIMIT_001")
def test_machine_capped():
    run_state_machine_as_test(
        Machine, settings=settings(max_examples=13, stateful_step_count=3, derandomize=False)
    )

@pytest.mark.verifies("SWR_LIMIT_001")
def test_machine_twice():
    run_state_machine_as_test(Machine, settings=settings(max_examples=5, stateful_step_count=2))
    run_state_machine_as_test(Machine, settings=settings(max_examples=9, stateful_step_count=2))

TestMachine = pytest.mark.verifies("SWR_LIMIT_001")(Machine.TestCase)
"""


def test_stateful_runs_record_the_examples_and_cap_they_applied(pytester: pytest.Pytester) -> None:
    """A machine run from a plain function records the cap it ran under, not the profile's."""
    write_project(pytester.path)
    pytester.makepyfile(test_machine=STATEFUL_TESTS)
    result = pytester.runpytest("--safety-evidence=evidence", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    records = {
        r.id.split("::")[-1]: r.figures
        for r in (
            EvidenceRecord.model_validate(json.loads(p.read_text()))
            for p in (pytester.path / "evidence").glob("*.json")
        )
    }
    capped = records["test_machine_capped"]
    assert capped["max_examples"] == 13  # the profile says 37
    assert capped["examples_generated_valid"] == 13
    assert capped["examples_failing"] == 0
    assert capped["derandomize"] == 0
    assert capped["seed"] == "random (not reproducible)"
    assert capped["settings_source"] == "applied by the run"
    assert capped["hypothesis_profile"] == "audit"
    assert capped["stopped_because"] == "settings.max_examples=13"

    twice = records["test_machine_twice"]
    assert twice["hypothesis_runs"] == 2
    assert twice["max_examples"] == 5  # the smaller cap of the two runs
    assert twice["examples_generated_valid"] == 5 + 9
    assert twice["derandomize"] == 1
    assert twice["seed"] == "derandomized (fixed by the test's source)"

    test_case = records["runTest"]
    assert test_case["max_examples"] == 37
    assert test_case["examples_generated_valid"] == 37
    assert test_case["settings_source"] == "applied by the run"
