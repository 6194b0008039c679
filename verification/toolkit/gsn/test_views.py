"""Tests of the split of wide modules into views (safety_case/gsn/_views.py).

Covers: a narrow module stays one view, unchanged; a wide one is cut into
a top view (same id, same root) and one view per cut goal, the widest
subtree first; each cut goal is an away goal in its parent's view, naming
the view, carrying the goal's text, need and status, and the root of its
own view; a root too wide because of its strategies has goals below them
cut; every element of the module appears in some view, contexts stay with
their element; the views are well-formed GSN modules (single root,
reachable, legal relations); and the module's own elements keep their ids.
"""

from safety_case.gsn import (
    Argument,
    AwayGoal,
    Check,
    Context,
    Goal,
    InContextOf,
    Module,
    Solution,
    Status,
    Strategy,
    SupportedBy,
    check_argument,
    partition,
    view_id,
)


def _wide(requirements: int, methods: int, records: int) -> Module:
    """SG -> strategy -> requirements -> strategy -> methods -> records."""
    elements: list[Goal | Strategy | Solution | Context] = [
        Goal(id="G_SG", text="goal", need_id="SG", status=Status.FAILING),
        Context(id="C_HAZ", text="hazard", need_id="HAZ"),
        Strategy(id="S_SG", text="over requirements", status=Status.FAILING),
    ]
    supported = [SupportedBy(source="G_SG", target="S_SG")]
    contexts = [InContextOf(source="G_SG", target="C_HAZ")]
    for r in range(requirements):
        goal, strategy = f"G_R{r}", f"S_R{r}"
        status = Status.FAILING if r == 0 else Status.SUPPORTED
        elements += [
            Goal(id=goal, text=f"R{r} is met", need_id=f"R{r}", status=status),
            Strategy(id=strategy, text="over methods", status=status),
            Context(id=f"C_R{r}", text=f"implemented by unit {r}"),
        ]
        supported += [
            SupportedBy(source="S_SG", target=goal),
            SupportedBy(source=goal, target=strategy),
        ]
        contexts.append(InContextOf(source=goal, target=f"C_R{r}"))
        for m in range(methods):
            method = f"G_R{r}_M{m}"
            elements.append(Goal(id=method, text=f"method {m}", need_id=f"R{r}", status=status))
            supported.append(SupportedBy(source=strategy, target=method))
            for n in range(records):
                solution = f"Sn_{r}_{m}_{n}"
                elements.append(
                    Solution(id=solution, text="test", status=status, record_id=solution)
                )
                supported.append(SupportedBy(source=method, target=solution))
    return Module(
        id="SG",
        title="Goal",
        elements=tuple(elements),
        supported_by=tuple(supported),
        in_context_of=tuple(contexts),
    )


def test_a_narrow_module_stays_one_view() -> None:
    module = _wide(requirements=1, methods=2, records=1)
    assert partition(module) == (module,)


def test_a_wide_module_is_cut_into_views_joined_by_away_goals() -> None:
    module = _wide(requirements=12, methods=3, records=4)
    views = partition(module)
    assert len(views) > 1
    top = views[0]
    assert top.id == "SG"
    assert top.root is not None
    assert top.root.id == "G_SG"
    stubs = [e for e in top.elements if isinstance(e, AwayGoal)]
    assert stubs
    by_id = {view.id: view for view in views}
    for stub in stubs:
        original = module.element(stub.goal)
        assert isinstance(original, Goal)
        assert stub.module == view_id("SG", stub.goal)
        assert (stub.text, stub.need_id, stub.status) == (
            original.text,
            original.need_id,
            original.status,
        )
        view = by_id[stub.module]
        assert view.root == original
        assert view.title == original.text


def test_every_element_is_drawn_somewhere_with_its_contexts() -> None:
    module = _wide(requirements=12, methods=3, records=9)
    views = partition(module)
    drawn = {e.id for view in views for e in view.elements if not isinstance(e, AwayGoal)}
    assert drawn == {e.id for e in module.elements}
    for view in views:
        ids = {e.id for e in view.elements}
        for relation in view.in_context_of:
            assert {relation.source, relation.target} <= ids
        for support in view.supported_by:
            assert {support.source, support.target} <= ids


def test_the_views_are_well_formed_gsn_modules() -> None:
    views = partition(_wide(requirements=12, methods=3, records=4))
    findings = check_argument(Argument(modules=views), counting_records=None)
    structural = {
        Check.SINGLE_ROOT,
        Check.REACHABLE,
        Check.LEGAL_RELATIONS,
        Check.NO_CYCLES,
        Check.UNIQUE_IDS,
        Check.AWAY_GOAL_RESOLVABLE,
    }
    assert [f for f in findings if f.check in structural] == []


def test_the_widest_subtree_is_cut_first_and_small_ones_stay() -> None:
    module = _wide(requirements=3, methods=2, records=1)
    wide_goal = [
        *[Goal(id=f"G_R0_X{i}", text="x", need_id="R0") for i in range(12)],
    ]
    widened = module.model_copy(
        update={
            "elements": (*module.elements, *wide_goal),
            "supported_by": (
                *module.supported_by,
                *(SupportedBy(source="S_R0", target=g.id) for g in wide_goal),
            ),
        }
    )
    views = partition(widened, max_width=16)
    assert [v.id for v in views] == ["SG", view_id("SG", "G_R0")]


def test_goals_below_strategies_are_cut_when_the_root_is_too_wide() -> None:
    elements: list[Goal | Strategy | Context] = [Goal(id="G_ROOT", text="root")]
    supported = []
    contexts = []
    for i in range(3):
        elements += [
            Strategy(id=f"S{i}", text="over"),
            Goal(id=f"G{i}", text="claim", need_id=f"R{i}", undeveloped=True),
            Context(id=f"C{i}", text="unit"),
        ]
        supported += [
            SupportedBy(source="G_ROOT", target=f"S{i}"),
            SupportedBy(source=f"S{i}", target=f"G{i}"),
        ]
        contexts.append(InContextOf(source=f"G{i}", target=f"C{i}"))
    module = Module(
        id="M",
        title="t",
        elements=tuple(elements),
        supported_by=tuple(supported),
        in_context_of=tuple(contexts),
    )
    views = partition(module, max_width=8)
    # 3 x 4 units at the root: cutting the widest (then by id) G2, then G1, leaves 8
    assert [v.id for v in views] == ["M", view_id("M", "G1"), view_id("M", "G2")]
    assert isinstance(views[0].element("AG_G2"), AwayGoal)
    assert views[2].in_context_of == (InContextOf(source="G2", target="C2"),)
