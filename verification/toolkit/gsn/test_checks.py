"""Tests of the GSN checks (safety_case/gsn/_checks.py): one small bad argument per check.

Covers: a well-formed, complete argument gives no finding; each check fires
on a miniature argument that breaks only it (duplicate ids, a cycle, two
roots and a root that is not a goal, an unreachable element, illegal and
dangling relations, an undeveloped leaf not marked, a solution whose record
is stale or unknown and a document that does not exist, a context naming an
unknown need or saying nothing, an away goal to a missing module or goal).
These are the toolkit's validation cases for tool confidence.
"""

import pytest

from safety_case.gsn import (
    Argument,
    Assumption,
    AwayGoal,
    Check,
    Context,
    Goal,
    InContextOf,
    Justification,
    Module,
    Solution,
    Status,
    Strategy,
    SupportedBy,
    check_argument,
)
from safety_case.gsn._model import Element

RECORDS = {"rec-1"}
NEEDS = {"SG_A", "HAZ_A"}


def _module(
    elements: list[Element],
    supported: list[tuple[str, str]],
    context: list[tuple[str, str]] = (),  # type: ignore[assignment]
    module_id: str = "SG_A",
) -> Module:
    return Module(
        id=module_id,
        title="t",
        elements=tuple(elements),
        supported_by=tuple(SupportedBy(source=s, target=t) for s, t in supported),
        in_context_of=tuple(InContextOf(source=s, target=t) for s, t in context),
    )


def _good_elements() -> list[Element]:
    return [
        Goal(id="G1", text="SG_A is achieved", need_id="SG_A"),
        Strategy(id="S1", text="Argument over methods"),
        Goal(id="G2", text="Verified by test"),
        Solution(id="Sn1", text="test", status=Status.SUPPORTED, record_id="rec-1"),
        Goal(id="G3", text="Inspected", undeveloped=True, status=Status.UNDEVELOPED),
        Context(id="C1", text="Hazard HAZ_A", need_id="HAZ_A"),
        Assumption(id="A1", text="12 V supply"),
        Justification(id="J1", text="Table 7"),
        AwayGoal(id="AG1", text="Tools adequate", module="TOOLS", goal="GT"),
    ]


_GOOD_SUPPORT = [("G1", "S1"), ("S1", "G2"), ("S1", "G3"), ("G2", "Sn1"), ("S1", "AG1")]
_GOOD_CONTEXT = [("G1", "C1"), ("G1", "A1"), ("S1", "J1")]
_TOOLS = _module(
    [
        Goal(id="GT", text="Tools adequate"),
        Solution(id="SnT", text="classification", status=Status.SUPPORTED, document="policy"),
    ],
    [("GT", "SnT")],
    module_id="TOOLS",
)


def _check(module: Module, *, exists: bool = True) -> list[Check]:
    findings = check_argument(
        Argument(modules=(module, _TOOLS)),
        counting_records=RECORDS,
        known_needs=NEEDS,
        document_exists=lambda _path: exists,
    )
    return sorted({f.check for f in findings})


def test_a_good_argument_has_no_finding() -> None:
    assert _check(_module(_good_elements(), _GOOD_SUPPORT, _GOOD_CONTEXT)) == []


def test_duplicate_ids() -> None:
    elements = [*_good_elements(), Context(id="C1", text="again")]
    assert Check.UNIQUE_IDS in _check(_module(elements, _GOOD_SUPPORT, _GOOD_CONTEXT))


def test_a_cycle() -> None:
    support = [*_GOOD_SUPPORT, ("G2", "S1")]
    found = check_argument(
        Argument(modules=(_module(_good_elements(), support, _GOOD_CONTEXT), _TOOLS))
    )
    assert {f.element for f in found if f.check is Check.NO_CYCLES} == {"S1", "G2"}


@pytest.mark.parametrize(
    ("support", "root_is_goal"),
    [
        pytest.param([s for s in _GOOD_SUPPORT if s != ("G1", "S1")], True, id="two-roots"),
        pytest.param([("S1", "G1"), *_GOOD_SUPPORT[1:]], False, id="strategy-root"),
    ],
)
def test_single_root(support: list[tuple[str, str]], root_is_goal: bool) -> None:
    del root_is_goal
    assert Check.SINGLE_ROOT in _check(_module(_good_elements(), support, _GOOD_CONTEXT))


