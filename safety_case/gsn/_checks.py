"""Well-formedness and completeness checks on a GSN argument.

Layer 4 (producers). The structural checks follow gsn2x's list (DESIGN.md
section 7) and the GSN Community Standard v3: no cycles, a single root goal
per module, every element reachable from it, only legal relations, every
leaf goal or strategy developed or explicitly undeveloped, away goals
resolvable to their module. The evidence checks make the argument
trustworthy for ISO 26262-8:2018 clause 8 (change management): every
solution is a fresh, passing record (or an existing document), every
context resolves to a known need. ASIL: tool for ASIL D development.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from safety_case.gsn._model import (
    Argument,
    Assumption,
    AwayGoal,
    Context,
    Goal,
    Justification,
    Module,
    Solution,
    Strategy,
)

__all__ = ["Check", "Finding", "check_argument"]


class Check(StrEnum):
    """Stable ids of the checks."""

    UNIQUE_IDS = "unique-ids"
    """Element ids are unique within a module."""
    NO_CYCLES = "no-cycles"
    """SupportedBy never leads back to where it started."""
    SINGLE_ROOT = "single-root"
    """Each module has exactly one root, and it is a goal."""
    REACHABLE = "reachable"
    """Every element is reachable from the root."""
    LEGAL_RELATIONS = "legal-relations"
    """Relations join existing elements of the kinds GSN allows."""
    LEAF_DEVELOPED = "leaf-developed"
    """A goal or strategy without support is explicitly undeveloped."""
    SOLUTION_EVIDENCE = "solution-evidence"
    """Every solution is a fresh passing record or an existing document."""
    CONTEXT_RESOLVABLE = "context-resolvable"
    """Contexts name known needs and say something."""
    AWAY_GOAL_RESOLVABLE = "away-goal-resolvable"
    """An away goal names a goal that its module has."""


class Finding(BaseModel):
    """One problem found in the argument."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    check: Check
    """Which check found it."""
    module: str
    """Module id."""
    element: str
    """Element id ('' for the module as a whole)."""
    message: str
    """What is wrong, naming the elements."""

    def __str__(self) -> str:
        where = f"{self.module}/{self.element}" if self.element else self.module
        return f"{where}: {self.check.value}: {self.message}"


_SUPPORTERS = (Goal, Strategy)
_SUPPORTED = (Goal, Strategy, Solution, AwayGoal)
_CONTEXTS = (Context, Assumption, Justification)


def check_argument(
    argument: Argument,
    counting_records: Collection[str] | None = None,
    known_needs: Collection[str] | None = None,
    document_exists: Callable[[str], bool] | None = None,
) -> list[Finding]:
    """Every finding on ``argument``; an empty list when it is well formed and complete.

    Args:
        argument: the argument to check.
        counting_records: ids of the records that are fresh and passing now;
            ``None`` skips the evidence check.
        known_needs: ids of the needs; ``None`` skips the need part of the
            context check.
        document_exists: tells whether a document solution's path exists;
            ``None`` accepts every document.
    """
    findings: list[Finding] = []
    for module in argument.modules:
        findings += _structure(module)
        findings += _evidence(module, counting_records, document_exists)
        findings += _contexts(module, known_needs)
        findings += _away_goals(module, argument)
    return findings


def _structure(module: Module) -> list[Finding]:
    def finding(check: Check, element: str, message: str) -> Finding:
        return Finding(check=check, module=module.id, element=element, message=message)

    found: list[Finding] = []
    by_id: dict[str, object] = {}
    for element in module.elements:
        if element.id in by_id:
            found.append(finding(Check.UNIQUE_IDS, element.id, "id used by two elements"))
        by_id[element.id] = element
    found += _relations(module, by_id, finding)
    children: dict[str, list[str]] = defaultdict(list)
    for relation in module.supported_by:
        children[relation.source].append(relation.target)
    contexts: dict[str, list[str]] = defaultdict(list)
    for link in module.in_context_of:
        contexts[link.source].append(link.target)
    targets = {r.target for r in module.supported_by} | {r.target for r in module.in_context_of}
    roots = [e.id for e in module.elements if e.id not in targets]
    if len(roots) != 1:
        found.append(
            finding(Check.SINGLE_ROOT, "", f"{len(roots)} roots ({', '.join(roots)}), want 1")
        )
    for root in roots[:1]:
        if not isinstance(by_id.get(root), Goal):
            found.append(finding(Check.SINGLE_ROOT, root, "the root is not a goal"))
        reached = _reach(root, children, contexts)
        found += [
            finding(Check.REACHABLE, e.id, f"not reachable from the root {root}")
            for e in module.elements
            if e.id not in reached
        ]
    found += [
        finding(Check.NO_CYCLES, element, "SupportedBy leads back to this element")
        for element in _on_cycles(children)
    ]
    found += [
        finding(Check.LEAF_DEVELOPED, e.id, f"{e.kind} has no support and is not undeveloped")
        for e in module.elements
        if isinstance(e, _SUPPORTERS) and not children.get(e.id) and not e.undeveloped
    ]
    return found


