"""Split a wide GSN module into diagrams of readable width, joined by away goals.

Layer 4 (producers). A safety goal argued down to dozens of requirements,
each over several methods closed by many records, draws thousands of points
wide. :func:`partition` cuts such a module into views (GSN Community
Standard v3 modules): the top view keeps the module's root and id, and every
goal whose subtree would make its parent too wide becomes the root of a view
of its own, shown in its parent's view as an away goal that names that view.
The cut is made bottom-up and greedily (the widest subtree first), so a small
argument stays one diagram and a large one splits where it branches most.
The argument itself (statuses, counts, checks, the gate) is not changed:
views are only how it is drawn. ASIL: tool for ASIL D development.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Final

from safety_case.gsn._model import AwayGoal, Element, Goal, InContextOf, Module, SupportedBy

__all__ = [
    "DEFAULT_MAX_WIDTH",
    "LEAVES_PER_ROW",
    "SOLUTIONS_PER_ROW",
    "VIEW_SEPARATOR",
    "partition",
    "view_id",
]

DEFAULT_MAX_WIDTH: Final = 20
"""Widest a view may grow, in units of about 100 points (a goal box is two)."""
SOLUTIONS_PER_ROW: Final = 6
"""More solutions of one goal than this are drawn as a table with rows this long."""
LEAVES_PER_ROW: Final = 6
"""More leaves (away goals, undeveloped goals) of one parent than this are stacked in rows."""
_BOX: Final = 2
"""Width of a goal, strategy, context or away goal in units."""
_CIRCLE: Final = 1
"""Width of a solution circle in units."""
_TABLE: Final = 8
"""Width of a table of solutions in units."""
VIEW_SEPARATOR: Final = "__"
"""Between a module's id and a cut goal's id in the id of the goal's view."""


def view_id(module_id: str, goal_id: str) -> str:
    """Id of the view of ``module_id`` rooted at ``goal_id`` (also its page and file name)."""
    return f"{module_id}{VIEW_SEPARATOR}{goal_id}"


def partition(module: Module, max_width: int = DEFAULT_MAX_WIDTH) -> tuple[Module, ...]:
    """The views of ``module``: its top view first (same id), then one per cut goal.

    Every element appears in the view of the nearest cut goal above it (or
    the top view); a cut goal appears as an :class:`AwayGoal` in the views of
    its parents, carrying its text, need and status, and as the root of its
    own view. A module already narrow enough is returned unchanged, alone.
    """
    root = module.root
    if root is None:
        return (module,)
    shape = _Shape(module)
    cuts = shape.cuts(root.id, max_width)
    if not cuts:
        return (module,)
    by_id = {e.id: e for e in module.elements}
    views = [_view(module, shape, by_id, title=module.title, root=root.id, cuts=cuts)]
    for goal_id in shape.order(root.id, cuts):
        title = by_id[goal_id].text if goal_id in by_id else goal_id
        views.append(_view(module, shape, by_id, title=title, root=goal_id, cuts=cuts))
    return tuple(views)