def test_unreachable_element() -> None:
    # Two islands: the second (G9 -> Sn9) hangs below nothing reachable from G1 but has a parent.
    elements = [
        *_good_elements(),
        Goal(id="G9", text="island"),
        Solution(id="Sn9", text="x", status=Status.SUPPORTED, record_id="rec-1"),
    ]
    support = [*_GOOD_SUPPORT, ("G9", "Sn9"), ("Sn9", "G9")]  # a loop keeps it rootless
    found = check_argument(Argument(modules=(_module(elements, support, _GOOD_CONTEXT), _TOOLS)))
    assert {f.element for f in found if f.check is Check.REACHABLE} == {"G9", "Sn9"}


@pytest.mark.parametrize(
    ("support", "context"),
    [
        pytest.param([*_GOOD_SUPPORT, ("G1", "C1")], _GOOD_CONTEXT, id="supported-by-context"),
        pytest.param(_GOOD_SUPPORT, [*_GOOD_CONTEXT, ("G1", "G2")], id="in-context-of-goal"),
        pytest.param(_GOOD_SUPPORT, [*_GOOD_CONTEXT, ("C1", "A1")], id="context-from-context"),
        pytest.param([*_GOOD_SUPPORT, ("G2", "NOPE")], _GOOD_CONTEXT, id="dangling"),
    ],
)
def test_illegal_relations(support: list[tuple[str, str]], context: list[tuple[str, str]]) -> None:
    assert Check.LEGAL_RELATIONS in _check(_module(_good_elements(), support, context))


def test_leaf_goal_neither_developed_nor_marked() -> None:
    elements = [e if e.id != "G3" else Goal(id="G3", text="Inspected") for e in _good_elements()]
    found = check_argument(
        Argument(modules=(_module(elements, _GOOD_SUPPORT, _GOOD_CONTEXT), _TOOLS))
    )
    assert [f.element for f in found if f.check is Check.LEAF_DEVELOPED] == ["G3"]


@pytest.mark.parametrize("record", ["rec-stale", "rec-unknown"])
def test_solution_without_a_fresh_passing_record(record: str) -> None:
    elements = [
        e
        if e.id != "Sn1"
        else Solution(id="Sn1", text="t", status=Status.STALE, record_id=record, reason="changed")
        for e in _good_elements()
    ]
    assert _check(_module(elements, _GOOD_SUPPORT, _GOOD_CONTEXT)) == [Check.SOLUTION_EVIDENCE]


def test_document_solution_must_exist() -> None:
    assert Check.SOLUTION_EVIDENCE in _check(
        _module(_good_elements(), _GOOD_SUPPORT, _GOOD_CONTEXT), exists=False
    )


@pytest.mark.parametrize(
    "context",
    [
        Context(id="C1", text="Hazard HAZ_GONE", need_id="HAZ_GONE"),
        Context(id="C1", text="  "),
    ],
    ids=["unknown-need", "empty"],
)
def test_context_not_resolvable(context: Context) -> None:
    elements = [e if e.id != "C1" else context for e in _good_elements()]
    assert _check(_module(elements, _GOOD_SUPPORT, _GOOD_CONTEXT)) == [Check.CONTEXT_RESOLVABLE]


@pytest.mark.parametrize(("module", "goal"), [("NOWHERE", "GT"), ("TOOLS", "G_MISSING")])
def test_away_goal_not_resolvable(module: str, goal: str) -> None:
    elements = [
        e if e.id != "AG1" else AwayGoal(id="AG1", text="Tools", module=module, goal=goal)
        for e in _good_elements()
    ]
    assert _check(_module(elements, _GOOD_SUPPORT, _GOOD_CONTEXT)) == [Check.AWAY_GOAL_RESOLVABLE]


def test_finding_reads_as_a_line() -> None:
    elements = [e if e.id != "C1" else Context(id="C1", text="") for e in _good_elements()]
    found = check_argument(
        Argument(modules=(_module(elements, _GOOD_SUPPORT, _GOOD_CONTEXT), _TOOLS))
    )
    assert str(found[0]) == "SG_A/C1: context-resolvable: context says nothing"
