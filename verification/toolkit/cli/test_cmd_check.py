"""Tests of ``safety-case check --watch`` and of the repeatable check behind it.

Covers: the watch loop checks, waits, picks up an edit of a requirement and
reports the violation it introduces, with the exit code of the last check,
on one Sphinx application; a :class:`~safety_case.rules.Checker` that keeps
its application gives after each edit (a requirement, a code file, a
needextend that makes the application be made anew) the same report as a
one-shot check of the same sources, and reads again only the Python files
that changed.
"""

import time
from pathlib import Path

import pytest

from safety_case import _needs_build, trace
from safety_case.cli import ExitCode
from safety_case.cli._cmd_check import watch
from safety_case.policy import load_policy
from safety_case.rules import Checker, CheckReport, RuleId, check_project

from ..conftest import write_project
from ..rules.conftest import GOOD

CHAIN = GOOD["reqs/chain.rst"]
TOO_LOW = CHAIN.replace(":asil: D\n", ":asil: B\n", 1)  # the hazard's, below its computed D
assert TOO_LOW != CHAIN


def _creations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the Sphinx applications :class:`~safety_case._needs_build.NeedsApp` makes."""
    made: list[int] = []
    real = _needs_build.NeedsApp._create

    def counted(self: _needs_build.NeedsApp) -> object:
        made.append(1)
        return real(self)

    monkeypatch.setattr(_needs_build.NeedsApp, "_create", counted)
    return made


def test_watch_picks_up_an_edit_and_reports_the_new_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path, GOOD)
    made = _creations(monkeypatch)
    waits: list[float] = []

    def edit_while_waiting(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:  # one idle look first: nothing changed, nothing checked
            time.sleep(0.01)
            write_project(tmp_path, {"reqs/chain.rst": TOO_LOW})

    out = tmp_path / "report.json"
    policy = load_policy(root / "safety_case.toml")
    code = watch(policy, out, 0.25, checks=2, sleep=edit_while_waiting)
    assert code == ExitCode.GATE_FAILED
    assert waits == [0.25, 0.25]
    text = capsys.readouterr().out
    first, second = text.split("watching for changes", 1)
    assert "check passed" in first
    assert "check FAILED" in second
    assert "reqs/chain.rst:4: SC010 HAZARD_ASIL HAZ_GOOD" in second
    assert made == [1]  # the second check re-used the first one's application


EXTEND = "\n.. needextend:: SWR_GOOD_EST\n   :asil: QM(D)\n"
EDITS: list[dict[str, str]] = [
    {"reqs/chain.rst": TOO_LOW},
    {"reqs/chain.rst": CHAIN},
    {"pkg/mod.py": GOOD["pkg/mod.py"].replace("Implements: SWR_GOOD_EST", "Nothing")},
    # a needextend changes needs for good: each build with one uses a new application
    {"reqs/chain.rst": CHAIN + EXTEND},
    {"reqs/chain.rst": TOO_LOW + EXTEND},
]


def test_kept_checker_equals_one_shot_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _creations(monkeypatch)
    parsed: list[list[str]] = []
    real_extract = trace.extract

    def spy(paths: list[Path], import_root: Path) -> object:
        parsed[-1].extend(p.name for p in paths)
        return real_extract(paths, import_root)

    monkeypatch.setattr(trace, "extract", spy)
    root = write_project(tmp_path / "kept", GOOD)
    checker = Checker(load_policy(root / "safety_case.toml"))
    kept: list[CheckReport] = []
    try:
        for files in [{}, *EDITS]:
            time.sleep(0.01)
            write_project(root, files)
            parsed.append([])
            kept.append(checker.check())
    finally:
        checker.close()
    assert len(made) == 3  # one for the edits without needextend, one per build with it
    assert parsed[1:4] == [[], [], ["mod.py"]]  # the unchanged files kept their traces
    # the same sources, checked one-shot (one application each, nothing kept)
    twin = write_project(tmp_path / "twin", GOOD)
    policy = load_policy(twin / "safety_case.toml")
    for files, report in zip([{}, *EDITS], kept, strict=True):
        time.sleep(0.01)
        write_project(twin, files)
        assert check_project(policy) == report
    assert not kept[0].failed
    assert RuleId.HAZARD_ASIL in {f.rule for f in kept[1].findings}
    assert RuleId.NOT_IMPLEMENTED in {f.rule for f in kept[3].findings}
    assert RuleId.HAZARD_ASIL in {f.rule for f in kept[5].findings}
