"""Rewrite a module's syntax tree so that every decision records its condition vector.

Layer 4 (producers). Hand-written: no Python tool instruments conditions
(coverage.py measures lines and arcs only; DESIGN.md section 7).

Each decision ``E`` becomes ``END(id, BEGIN(id), E')`` where ``E'`` is ``E``
with every condition ``c`` replaced by ``COND(id, i, c)``. Each helper
returns its last argument unchanged, so values, short-circuiting and side
effects are those of the original code; a chained comparison
``a < b < c`` becomes ``COND(id, 0, a < KEEP(b)) and COND(id, 1, TAKE() < c)``
so ``b`` is still evaluated once. Line and column numbers are kept, so
coverage.py and tracebacks still point at the source.
"""

import ast
import copy
from dataclasses import dataclass, field
from typing import Final

from safety_case.runners.mcdc._model import And, Condition, Decision, Leaf, Node, Not, Or

__all__ = ["BEGIN", "COND", "END", "KEEP", "RUNTIME_NAMES", "TAKE", "instrument"]

BEGIN: Final = "__safety_case_mcdc_begin__"
"""Name of the helper that opens one evaluation of a decision."""
COND: Final = "__safety_case_mcdc_cond__"
"""Name of the helper that records one condition's value."""
END: Final = "__safety_case_mcdc_end__"
"""Name of the helper that records the outcome and closes the evaluation."""
KEEP: Final = "__safety_case_mcdc_keep__"
"""Name of the helper that keeps the middle operand of a chained comparison."""
TAKE: Final = "__safety_case_mcdc_take__"
"""Name of the helper that returns the kept operand."""
RUNTIME_NAMES: Final = (BEGIN, COND, END, KEEP, TAKE)
"""Every name the rewritten code expects in its module globals (dunder names are
never mangled inside class bodies)."""

_BRANCH_KINDS: Final = ("if", "while", "assert", "ifexp", "comprehension_if", "match_guard")


def instrument(tree: ast.Module, module: str) -> tuple[ast.Module, list[Decision]]:
    """Instrument every decision of ``tree`` (changed in place) and describe each one.

    Args:
        tree: the parsed module.
        module: its dotted name, used in each decision's qualified function name.

    Returns:
        The rewritten tree and its decisions; the rewritten code passes a decision's
        position in this list as the ``id`` argument of the helpers.
    """
    instrumenter = _Instrumenter(module)
    new_tree = instrumenter.visit(tree)
    assert isinstance(new_tree, ast.Module)
    ast.fix_missing_locations(new_tree)
    return new_tree, instrumenter.decisions


def _is_decision_like(node: ast.expr) -> bool:
    """An expression that carries its own decision even outside a branch point."""
    if isinstance(node, ast.BoolOp):
        return True
    if isinstance(node, ast.Compare):
        return len(node.ops) > 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _is_decision_like(node.operand)
    return False


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


