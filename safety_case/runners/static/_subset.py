"""The language-subset checker: an AST check of the coding rules a safety unit follows.

Layer 4 (producers). ISO 26262-6:2018 Table 1 (1b use of language subsets,
1f defensive implementation) and Table 6 (no recursion, no dynamic objects,
no hidden data or control flow, limited use of global variables) give the
rules; in Python they become syntax checks (DESIGN.md section 3).
Hand-written: ruff and pylint have no rule for recursion through a module's
call graph, unbounded loops or module-level mutable state.

Rules (each can be switched off by the caller):

* ``SUB001`` no recursion: a cycle in the module's call graph (direct or
  mutual; calls by plain name and ``self.``/``cls.`` method calls);
* ``SUB002`` no ``eval``, ``exec``, ``compile`` or ``__import__``;
* ``SUB003`` no dynamic attributes: ``setattr``, ``delattr``, writes
  through ``__dict__`` or ``vars()``;
* ``SUB004`` no mutable module-level state: a list, dict or set display or
  comprehension, or a call of a mutable container type, assigned at module
  level (``__all__`` excepted); wrap it in ``tuple``, ``frozenset`` or
  ``types.MappingProxyType``;
* ``SUB005`` no bare ``except:``;
* ``SUB006`` no unbounded ``while``: ``while True`` is forbidden, and any
  other ``while`` needs a ``# loop-bound: <why it ends>`` comment on its line
  or the line above;
* ``SUB007`` no ``global`` or ``nonlocal``;
* ``SUB008`` no ``assert`` statements (``python -O`` strips them; check
  preconditions with explicit ``if``/``raise``).
"""

import ast
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from safety_case.trace import python_files

__all__ = ["LOOP_BOUND_TAG", "Finding", "SubsetRule", "check_paths", "check_source"]

LOOP_BOUND_TAG: Final = "# loop-bound:"
"""The comment that justifies a ``while`` loop's bound (SUB006)."""

_DYNAMIC_CODE: Final = frozenset({"eval", "exec", "compile", "__import__"})
_DYNAMIC_ATTRIBUTES: Final = frozenset({"setattr", "delattr"})
_MUTABLE_CONSTRUCTORS: Final = frozenset(
    {"list", "dict", "set", "bytearray", "defaultdict", "deque", "Counter", "OrderedDict"}
)
_MUTABLE_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_EXEMPT_NAMES: Final = frozenset({"__all__"})


class SubsetRule(StrEnum):
    """Stable ids of the subset rules (see the module docstring)."""

    RECURSION = "SUB001"
    DYNAMIC_CODE = "SUB002"
    DYNAMIC_ATTRIBUTE = "SUB003"
    MUTABLE_MODULE_STATE = "SUB004"
    BARE_EXCEPT = "SUB005"
    UNBOUNDED_WHILE = "SUB006"
    GLOBAL_STATEMENT = "SUB007"
    ASSERT_STATEMENT = "SUB008"


