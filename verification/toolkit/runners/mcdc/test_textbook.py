"""Tests of the MC/DC measurement against hand-computed answers on textbook decisions.

Covers (safety_case/runners/mcdc/_analysis.py, _instrument.py, _runtime.py end to end):
``a and b``, ``a or b``, ``not a``, ``not a and b``, ``not (a or b)``, three-way
``and``/``or``, ``a and (b or c)``, ``a or b and c``, chained comparisons (two
and three conditions, operand evaluated once), ``x is not None and x > 0``,
nested conditional expressions, single-condition decisions, ``while``,
``assert``, comprehension filters, boolean assignments, a decision nested in
a condition, short-circuited conditions recorded as "don't care", and the
cases where masking MC/DC covers what unique-cause does not (a masked second
condition, coupled conditions). Each case states the evaluations by hand.
"""

from itertools import product

import pytest

from .conftest import run_source

T, F = True, False

IF_FUNCTION = """
def f({args}):
    if {decision}:
        return True
    return False
"""


def _if(decision: str, args: str, calls: list[tuple[object, ...]]) -> tuple[set[int], set[int]]:
    module = run_source(IF_FUNCTION.format(args=args, decision=decision))
    for call in calls:
        module.fn()(*call)
    result = module.result()
    return set(result.unique_cause), set(result.masking)


# (decision, argument names, calls, unique-cause covered, masking covered)
CASES = [
    # evaluations (T,T)->T, (T,F)->F, (F,-)->F: the classic n+1 set
    ("a and b", "a, b", [(T, T), (T, F), (F, T)], {0, 1}, {0, 1}),
    # (T,T)->T, (F,-)->F: b never shown
    ("a and b", "a, b", [(T, T), (F, F)], {0}, {0}),
    # (F,F)->F, (T,-)->T, (F,T)->T
    ("a or b", "a, b", [(F, F), (T, F), (F, T)], {0, 1}, {0, 1}),
    # only (T,-)->T: one outcome, nothing shown
    ("a or b", "a, b", [(T, T), (T, F)], set(), set()),
    ("not a", "a", [(T,), (F,)], {0}, {0}),
    # (F,T)->T, (T,-)->F, (F,F)->F
    ("not a and b", "a, b", [(F, T), (T, T), (F, F)], {0, 1}, {0, 1}),
    # (F,T)->T, (T,-)->F: b only true
    ("not a and b", "a, b", [(F, T), (T, T)], {0}, {0}),
    # not (a or b): (F,F)->T, (T,-)->F, (F,T)->F
    ("not (a or b)", "a, b", [(F, F), (T, F), (F, T)], {0, 1}, {0, 1}),
    (
        "a and b and c",
        "a, b, c",
        [(T, T, T), (F, T, T), (T, F, T), (T, T, F)],
        {0, 1, 2},
        {0, 1, 2},
    ),
    ("a or b or c", "a, b, c", [(F, F, F), (T, F, F), (F, T, F), (F, F, T)], {0, 1, 2}, {0, 1, 2}),
    # (T,T,-)->T, (T,F,F)->F, (T,F,T)->T, (F,-,-)->F
    (
        "a and (b or c)",
        "a, b, c",
        [(T, T, F), (T, F, F), (T, F, T), (F, T, T)],
        {0, 1, 2},
        {0, 1, 2},
    ),
    # without (T,F,T), c takes only the value F
    ("a and (b or c)", "a, b, c", [(T, T, F), (T, F, F), (F, T, T)], {0, 1}, {0, 1}),
    # a or (b and c): (F,T,T)->T, (F,T,F)->F, (F,F,-)->F, (T,-,-)->T
    ("a or b and c", "a, b, c", [(F, T, T), (F, T, F), (F, F, T), (T, F, F)], {0, 1, 2}, {0, 1, 2}),
    # (a and b) or c: (T,F,T)->T and (F,-,F)->F differ in a and c, but a is masked (a and b
    # is false either way), so c is shown by masking only; a is masked by b=F in the first
    ("(a and b) or c", "a, b, c", [(T, F, T), (F, T, F)], set(), {2}),
    # (a or b) and c: (F,T,T)->T, (T,-,F)->F differ in a and c; c shown by masking only
    ("(a or b) and c", "a, b, c", [(F, T, T), (T, F, F)], set(), {2}),
    # coupled conditions: evaluations (T,T,-,-)T (T,F,T,-)F (F,-,F,T)T (F,-,F,F)F;
    # the second `a` always changes with the first, so only masking shows it
    (
        "(a and b) or (not a and c)",
        "a, b, c",
        list(product([T, F], repeat=3)),
        {0, 1, 3},
        {0, 1, 2, 3},
    ),
    # chained comparison = two conditions: 5 -> (T,T)T, -1 -> (F,-)F, 20 -> (T,F)F
    ("0 < x < 10", "x", [(5,), (-1,), (20,)], {0, 1}, {0, 1}),
    ("0 < x < 10", "x", [(5,), (-1,)], {0}, {0}),
    # three comparisons: (T,T,T)T, (F,-,-)F, (T,F,-)F, (T,T,F)F
    ("0 <= x < y <= 10", "x, y", [(1, 2), (-1, 2), (3, 2), (1, 11)], {0, 1, 2}, {0, 1, 2}),
    # None -> (F,-)F, 5 -> (T,T)T, -1 -> (T,F)F
    ("x is not None and x > 0", "x", [(None,), (5,), (-1,)], {0, 1}, {0, 1}),
    ("x", "x", [(1,), (2,)], set(), set()),
    ("x", "x", [(1,), (0,)], {0}, {0}),
]