class _Shape:
    """The tree of a module as the renderer lays it out: children, contexts, widths."""

    def __init__(self, module: Module) -> None:
        self.kinds = {e.id: e.kind for e in module.elements}
        self.children: dict[str, list[str]] = defaultdict(list)
        self.parents: dict[str, list[str]] = defaultdict(list)
        for relation in module.supported_by:
            self.children[relation.source].append(relation.target)
            self.parents[relation.target].append(relation.source)
        self.contexts: dict[str, list[str]] = defaultdict(list)
        for context in module.in_context_of:
            self.contexts[context.source].append(context.target)

    def cuts(self, root: str, max_width: int) -> set[str]:
        """Goals to draw in views of their own, so that no view exceeds ``max_width``.

        Bottom-up: a node drawn too wide has its widest goal below it cut
        (the nearest goals, through strategies), until it fits or no goal
        below it is wider than a box.
        """
        cut: set[str] = set()
        widths: dict[str, int] = {}
        for node in self._post_order(root):
            while self._width(node, self.children.get(node, []), widths, cut) > max_width:
                candidates = [
                    goal for goal in self._nearest_goals(node, cut) if widths.get(goal, _BOX) > _BOX
                ]
                if not candidates:
                    break
                chosen = max(candidates, key=lambda c: (widths.get(c, _BOX), c))
                cut.add(chosen)
                self._remeasure_above(chosen, widths, cut)
            widths[node] = self._width(node, self.children.get(node, []), widths, cut)
        return cut

    def _remeasure_above(self, goal: str, widths: dict[str, int], cut: set[str]) -> None:
        """Width again of the strategies between a newly cut ``goal`` and the node above."""
        stack = list(self.parents.get(goal, []))
        seen: set[str] = set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if self.kinds.get(node) == "strategy" and node in widths:
                widths[node] = self._width(node, self.children.get(node, []), widths, cut)
                stack.extend(self.parents.get(node, []))

    def _nearest_goals(self, node: str, cut: set[str]) -> list[str]:
        """The uncut goals below ``node`` reached through strategies only."""
        found: list[str] = []
        stack = list(self.children.get(node, []))
        seen: set[str] = set()
        while stack:
            child = stack.pop()
            if child in seen or child in cut:
                continue
            seen.add(child)
            kind = self.kinds.get(child)
            if kind == "goal":
                found.append(child)
            elif kind == "strategy":
                stack.extend(self.children.get(child, []))
        return found

    def _width(
        self, node: str, children: Sequence[str], widths: Mapping[str, int], cut: set[str]
    ) -> int:
        """Width of ``node``'s subtree as drawn: its rank with its contexts, or what is below."""
        solutions = sum(1 for c in children if self.kinds.get(c) == "solution")
        tabled = _TABLE if solutions > SOLUTIONS_PER_ROW else solutions * _CIRCLE
        leaves = [
            c
            for c in children
            if self.kinds.get(c) != "solution"
            and (c in cut or not (self.children.get(c) or self.contexts.get(c)))
        ]
        inner = sum(
            widths.get(c, _BOX)
            for c in children
            if self.kinds.get(c) != "solution" and c not in leaves
        )
        below = tabled + min(len(leaves), LEAVES_PER_ROW) * _BOX + inner
        return max(_BOX * (1 + len(self.contexts.get(node, ()))), below)

    def _post_order(self, root: str) -> list[str]:
        """Nodes below ``root`` (itself included), each after all of its children."""
        order: list[str] = []
        seen: set[str] = set()
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(self.children.get(node, [])))
        return order

    def order(self, root: str, cuts: set[str]) -> list[str]:
        """The cut goals in depth-first pre-order from ``root`` (the order of their pages)."""
        found: list[str] = []
        seen: set[str] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node in cuts:
                found.append(node)
            stack.extend(reversed(self.children.get(node, [])))
        return found


def _view(  # noqa: PLR0913 - the module, its shape and which part to draw
    module: Module,
    shape: _Shape,
    by_id: Mapping[str, Element],
    *,
    title: str,
    root: str,
    cuts: set[str],
) -> Module:
    """The view rooted at ``root``: down to (and stubbing) the cut goals below it."""
    top = module.root is not None and module.root.id == root
    kept: dict[str, Element] = {}
    supported: list[SupportedBy] = []
    in_context: list[InContextOf] = []
    stack = [root]
    while stack:
        node = stack.pop()
        element = by_id.get(node)
        if node in kept or element is None:
            continue
        kept[node] = element
        for target in shape.contexts.get(node, []):
            if target in by_id:
                kept.setdefault(target, by_id[target])
                in_context.append(InContextOf(source=node, target=target))
        for child in shape.children.get(node, []):
            stub = _stub(by_id.get(child), module.id) if child in cuts and child != root else None
            if stub is not None:
                kept.setdefault(stub.id, stub)
            supported.append(SupportedBy(source=node, target=stub.id if stub else child))
            if stub is None:
                stack.append(child)
    return Module(
        id=module.id if top else view_id(module.id, root),
        title=title,
        elements=(kept[root], *(e for i, e in kept.items() if i != root)),
        supported_by=tuple(supported),
        in_context_of=tuple(in_context),
    )


def _stub(goal: Element | None, module_id: str) -> AwayGoal | None:
    """The away goal standing for the cut ``goal`` in its parents' views."""
    if not isinstance(goal, Goal):
        return None
    return AwayGoal(
        id=f"AG_{goal.id}",
        text=goal.text,
        need_id=goal.need_id,
        module=view_id(module_id, goal.id),
        goal=goal.id,
        status=goal.status,
    )
