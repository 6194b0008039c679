"""Tests of safety_case/runners/flow/_analysis.py on miniature projects (no import).

Covers: a clean control path (frozen dataclass state replaced, a helper
reached through a package re-export, a method through ``self``, a class
through its ``__post_init__``, numpy-style module calls) gives no finding
and the expected reachable set and call depth; one miniature per rule gives
exactly that rule's finding in the right function: direct and indirect
recursion (also through ``x.m()`` resolved by name), I/O (``print``,
``open``, ``time``, ``random``, ``logging``, ``path.write_text``), global
writes (``global``, item assignment and ``.append`` on a module-level name),
mutation (of an argument, of ``self``'s state in place, ``setattr``, a
non-frozen dataclass built), a reference to a first-party package outside
the allowed ones; unreachable violations are not reported; an unknown
entry point is an error.
"""

import textwrap
from pathlib import Path

import pytest

from safety_case.runners.flow import FlowResult, FlowRule, analyse, index_project

CLEAN = {
    "ctl/__init__.py": '''
        """Package re-exporting its parts."""
        from ctl._logic import State, decide
        from ctl._shell import Shell
        __all__ = ["Shell", "State", "decide"]
    ''',
    "ctl/_logic.py": '''
        """Pure logic."""
        from dataclasses import dataclass, replace

        import numpy as np

        LIMIT = 3


        @dataclass(frozen=True)
        class State:
            count: int = 0

            def __post_init__(self) -> None:
                _check(self.count)


        def _check(value: int) -> None:
            if value < 0:
                raise ValueError("negative")


        def _bounded(values: list[int]) -> int:
            local = []
            for value in values:
                local.append(min(value, LIMIT))
            local.sort()
            return int(np.add(local[0], 0)) if local else 0


        def decide(state: State, values: list[int]) -> State:
            return replace(state, count=state.count + _bounded(values))
    ''',
    "ctl/_shell.py": '''
        """The shell holding the state."""
        from ctl import State, decide


        class Shell:
            def __init__(self) -> None:
                self._state = State()
                self._log: list[int] = []

            def step(self, values: list[int]) -> int:
                self._state = decide(self._state, values)
                return self._report()

            def _report(self) -> int:
                return self._state.count
    ''',
}

ENTRY = "ctl._shell.Shell.step"


