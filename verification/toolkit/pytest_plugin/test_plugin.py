"""Tests of safety_case/pytest_plugin: the verifies marker and evidence records.

Covers: one record per traced test with the verdict of its run (pass and
fail), one record per method when a test carries markers of several
methods, subjects, requirement fingerprints and the test itself (its
fingerprint, so that an edited test makes its record stale) filled in,
taken at collection: a test file edited while the suite runs is recorded as
it was collected, in one process and under xdist; untraced tests
write nothing; an unknown requirement id and a malformed id stop the run
with a usage error naming the test; the terminal summary line.
"""

import json

import pytest

from safety_case.evidence import EvidenceRecord, Verdict
from safety_case.fingerprint import procedure_fingerprint
from verification.toolkit.pytest_plugin._project import write_project


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    write_project(pytester.path)
    return pytester


def test_each_method_of_a_test_gets_its_own_record(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_limit="""
        import pytest
        from pkg.mod import limit

        @pytest.mark.verifies("SWR_LIMIT_001", method="fault_injection")
        @pytest.mark.verifies("SWR_LIMIT_001")
        def test_both():
            assert limit(float("inf")) == 4.25

        @pytest.mark.verifies("SWR_LIMIT_001", method="interface_test")
        def test_one():
            assert limit(1.0) == 1.0
        """
    )
    result = project.runpytest("--safety-evidence=evidence", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    records = {
        r.id.split("::")[-1]: r.method.value
        for r in (
            EvidenceRecord.model_validate(json.loads(p.read_text()))
            for p in (project.path / "evidence").glob("*.json")
        )
    }
    assert records == {
        "test_both@fault_injection": "fault_injection",
        "test_both@requirements_based_test": "requirements_based_test",
        "test_one": "interface_test",
    }


def test_records_carry_verdicts_and_fingerprints(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_limit="""
        import pytest
        from pkg.mod import limit

        @pytest.mark.verifies("SWR_LIMIT_001")
        def test_pass():
            assert limit(5.0) == 4.25

        @pytest.mark.verifies("SWR_LIMIT_001")
        def test_fail():
            assert limit(5.0) == 5.0

        def test_untraced():
            pass
        """
    )
    result = project.runpytest("--safety-evidence=evidence", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*safety-case: 2 evidence records written to*"])
    records = {
        r.id.split("::")[-1]: r
        for r in (
            EvidenceRecord.model_validate(json.loads(p.read_text()))
            for p in (project.path / "evidence").glob("*.json")
        )
    }
    assert set(records) == {"test_pass", "test_fail"}
    assert records["test_pass"].verdict is Verdict.PASS
    assert records["test_fail"].verdict is Verdict.FAIL
    assert records["test_pass"].subjects[0].qualified_name == "pkg.mod.limit"
    assert len(records["test_pass"].requirement_fingerprints["SWR_LIMIT_001"]) == 64
    procedures = {name: record.procedure for name, record in records.items()}
    assert {name: p.qualified_name for name, p in procedures.items() if p} == {
        "test_pass": "test_limit.test_pass",
        "test_fail": "test_limit.test_fail",
    }
    assert procedures["test_pass"] != procedures["test_fail"]


EDITED_MID_RUN = """
import pathlib

import pytest
from pkg.mod import limit


@pytest.mark.verifies("SWR_LIMIT_001")
def test_a_edits_this_file():
    path = pathlib.Path(__file__)
    path.write_text(path.read_text().replace("== 4.25", "== 4.25 + 0"))


@pytest.mark.verifies("SWR_LIMIT_001")
def test_b_is_recorded_as_collected():
    assert limit(5.0) == 4.25
"""


@pytest.mark.parametrize("workers", [[], ["-n", "1"]])
def test_the_procedure_is_the_test_as_collected(
    project: pytest.Pytester, workers: list[str]
) -> None:
    test = project.makepyfile(test_edit=EDITED_MID_RUN)
    collected = procedure_fingerprint(
        test, "test_edit.test_b_is_recorded_as_collected", "test_edit", project.path
    )
    result = project.runpytest_subprocess(
        "--safety-evidence=evidence", "-p", "no:cacheprovider", *workers
    )
    result.assert_outcomes(passed=2)
    edited = procedure_fingerprint(
        test, "test_edit.test_b_is_recorded_as_collected", "test_edit", project.path
    )
    assert edited != collected
    records = [
        EvidenceRecord.model_validate(json.loads(path.read_text()))
        for path in (project.path / "evidence").glob("*.json")
    ]
    (record,) = [r for r in records if r.id.endswith("::test_b_is_recorded_as_collected")]
    assert record.procedure is not None
    assert record.procedure.fingerprint == collected


def test_unknown_requirement_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_x="""
        import pytest

        @pytest.mark.verifies("SWR_NOT_THERE")
        def test_x():
            pass
        """
    )
    result = project.runpytest("--safety-evidence=evidence", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_x*SWR_NOT_THERE*names no known requirement*"])


def test_malformed_id_is_a_usage_error_even_without_evidence(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_x="""
        import pytest

        @pytest.mark.verifies("swr-lower")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*swr-lower*is not a requirement id*"])


def test_unknown_requirement_is_caught_under_xdist(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_x="""
        import pytest

        @pytest.mark.verifies("SWR_NOT_THERE")
        def test_x():
            pass
        """
    )
    result = project.runpytest_subprocess(
        "--safety-evidence=evidence", "-p", "no:cacheprovider", "-n", "1"
    )
    assert result.ret != pytest.ExitCode.OK
    assert "names no known requirement" in result.stdout.str() + result.stderr.str()


def test_unknown_method_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_x="""
        import pytest

        @pytest.mark.verifies("SWR_LIMIT_001", method="vibes")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*method='vibes'*is not an ISO 26262-6 method*"])
