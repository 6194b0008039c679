"""Which conditions of a decision have shown their independent effect on its outcome.

Layer 4 (producers). Pure functions over recorded evaluations; hand-written
because no Python library computes MC/DC (DESIGN.md section 7).

Two criteria (Chilenski, "An Investigation of Three Forms of the Modified
Condition Decision Coverage (MCDC) Criterion", DOT/FAA/AR-01/18, 2001),
both adapted to short-circuit evaluation, where a condition left
unevaluated is a "don't care":

* unique-cause: a pair of evaluations in which the condition takes both
  values, the outcome takes both values, and every other condition is equal
  or unevaluated in one of the two;
* masking: a pair of evaluations in which the condition takes both values and,
  in each, the condition is not masked: every other evaluated operand of each
  ``and`` above it is true and of each ``or`` above it is false, so the
  outcome follows the condition (the outcome then differs necessarily).
  Other conditions may differ when they are masked.

Every unique-cause pair is a masking pair, so masking coverage is never lower.
"""

from collections.abc import Iterable

from safety_case.runners.mcdc._model import And, Evaluation, Leaf, Node, Not, Or

__all__ = ["masking_covered", "node_value", "unique_cause_covered"]

Vector = tuple[bool | None, ...]


def node_value(node: Node, vector: Vector) -> bool | None:
    """Value of a sub-expression under short-circuit rules; ``None`` if it was not evaluated."""
    match node:
        case Leaf(index):
            return vector[index]
        case Not(operand):
            value = node_value(operand, vector)
            return None if value is None else not value
        case And(operands) | Or(operands):
            stop_on = isinstance(node, Or)  # an `and` stops at False, an `or` at True
            result: bool | None = None
            for operand in operands:
                value = node_value(operand, vector)
                if value is None:
                    break
                result = value
                if value is stop_on:
                    break
            return result


def _path_to(node: Node, index: int) -> list[tuple[Node, int]] | None:
    """Ancestors of condition ``index`` with the position of the child on the path."""
    match node:
        case Leaf(leaf_index):
            return [] if leaf_index == index else None
        case Not(operand):
            below = _path_to(operand, index)
            return None if below is None else [(node, 0), *below]
        case And(operands) | Or(operands):
            for position, operand in enumerate(operands):
                below = _path_to(operand, index)
                if below is not None:
                    return [(node, position), *below]
            return None


def _determines(tree: Node, index: int, vector: Vector) -> bool:
    """Whether condition ``index`` was evaluated and not masked in this evaluation."""
    if vector[index] is None:
        return False
    path = _path_to(tree, index)
    if path is None:
        return False
    for ancestor, position in path:
        if isinstance(ancestor, Not):
            continue
        assert isinstance(ancestor, And | Or)
        neutral = isinstance(ancestor, And)  # True leaves an `and` open, False an `or`
        for other_position, other in enumerate(ancestor.operands):
            if other_position == position:
                continue
            value = node_value(other, vector)
            if value is not None and value is not neutral:
                return False
    return True


def _distinct(evaluations: Iterable[Evaluation]) -> list[Evaluation]:
    return sorted(set(evaluations), key=repr)


def unique_cause_covered(n_conditions: int, evaluations: Iterable[Evaluation]) -> frozenset[int]:
    """Conditions shown independent by a unique-cause pair (with "don't care").

    Args:
        n_conditions: number of conditions of the decision.
        evaluations: observed condition vectors with their outcome.
    """
    seen = _distinct(evaluations)
    covered: set[int] = set()
    for first_position, (first, first_outcome) in enumerate(seen):
        for second, second_outcome in seen[first_position + 1 :]:
            if first_outcome == second_outcome:
                continue
            differing = [
                i
                for i in range(n_conditions)
                if first[i] is not None and second[i] is not None and first[i] != second[i]
            ]
            if len(differing) == 1:
                covered.add(differing[0])
    return frozenset(covered)


def masking_covered(
    tree: Node, n_conditions: int, evaluations: Iterable[Evaluation]
) -> frozenset[int]:
    """Conditions shown independent by a masking pair.

    Args:
        tree: the decision's boolean tree.
        n_conditions: number of conditions of the decision.
        evaluations: observed condition vectors with their outcome.
    """
    seen = _distinct(evaluations)
    covered: set[int] = set()
    for index in range(n_conditions):
        values = {
            vector[index]: outcome for vector, outcome in seen if _determines(tree, index, vector)
        }
        if len(values) == 2 and values[True] != values[False]:
            covered.add(index)
    return frozenset(covered)
