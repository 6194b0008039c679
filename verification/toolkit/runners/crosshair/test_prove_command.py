"""``safety-case prove``: the command checks a module's contracts and writes their records.

Covers ``safety_case/cli/_cmd_prove.py`` on a miniature project: the
requirement ids come from the function's ``Implements:`` tag; a true
integer contract becomes a ``formal`` passing record, a false one a
failing ``semi_formal`` record whose figures hold the failing call; the
exit code is 1 when a condition is refuted; ``--report`` writes every
result; an unknown module is a configuration error (3) naming it; a
non-positive ``--timeout`` is a usage error (2).
"""

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_case.cli import ExitCode, main
from safety_case.evidence import Method, Verdict, read_records

from ...conftest import write_project

FILES = {
    "reqs/index.rst": """
        Requirements
        ============

        .. swr:: Alive counter
           :id: SWR_COUNT_001
           :asil: D

           Count 0 to 14 and wrap.
    """,
    "provepkg/__init__.py": "",
    "provepkg/counter.py": '''
        def successor(counter: int) -> int:
            """The next counter.

            Implements: SWR_COUNT_001

            pre: 0 <= counter <= 14
            post: 0 <= __return__ <= 14
            post: __return__ != 0
            """
            return (counter + 1) % 15
    ''',
}


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    root = write_project(tmp_path, {**FILES, "safety_case.toml": _policy()})
    yield root
    for name in [m for m in sys.modules if m.startswith("provepkg")]:
        del sys.modules[name]
    if str(root) in sys.path:
        sys.path.remove(str(root))


def _policy() -> str:
    return '[safety_case]\nrequirements = "reqs"\ncode = ["provepkg"]\ntests = ["provepkg"]\n'


def test_prove_writes_one_record_per_condition(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = project / "out" / "crosshair.json"
    policy = str(project / "safety_case.toml")
    args = ["--policy", policy, "prove", "--timeout", "2", "--report", str(report)]
    code = main([*args, "provepkg.counter"])
    out = capsys.readouterr().out
    assert code == ExitCode.GATE_FAILED
    assert "2 conditions: 1 confirmed" in out
    assert "1 counterexample" in out
    assert "successor(14)" in out
    records, problems = read_records(project / "build" / "evidence")
    assert not problems
    by_outcome = {r.figures["outcome"]: r for r in records}
    confirmed = by_outcome["confirmed"]
    assert confirmed.method is Method.FORMAL
    assert confirmed.verdict is Verdict.PASS
    assert confirmed.requirement_ids == ("SWR_COUNT_001",)
    assert confirmed.subjects[0].qualified_name == "provepkg.counter.successor"
    refuted = by_outcome["counterexample"]
    assert refuted.method is Method.SEMI_FORMAL
    assert refuted.verdict is Verdict.FAIL
    assert "successor(14)" in str(refuted.figures["counterexample"])
    rows = json.loads(report.read_text(encoding="utf-8"))
    assert sorted(row["verdict"] for row in rows) == ["confirmed", "counterexample"]


def test_unknown_module_and_bad_timeout(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = str(project / "safety_case.toml")
    assert main(["--policy", policy, "prove", "provepkg.missing"]) == ExitCode.CONFIG
    assert "provepkg.missing" in capsys.readouterr().err
    assert main(["--policy", policy, "prove", "--timeout", "0", "provepkg.counter"]) == (
        ExitCode.USAGE
    )