def _relations(
    module: Module,
    by_id: Mapping[str, object],
    finding: Callable[[Check, str, str], Finding],
) -> list[Finding]:
    found: list[Finding] = []
    legal = (
        ("SupportedBy", module.supported_by, _SUPPORTERS, _SUPPORTED),
        ("InContextOf", module.in_context_of, _SUPPORTERS, _CONTEXTS),
    )
    for name, relations, sources, targets in legal:
        for relation in relations:
            source, target = by_id.get(relation.source), by_id.get(relation.target)
            if source is None or target is None:
                missing = relation.source if source is None else relation.target
                message = f"{name} {relation.source} -> {relation.target}: no element {missing}"
            elif not isinstance(source, sources) or not isinstance(target, targets):
                message = (
                    f"{name} from a {getattr(source, 'kind', '?')} to a "
                    f"{getattr(target, 'kind', '?')} is not allowed"
                )
            else:
                continue
            found.append(finding(Check.LEGAL_RELATIONS, relation.source, message))
    return found


def _reach(
    root: str, children: Mapping[str, list[str]], contexts: Mapping[str, list[str]]
) -> set[str]:
    reached = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        for nxt in (*children.get(node, ()), *contexts.get(node, ())):
            if nxt not in reached:
                reached.add(nxt)
                stack.append(nxt)
    return reached


def _on_cycles(children: Mapping[str, list[str]]) -> list[str]:
    """Elements on a SupportedBy cycle, by an iterative depth-first search."""
    white, grey, black = 0, 1, 2
    colour: dict[str, int] = defaultdict(int)
    on_cycle: list[str] = []
    for start in list(children):
        if colour[start] != white:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                colour[node] = grey
                path.append(node)
            following = children.get(node, [])
            if index < len(following):
                stack.append((node, index + 1))
                nxt = following[index]
                if colour[nxt] == grey:
                    on_cycle.extend(path[path.index(nxt) :])
                elif colour[nxt] == white:
                    stack.append((nxt, 0))
            else:
                colour[node] = black
                path.pop()
    return list(dict.fromkeys(on_cycle))


def _evidence(
    module: Module,
    counting: Collection[str] | None,
    document_exists: Callable[[str], bool] | None,
) -> list[Finding]:
    found: list[Finding] = []
    for element in module.elements:
        if not isinstance(element, Solution):
            continue
        if element.record_id is not None:
            if counting is not None and element.record_id not in counting:
                why = f" ({element.reason})" if element.reason else ""
                found.append(
                    Finding(
                        check=Check.SOLUTION_EVIDENCE,
                        module=module.id,
                        element=element.id,
                        message=f"record {element.record_id} is not fresh and passing"
                        f" ({element.status.value}){why}",
                    )
                )
        elif element.document is None or (
            document_exists is not None and not document_exists(element.document)
        ):
            found.append(
                Finding(
                    check=Check.SOLUTION_EVIDENCE,
                    module=module.id,
                    element=element.id,
                    message=f"solution is neither a record nor an existing document "
                    f"({element.document or 'no document'})",
                )
            )
    return found


def _contexts(module: Module, known_needs: Collection[str] | None) -> list[Finding]:
    found: list[Finding] = []
    for element in module.elements:
        if not isinstance(element, _CONTEXTS):
            continue
        problem = ""
        if not element.text.strip():
            problem = "says nothing"
        elif known_needs is not None and element.need_id and element.need_id not in known_needs:
            problem = f"names the unknown need {element.need_id}"
        if problem:
            found.append(
                Finding(
                    check=Check.CONTEXT_RESOLVABLE,
                    module=module.id,
                    element=element.id,
                    message=f"{element.kind} {problem}",
                )
            )
    return found


def _away_goals(module: Module, argument: Argument) -> list[Finding]:
    found: list[Finding] = []
    for element in module.elements:
        if not isinstance(element, AwayGoal):
            continue
        target = argument.module(element.module)
        if target is None:
            problem = f"module {element.module} does not exist"
        elif not isinstance(target.element(element.goal), Goal):
            problem = f"module {element.module} has no goal {element.goal}"
        else:
            continue
        found.append(
            Finding(
                check=Check.AWAY_GOAL_RESOLVABLE,
                module=module.id,
                element=element.id,
                message=problem,
            )
        )
    return found