@dataclass
class _Instrumenter(ast.NodeTransformer):
    module: str
    decisions: list[Decision] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)

    # -- scopes (for the qualified name of the enclosing unit) ------------------------------

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.AST:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._scoped(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._scoped(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        return self._scoped(node)

    # -- branch points -------------------------------------------------------------------------

    def _with_test(self, node: ast.If | ast.While | ast.Assert | ast.IfExp, kind: str) -> ast.AST:
        test = self._decision(node.test, kind)  # first, so decisions are numbered in source order
        node.test = ast.Constant(value=True)  # keep generic_visit off the decision
        self.generic_visit(node)
        node.test = test
        return node

    def visit_If(self, node: ast.If) -> ast.AST:
        return self._with_test(node, "if")

    def visit_While(self, node: ast.While) -> ast.AST:
        return self._with_test(node, "while")

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        return self._with_test(node, "assert")

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        return self._with_test(node, "ifexp")

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        ifs = node.ifs
        node.ifs = []
        self.generic_visit(node)
        node.ifs = [self._decision(test, "comprehension_if") for test in ifs]
        return node

    def visit_match_case(self, node: ast.match_case) -> ast.AST:
        guard = node.guard
        node.guard = None
        self.generic_visit(node)
        node.guard = None if guard is None else self._decision(guard, "match_guard")
        return node

    # -- boolean values outside branch points --------------------------------------------------

    def visit_Return(self, node: ast.Return) -> ast.AST:
        if node.value is not None and _is_decision_like(node.value):
            node.value = self._decision(node.value, "return")
            return node
        return self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        if _is_decision_like(node.value):
            node.targets = [self.visit(t) for t in node.targets]
            node.value = self._decision(node.value, "assign")
            return node
        return self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None and _is_decision_like(node.value):
            node.value = self._decision(node.value, "assign")
            return node
        return self.generic_visit(node)

    def _expression(self, node: ast.expr) -> ast.AST:
        if _is_decision_like(node):
            return self._decision(node, "expression")
        return self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        return self._expression(node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        return self._expression(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        return self._expression(node)

    # -- the rewrite of one decision -------------------------------------------------------------

    def _decision(self, expr: ast.expr, kind: str) -> ast.expr:
        leaves: list[ast.expr] = []
        tree = _shape(expr, leaves)
        if kind not in _BRANCH_KINDS and not _is_decision_like(expr):
            return self._visit_expr(expr)
        if all(isinstance(leaf, ast.Constant) for leaf in leaves):  # `while True:`
            return self._visit_expr(expr)
        decision_id = len(self.decisions)
        self.decisions.append(
            Decision(
                module=self.module,
                index=decision_id,
                function=".".join([self.module, *self.scope]),
                kind=kind,
                text=ast.unparse(expr),
                line=expr.lineno,
                col=expr.col_offset,
                tree=tree,
                conditions=tuple(
                    Condition(i, ast.unparse(leaf), leaf.lineno, leaf.col_offset)
                    for i, leaf in enumerate(leaves)
                ),
            )
        )
        counter = [0]
        body = self._rewrite(expr, decision_id, counter)
        opened = _call(BEGIN, ast.Constant(decision_id))
        wrapped = _call(END, ast.Constant(decision_id), opened, body)
        return ast.copy_location(wrapped, expr)

    def _visit_expr(self, expr: ast.expr) -> ast.expr:
        result = self.visit(expr)
        assert isinstance(result, ast.expr)
        return result

    def _condition(self, decision_id: int, counter: list[int], value: ast.expr) -> ast.expr:
        index = counter[0]
        counter[0] += 1
        call = _call(COND, ast.Constant(decision_id), ast.Constant(index), value)
        return ast.copy_location(call, value)

    def _rewrite(self, expr: ast.expr, decision_id: int, counter: list[int]) -> ast.expr:
        if isinstance(expr, ast.BoolOp):
            values = [self._rewrite(v, decision_id, counter) for v in expr.values]
            return ast.copy_location(ast.BoolOp(op=expr.op, values=values), expr)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
            operand = self._rewrite(expr.operand, decision_id, counter)
            return ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=operand), expr)
        if isinstance(expr, ast.Compare) and len(expr.ops) > 1:
            return self._rewrite_chain(expr, decision_id, counter)
        return self._condition(decision_id, counter, self._visit_expr(expr))

    def _rewrite_chain(self, expr: ast.Compare, decision_id: int, counter: list[int]) -> ast.expr:
        operands = [self._visit_expr(o) for o in [expr.left, *expr.comparators]]
        last = len(expr.ops) - 1
        parts: list[ast.expr] = []
        for position, operator in enumerate(expr.ops):
            left = operands[0] if position == 0 else _call(TAKE)
            right = operands[position + 1]
            if position < last:
                right = ast.copy_location(_call(KEEP, right), right)
            comparison = ast.Compare(left=left, ops=[operator], comparators=[right])
            ast.copy_location(comparison, expr)
            parts.append(self._condition(decision_id, counter, comparison))
        return ast.copy_location(ast.BoolOp(op=ast.And(), values=parts), expr)


def _shape(expr: ast.expr, leaves: list[ast.expr]) -> Node:
    """The boolean tree of ``expr``; appends its conditions to ``leaves`` in evaluation order."""
    if isinstance(expr, ast.BoolOp):
        children = tuple(_shape(v, leaves) for v in expr.values)
        return And(children) if isinstance(expr.op, ast.And) else Or(children)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return Not(_shape(expr.operand, leaves))
    if isinstance(expr, ast.Compare) and len(expr.ops) > 1:
        operands = [expr.left, *expr.comparators]
        parts: list[Node] = []
        for position, operator in enumerate(expr.ops):
            single = ast.Compare(
                left=copy.deepcopy(operands[position]),
                ops=[operator],
                comparators=[copy.deepcopy(operands[position + 1])],
            )
            ast.copy_location(single, operands[position])
            single.end_lineno = operands[position + 1].end_lineno
            single.end_col_offset = operands[position + 1].end_col_offset
            parts.append(Leaf(len(leaves)))
            leaves.append(single)
        return And(tuple(parts))
    leaves.append(expr)
    return Leaf(len(leaves) - 1)