@pytest.mark.parametrize(
    ("decision", "args", "calls", "unique_cause", "masking"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_textbook_decision(
    decision: str,
    args: str,
    calls: list[tuple[object, ...]],
    unique_cause: set[int],
    masking: set[int],
) -> None:
    assert _if(decision, args, calls) == (unique_cause, masking)


def test_short_circuited_conditions_are_dont_care() -> None:
    module = run_source(
        """
        def f(a, b):
            return a and b()
        """
    )
    called = []
    module.fn()(False, lambda: called.append(1))
    assert called == []
    assert dict(module.data.observed[0]) == {((False, None), False): 1}


def test_chained_comparison_evaluates_its_middle_operand_once() -> None:
    module = run_source(
        """
        def f(g):
            return 0 < g() < 10
        """
    )
    calls = []

    def g() -> int:
        calls.append(1)
        return 5

    assert module.fn()(g) is True
    assert calls == [1]
    decision = module.data.decisions[0]
    assert [c.text for c in decision.conditions] == ["0 < g()", "g() < 10"]
    assert decision.kind == "return"


def test_nested_conditional_expressions_are_two_decisions() -> None:
    module = run_source(
        """
        def f(p, q):
            return "a" if p else ("b" if q else "c")
        """
    )
    f = module.fn()
    assert [f(T, T), f(F, T), f(F, F)] == ["a", "b", "c"]
    outer, inner = module.result(0), module.result(1)
    assert (outer.decision.text, set(outer.unique_cause)) == ("p", {0})
    assert (inner.decision.text, set(inner.unique_cause), inner.evaluations) == ("q", {0}, 2)


def test_nested_conditional_without_both_inner_outcomes() -> None:
    module = run_source(
        """
        def f(p, q):
            return "a" if p else ("b" if q else "c")
        """
    )
    module.fn()(T, T)
    module.fn()(F, T)
    assert set(module.result(1).unique_cause) == set()


def test_while_assert_comprehension_and_assignment_decisions() -> None:
    module = run_source(
        """
        def find(items, x):
            i = 0
            while i < len(items) and items[i] != x:
                i += 1
            assert i >= 0 or items
            evens = [v for v in items if v > 0 and v % 2 == 0]
            found = i < len(items) and not evens
            return found
        """
    )
    module.fn("find")([1, 3, 5], 3)
    module.fn("find")([2], 7)
    kinds = [d.kind for d in module.data.decisions]
    assert kinds == ["while", "assert", "comprehension_if", "assign"]
    # while: [1,3,5]/3 -> (T,T)T, (T,F)F; [2]/7 -> (T,T)T, (F,-)F
    assert set(module.result(0).unique_cause) == {0, 1}
    # assert: i >= 0 always true, items never evaluated
    assert set(module.result(1).unique_cause) == set()
    # filter: 1 -> (T,F)F, 3 -> (T,F)F, 5 -> (T,F)F, 2 -> (T,T)T
    assert set(module.result(2).unique_cause) == {1}
    # found: first call (T, not [] = T) -> T; second (F,-) -> F
    assert set(module.result(3).unique_cause) == {0}


def test_decision_inside_a_condition_is_measured_separately() -> None:
    module = run_source(
        """
        def g(v):
            return v

        def f(a, b, c):
            if g(a and b) and c:
                return 1
            return 0
        """
    )
    for call in [(T, T, T), (T, F, T), (F, T, T), (T, T, F)]:
        module.fn()(*call)
    outer = next(r for r in map(module.result, range(2)) if r.decision.kind == "if")
    inner = next(r for r in map(module.result, range(2)) if r.decision.kind == "expression")
    assert [c.text for c in outer.decision.conditions] == ["g(a and b)", "c"]
    assert set(outer.unique_cause) == {0, 1}
    assert set(inner.unique_cause) == {0, 1}


def test_values_and_names_are_preserved() -> None:
    module = run_source(
        """
        class Box:
            limit = 3
            big = limit > 2 and limit < 10

            def pick(self, a, default):
                value = a or default
                return value
        """
    )
    box = module.namespace["Box"]()
    marker = object()
    assert box.pick(None, marker) is marker
    assert module.namespace["Box"].big is True
    functions = {d.function for d in module.data.decisions}
    assert functions == {"m.Box", "m.Box.pick"}


def test_constant_loops_are_not_decisions() -> None:
    module = run_source(
        """
        def f():
            while True:
                return 1
        """
    )
    assert module.data.decisions == []


def test_an_exception_inside_a_decision_leaves_the_recorder_consistent() -> None:
    module = run_source(
        """
        def boom(v):
            if v > 0 and 1 / 0:
                return 1
            return 0

        def f(a, b):
            try:
                boom(1)
            except ZeroDivisionError:
                pass
            return a and b
        """
    )
    module.fn()(T, T)
    module.fn()(T, F)
    module.fn()(F, F)
    result = next(r for r in map(module.result, range(2)) if r.decision.kind == "return")
    assert set(result.unique_cause) == {0, 1}