def _project(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def _analyse(root: Path, files: dict[str, str], entry: str = ENTRY) -> FlowResult:
    _project(root, files)
    index = index_project([root / "ctl"], root, root)
    return analyse(index, [entry], ["ctl"])


def test_clean_path_has_no_finding_and_the_expected_graph(tmp_path: Path) -> None:
    result = _analyse(tmp_path, CLEAN)
    assert result.findings == ()
    assert result.errors == ()
    assert set(result.reachable) == {
        "ctl._shell.Shell.step",
        "ctl._shell.Shell._report",
        "ctl._logic.decide",
        "ctl._logic._bounded",
    }
    assert result.edges["ctl._shell.Shell.step"] == (
        "ctl._logic.decide",
        "ctl._shell.Shell._report",
    )
    assert result.max_call_depth == 3  # step -> decide -> _bounded


def test_constructor_of_a_project_class_is_followed(tmp_path: Path) -> None:
    result = _analyse(tmp_path, CLEAN, entry="ctl._shell.Shell.__init__")
    assert "ctl._logic.State.__post_init__" in result.reachable
    assert "ctl._logic._check" in result.reachable


def _with(module: str) -> dict[str, str]:
    """The clean project with ``_logic.decide`` calling ``extra.run`` of a new module."""
    files = dict(CLEAN)
    files["ctl/extra.py"] = module
    files["ctl/_logic.py"] = (
        files["ctl/_logic.py"]
        .replace(
            "from dataclasses import dataclass, replace",
            "from dataclasses import dataclass, replace\n\n        from ctl import extra",
        )
        .replace("    return replace(", "    extra.run(values)\n            return replace(")
    )
    return files


def _rules(result: FlowResult) -> set[tuple[FlowRule, str]]:
    return {(f.rule, f.function) for f in result.findings}


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        pytest.param(
            """
            def run(values):
                return run(values[1:]) if values else 0
            """,
            {(FlowRule.RECURSION, "ctl.extra.run")},
            id="direct-recursion",
        ),
        pytest.param(
            """
            def run(values):
                return _back(values)

            def _back(values):
                return run(values[1:]) if values else 0
            """,
            {(FlowRule.RECURSION, "ctl.extra._back")},
            id="indirect-recursion",
        ),
        pytest.param(
            """
            class Node:
                def visit(self, other):
                    return other.visit(self)

            def run(values):
                return Node().visit(Node())
            """,
            {(FlowRule.RECURSION, "ctl.extra.Node.visit")},
            id="recursion-through-a-method-name",
        ),
        pytest.param(
            """
            def run(values):
                print(values)
            """,
            {(FlowRule.IO, "ctl.extra.run")},
            id="print",
        ),
        pytest.param(
            """
            import time
            def run(values):
                return time.monotonic()
            """,
            {(FlowRule.IO, "ctl.extra.run")},
            id="clock",
        ),
        pytest.param(
            """
            from random import random as draw
            def run(values):
                return draw()
            """,
            {(FlowRule.IO, "ctl.extra.run")},
            id="randomness-through-an-alias",
        ),
        pytest.param(
            """
            import logging
            LOG = logging.getLogger(__name__)
            def run(values):
                LOG.info("x")
            """,
            set(),
            id="logger-made-at-import-is-not-on-the-path",
        ),
        pytest.param(
            """
            def run(values):
                with open("x") as stream:
                    return stream
            """,
            {(FlowRule.IO, "ctl.extra.run")},
            id="open",
        ),
        pytest.param(
            """
            def run(path):
                path.write_text("x")
            """,
            {(FlowRule.IO, "ctl.extra.run")},
            id="path-write",
        ),
        pytest.param(
            """
            COUNT = 0
            def run(values):
                global COUNT
                COUNT += 1
            """,
            {(FlowRule.GLOBAL_WRITE, "ctl.extra.run")},
            id="global-statement",
        ),
        pytest.param(
            """
            CACHE: list[int] = []
            def run(values):
                CACHE.append(len(values))
            """,
            {(FlowRule.GLOBAL_WRITE, "ctl.extra.run")},
            id="append-to-module-state",
        ),
        pytest.param(
            """
            TABLE: dict[int, int] = {}
            def run(values):
                TABLE[0] = len(values)
            """,
            {(FlowRule.GLOBAL_WRITE, "ctl.extra.run")},
            id="item-write-to-module-state",
        ),
        pytest.param(
            """
            def run(values):
                values.append(1)
            """,
            {(FlowRule.MUTATION, "ctl.extra.run")},
            id="mutates-its-argument",
        ),
        pytest.param(
            """
            def run(values):
                values[0] = 1
            """,
            {(FlowRule.MUTATION, "ctl.extra.run")},
            id="item-write-to-its-argument",
        ),
        pytest.param(
            """
            def run(values):
                setattr(values, "x", 1)
            """,
            {(FlowRule.MUTATION, "ctl.extra.run")},
            id="setattr",
        ),
        pytest.param(
            """
            from dataclasses import dataclass
            @dataclass
            class Loose:
                x: int = 0
            def run(values):
                return Loose()
            """,
            {(FlowRule.MUTATION, "ctl.extra.run")},
            id="non-frozen-dataclass",
        ),
        pytest.param(
            """
            from other.tools import helper
            def run(values):
                return helper(values)
            """,
            {(FlowRule.OUTSIDE, "ctl.extra.run")},
            id="outside-the-allowed-packages",
        ),
        pytest.param(
            """
            def run(values):
                return len(values)

            def unreachable(values):
                print(values)
                return unreachable(values)
            """,
            set(),
            id="unreachable-violations-are-not-reported",
        ),
    ],
)
def test_each_rule_gives_its_finding(
    tmp_path: Path, module: str, expected: set[tuple[FlowRule, str]]
) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "__init__.py").write_text("", encoding="utf-8")
    result = _analyse(tmp_path, _with(module))
    assert "ctl.extra.run" in result.reachable
    assert _rules(result) == expected
    if any(rule is FlowRule.RECURSION for rule, _ in expected):
        assert result.max_call_depth == 0


def test_state_changed_in_place_through_self_is_a_mutation(tmp_path: Path) -> None:
    files = dict(CLEAN)
    files["ctl/_shell.py"] = files["ctl/_shell.py"].replace(
        "return self._report()", "self._log.append(1)\n                return self._report()"
    )
    result = _analyse(tmp_path, files)
    assert _rules(result) == {(FlowRule.MUTATION, "ctl._shell.Shell.step")}


def test_unknown_entry_point_is_an_error(tmp_path: Path) -> None:
    result = _analyse(tmp_path, CLEAN, entry="ctl._shell.Shell.missing")
    assert result.reachable == ()
    assert result.errors == (
        "entry point 'ctl._shell.Shell.missing' is no function or method of the project",
    )