@dataclass(frozen=True)
class Finding:
    """One violation of a subset rule."""

    path: str
    """Source file, as given to the checker."""
    line: int
    """Line of the violation."""
    col: int
    """Column (0-based)."""
    rule: SubsetRule
    """The rule violated."""
    message: str
    """What is wrong and how to fix it."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col + 1}: {self.rule.value} {self.message}"


def check_source(
    source: str, path: str, rules: Collection[SubsetRule] = tuple(SubsetRule)
) -> list[Finding]:
    """Every violation of ``rules`` in one module's source, sorted by position.

    Raises:
        SyntaxError: if the source does not parse.
    """
    tree = ast.parse(source, filename=path)
    lines = source.splitlines()
    findings: list[Finding] = []
    if SubsetRule.RECURSION in rules:
        findings.extend(_recursion(tree, path))
    if SubsetRule.MUTABLE_MODULE_STATE in rules:
        findings.extend(_module_state(tree, path))
    for node in ast.walk(tree):
        for rule, message in _node_findings(node, lines):
            if rule in rules:
                findings.append(Finding(path, node.lineno, node.col_offset, rule, message))  # type: ignore[attr-defined]
    return sorted(findings, key=lambda f: (f.line, f.col, f.rule))


def check_paths(
    paths: Iterable[Path], root: Path, rules: Collection[SubsetRule] = tuple(SubsetRule)
) -> dict[str, list[Finding]]:
    """Findings per Python file under ``paths`` (relative POSIX path from ``root``)."""
    results: dict[str, list[Finding]] = {}
    for file in python_files(paths):
        relative = file.resolve().relative_to(root.resolve()).as_posix()
        results[relative] = check_source(file.read_text(encoding="utf-8"), relative, rules)
    return results


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _node_findings(node: ast.AST, lines: list[str]) -> Iterator[tuple[SubsetRule, str]]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in _DYNAMIC_CODE:
            yield SubsetRule.DYNAMIC_CODE, f"{node.func.id}() runs code unknown before run time"
        if node.func.id in _DYNAMIC_ATTRIBUTES:
            yield SubsetRule.DYNAMIC_ATTRIBUTE, f"{node.func.id}() changes attributes at run time"
    if _writes_dict(node):
        yield SubsetRule.DYNAMIC_ATTRIBUTE, "writes attributes through __dict__ or vars()"
    if isinstance(node, ast.ExceptHandler) and node.type is None:
        yield SubsetRule.BARE_EXCEPT, "bare 'except:' also catches SystemExit and KeyboardInterrupt"
    if isinstance(node, ast.While):
        yield from _while(node, lines)
    if isinstance(node, ast.Global | ast.Nonlocal):
        keyword = "global" if isinstance(node, ast.Global) else "nonlocal"
        yield SubsetRule.GLOBAL_STATEMENT, f"'{keyword} {', '.join(node.names)}' hides data flow"
    if isinstance(node, ast.Assert):
        yield SubsetRule.ASSERT_STATEMENT, "assert is stripped by 'python -O'; raise explicitly"


def _is_dict_access(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "__dict__"
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vars"


def _writes_dict(node: ast.AST) -> bool:
    """``x.__dict__[k] = v``, ``del vars(x)[k]``, ``x.__dict__.update(...)`` and the like."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
        return _is_dict_access(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        mutators = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__"}
        return node.func.attr in mutators and _is_dict_access(node.func.value)
    return False


def _while(node: ast.While, lines: list[str]) -> Iterator[tuple[SubsetRule, str]]:
    test = node.test
    if isinstance(test, ast.Constant) and bool(test.value):
        yield SubsetRule.UNBOUNDED_WHILE, "'while True' has no bound; loop over a bounded range"
        return
    here = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    above = lines[node.lineno - 2] if node.lineno >= 2 else ""
    if LOOP_BOUND_TAG not in here and LOOP_BOUND_TAG not in above:
        yield (
            SubsetRule.UNBOUNDED_WHILE,
            f"'while' without a '{LOOP_BOUND_TAG} <why it ends>' comment; "
            "prefer a for loop over a bounded range",
        )


def _module_state(tree: ast.Module, path: str) -> Iterator[Finding]:
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets = statement.targets
            value: ast.expr | None = statement.value
        elif isinstance(statement, ast.AnnAssign):
            targets, value = [statement.target], statement.value
        else:
            continue
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if value is None or (names and names <= _EXEMPT_NAMES):
            continue
        mutable = _mutable_part(value)
        if mutable is not None:
            yield Finding(
                path,
                mutable.lineno,
                mutable.col_offset,
                SubsetRule.MUTABLE_MODULE_STATE,
                f"module-level mutable value '{ast.unparse(mutable)[:40]}'; "
                "use a tuple, frozenset or types.MappingProxyType",
            )


def _mutable_part(value: ast.expr) -> ast.expr | None:
    """The mutable container in a module-level value, if any (through tuples, not calls)."""
    if isinstance(value, _MUTABLE_DISPLAYS):
        return value
    if isinstance(value, ast.Call) and _called_name(value) in _MUTABLE_CONSTRUCTORS:
        return value
    if isinstance(value, ast.Tuple):
        for element in value.elts:
            found = _mutable_part(element)
            if found is not None:
                return found
    return None


@dataclass(frozen=True)
class _Function:
    qualified: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    owner: str | None


def _functions(tree: ast.Module) -> list[_Function]:
    found: list[_Function] = []
    stack: list[tuple[str, ast.AST, str | None]] = [("", tree, None)]
    while stack:  # loop-bound: one visit per node of a finite tree
        prefix, node, owner = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                qualified = f"{prefix}{child.name}"
                found.append(_Function(qualified, child, owner))
                stack.append((f"{qualified}.", child, None))
            elif isinstance(child, ast.ClassDef):
                stack.append((f"{prefix}{child.name}.", child, f"{prefix}{child.name}"))
    return found


def _callees(function: _Function, by_name: dict[str, _Function]) -> set[str]:
    calls: set[str] = set()
    for node in ast.walk(function.node):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in by_name:
            calls.add(func.id)
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in {"self", "cls"}
            and function.owner is not None
            and f"{function.owner}.{func.attr}" in by_name
        ):
            calls.add(f"{function.owner}.{func.attr}")
    return calls


def _recursion(tree: ast.Module, path: str) -> Iterator[Finding]:
    functions = _functions(tree)
    by_name = {f.qualified: f for f in functions}
    graph = {f.qualified: _callees(f, by_name) for f in functions}
    for function in functions:
        cycle = _cycle_through(function.qualified, graph)
        if cycle:
            yield Finding(
                path,
                function.node.lineno,
                function.node.col_offset,
                SubsetRule.RECURSION,
                f"'{function.qualified}' is recursive: {' -> '.join(cycle)}",
            )


def _cycle_through(start: str, graph: dict[str, set[str]]) -> list[str]:
    """A shortest call path from ``start`` back to itself, or an empty list (breadth first)."""
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:  # loop-bound: each function enters the frontier at most once
        following: list[str] = []
        for caller in frontier:
            for callee in sorted(graph.get(caller, ())):
                if callee == start:
                    path = [caller]
                    while path[-1] != start:  # loop-bound: parents form a finite tree
                        path.append(parents[path[-1]])
                    return [*reversed(path), start]
                if callee not in parents:
                    parents[callee] = caller
                    following.append(callee)
        frontier = following
    return []
