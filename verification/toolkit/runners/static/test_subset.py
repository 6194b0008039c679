"""Tests of safety_case/runners/static/_subset.py: one bad and one good snippet per rule.

Covers: direct, mutual and method recursion (and a call to a same-named
function elsewhere that is not recursion); eval/exec/compile/__import__;
setattr/delattr and writes through __dict__ and vars(); module-level lists,
dicts, sets, comprehensions and mutable constructor calls (tuples,
frozensets, MappingProxyType, __all__ and function-local lists allowed);
bare except; while True and unjustified while loops (a loop-bound comment
on the line or above accepted); global and nonlocal; assert; switching a
rule off; the finding's position, rule id and text; check_paths over a folder.
"""

import textwrap
from pathlib import Path

import pytest

from safety_case.runners.static import Finding, SubsetRule, check_paths, check_source


def _rules(source: str) -> list[tuple[int, str]]:
    findings = check_source(textwrap.dedent(source), "m.py")
    return [(f.line, f.rule.value) for f in findings]


BAD = [
    ("direct recursion", "def f(n):\n    return f(n - 1)\n", [(1, "SUB001")]),
    (
        "mutual recursion",
        "def f(n):\n    return g(n)\n\ndef g(n):\n    return f(n)\n",
        [(1, "SUB001"), (4, "SUB001")],
    ),
    (
        "method recursion",
        "class A:\n    def m(self):\n        return self.m()\n",
        [(2, "SUB001")],
    ),
    ("eval", "x = eval('1')\n", [(1, "SUB002")]),
    ("exec", "def f():\n    exec('x = 1')\n", [(2, "SUB002")]),
    ("compile", "def f():\n    return compile('1', 'f', 'eval')\n", [(2, "SUB002")]),
    ("setattr", "def f(o):\n    setattr(o, 'x', 1)\n", [(2, "SUB003")]),
    ("delattr", "def f(o):\n    delattr(o, 'x')\n", [(2, "SUB003")]),
    ("__dict__ write", "def f(o):\n    o.__dict__['x'] = 1\n", [(2, "SUB003")]),
    ("__dict__ update", "def f(o):\n    o.__dict__.update(x=1)\n", [(2, "SUB003")]),
    ("vars write", "def f(o):\n    vars(o)['x'] = 1\n", [(2, "SUB003")]),
    ("module list", "LIMITS = [1, 2]\n", [(1, "SUB004")]),
    ("module dict", "TABLE: dict[str, int] = {'a': 1}\n", [(1, "SUB004")]),
    ("module set", "NAMES = {'a'}\n", [(1, "SUB004")]),
    ("module comprehension", "SQUARES = {i: i * i for i in range(3)}\n", [(1, "SUB004")]),
    ("module list call", "CACHE = list()\n", [(1, "SUB004")]),
    (
        "module defaultdict",
        "import collections\nSEEN = collections.defaultdict(int)\n",
        [(2, "SUB004")],
    ),
    ("list inside tuple", "PAIR = (1, [2])\n", [(1, "SUB004")]),
    ("bare except", "try:\n    pass\nexcept:\n    pass\n", [(3, "SUB005")]),
    ("while True", "def f():\n    while True:\n        break\n", [(2, "SUB006")]),
    ("while unjustified", "def f(n):\n    while n:\n        n -= 1\n", [(2, "SUB006")]),
    ("global", "X = 1\ndef f():\n    global X\n    X = 2\n", [(3, "SUB007")]),
    ("nonlocal", "def f():\n    x = 1\n    def g():\n        nonlocal x\n", [(4, "SUB007")]),
    ("assert", "def f(x):\n    assert x > 0\n", [(2, "SUB008")]),
]

GOOD = [
    ("no recursion", "def f(n):\n    return g(n)\n\ndef g(n):\n    return n\n"),
    ("other object's method", "class A:\n    def m(self, o):\n        return o.m()\n"),
    ("tuple constant", "LIMITS = (1, 2)\n"),
    ("frozenset constant", "NAMES = frozenset({'a'})\n"),
    (
        "mapping proxy",
        "from types import MappingProxyType\nTABLE = MappingProxyType({'a': 1})\n",
    ),
    ("__all__", "__all__ = ['f']\n"),
    ("local list", "def f():\n    items = [1]\n    return items\n"),
    ("typed except", "try:\n    pass\nexcept ValueError:\n    pass\n"),
    (
        "bounded while (same line)",
        "def f(n):\n    while n:  # loop-bound: n decreases\n        n -= 1\n",
    ),
    (
        "bounded while (line above)",
        "def f(n):\n    # loop-bound: n decreases\n    while n:\n        n -= 1\n",
    ),
    ("object.__setattr__ is not setattr", "def f(o):\n    return getattr(o, 'x')\n"),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_violation_is_found(source: str, expected: list[tuple[int, str]]) -> None:
    assert _rules(source) == expected


@pytest.mark.parametrize("source", [c[1] for c in GOOD], ids=[c[0] for c in GOOD])
def test_allowed_code_passes(source: str) -> None:
    assert _rules(source) == []


def test_finding_names_file_line_rule_and_cycle() -> None:
    [finding] = check_source("def f(n):\n    return f(n - 1)\n", "pkg/m.py")
    assert finding == Finding("pkg/m.py", 1, 0, SubsetRule.RECURSION, "'f' is recursive: f -> f")
    assert str(finding) == "pkg/m.py:1:1: SUB001 'f' is recursive: f -> f"


def test_rules_can_be_switched_off() -> None:
    source = "def f(x):\n    assert x\n    return eval(x)\n"
    found = check_source(source, "m.py", rules=[SubsetRule.DYNAMIC_CODE])
    assert [f.rule for f in found] == [SubsetRule.DYNAMIC_CODE]


def test_check_paths_reports_every_file(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("X = []\n", encoding="utf-8")
    (tmp_path / "pkg" / "b.py").write_text("X = ()\n", encoding="utf-8")
    results = check_paths([tmp_path / "pkg"], tmp_path)
    assert {k: [f.rule.value for f in v] for k, v in results.items()} == {
        "pkg/a.py": ["SUB004"],
        "pkg/b.py": [],
    }
