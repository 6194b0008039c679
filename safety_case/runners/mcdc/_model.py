"""The shape of a decision: its conditions and the boolean tree that joins them.

Layer 4 (producers). A decision is a boolean expression in a branch point
(``if``, ``while``, ``assert``, a conditional expression, a comprehension
filter, a match guard) or any other expression built from ``and``, ``or`` and
``not`` (a boolean ``return`` or assignment, a call argument). Its
conditions are the leaves of the ``and``/``or``/``not`` tree; a chained
comparison ``a < b < c`` is an implicit ``and`` of two conditions
(RTCA DO-178C glossary: condition, decision; ISO 26262-6:2018 Table 9).
"""

from dataclasses import dataclass
from typing import Any

__all__ = [
    "And",
    "Condition",
    "Decision",
    "Evaluation",
    "Leaf",
    "Node",
    "Not",
    "Or",
    "node_from_json",
    "node_to_json",
]


@dataclass(frozen=True)
class Leaf:
    """Condition number ``index`` of the decision."""

    index: int
    """Position of the condition, in evaluation order (left to right)."""


@dataclass(frozen=True)
class Not:
    """Negation of a sub-expression."""

    operand: "Node"
    """The negated sub-expression."""


@dataclass(frozen=True)
class And:
    """Short-circuit conjunction: operands are evaluated until one is false."""

    operands: "tuple[Node, ...]"
    """Operands in evaluation order."""


@dataclass(frozen=True)
class Or:
    """Short-circuit disjunction: operands are evaluated until one is true."""

    operands: "tuple[Node, ...]"
    """Operands in evaluation order."""


Node = Leaf | Not | And | Or
"""A node of a decision's boolean tree."""

Evaluation = tuple[tuple[bool | None, ...], bool]
"""One evaluation of a decision: each condition's value (``None`` when
short-circuiting left it unevaluated, a "don't care") and the outcome."""


@dataclass(frozen=True)
class Condition:
    """One condition of a decision, with where it is written."""

    index: int
    """Position in the decision's condition vector."""
    text: str
    """Source text of the condition."""
    line: int
    """Line of the condition."""
    col: int
    """Column of the condition (0-based)."""


@dataclass(frozen=True)
class Decision:
    """A decision found by the instrumenter."""

    module: str
    """Dotted module name."""
    index: int
    """Position of the decision in its module (stable for a given source)."""
    function: str
    """Qualified name of the enclosing function or class (the module for top-level code)."""
    kind: str
    """Where it stands: ``if``, ``while``, ``assert``, ``ifexp``, ``comprehension_if``,
    ``match_guard``, ``return``, ``assign`` or ``expression``."""
    text: str
    """Source text of the whole decision."""
    line: int
    """Line of the decision."""
    col: int
    """Column of the decision (0-based)."""
    tree: Node
    """The boolean tree over the conditions."""
    conditions: tuple[Condition, ...]
    """The conditions, by index."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (transported between xdist workers and written in reports)."""
        return {
            "module": self.module,
            "index": self.index,
            "function": self.function,
            "kind": self.kind,
            "text": self.text,
            "line": self.line,
            "col": self.col,
            "tree": node_to_json(self.tree),
            "conditions": [
                {"index": c.index, "text": c.text, "line": c.line, "col": c.col}
                for c in self.conditions
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Decision":
        """Inverse of :meth:`to_json`."""
        return cls(
            module=data["module"],
            index=data["index"],
            function=data["function"],
            kind=data["kind"],
            text=data["text"],
            line=data["line"],
            col=data["col"],
            tree=node_from_json(data["tree"]),
            conditions=tuple(Condition(**c) for c in data["conditions"]),
        )


def node_to_json(node: Node) -> Any:
    """``["and", [...]]``, ``["or", [...]]``, ``["not", x]`` or the condition index."""
    match node:
        case Leaf(index):
            return index
        case Not(operand):
            return ["not", node_to_json(operand)]
        case And(operands):
            return ["and", [node_to_json(o) for o in operands]]
        case Or(operands):
            return ["or", [node_to_json(o) for o in operands]]


def node_from_json(data: Any) -> Node:
    """Inverse of :func:`node_to_json`."""
    if isinstance(data, int):
        return Leaf(data)
    operator, operand = data
    if operator == "not":
        return Not(node_from_json(operand))
    children = tuple(node_from_json(o) for o in operand)
    return And(children) if operator == "and" else Or(children)
