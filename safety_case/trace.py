"""Trace extraction from source, without importing or running it.

Layer 2 (sources). Code units declare what they implement in their docstring
(``Implements: SWR_A, SWR_B``); tests declare what they verify with
``@pytest.mark.verifies("SWR_A", "SWR_B")``. Both are read with :mod:`ast`.
Units are named by qualified name, never by line number, so that moving code
does not break a trace, and every id of a marker is kept (LOBSTER keeps only
the last; see DESIGN.md section 7).
"""

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_METHOD",
    "IMPLEMENTS_TAG",
    "CodeUnit",
    "TraceError",
    "TraceTarget",
    "extract",
    "module_name",
    "python_files",
]

IMPLEMENTS_TAG = "Implements:"
"""The docstring keyword that starts a list of implemented requirement ids."""

_IDS_AFTER_TAG = re.compile(rf"{IMPLEMENTS_TAG}\s*([A-Z0-9_][A-Z0-9_,\s]*)")
_ID = re.compile(r"[A-Z][A-Z0-9_]{4,}")
_MARKER_NAME = "verifies"
DEFAULT_METHOD = "requirements_based_test"
"""The method of a ``verifies`` marker that names none (as the pytest plugin records it)."""

_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class TraceTarget:
    """A function or class that carries a trace, with where it was found."""

    qualified_name: str
    """Dotted name, such as ``bms.protection.over_voltage.step``."""
    kind: str
    """``code`` for an implementing unit, ``test`` for a verifying test."""
    requirement_ids: tuple[str, ...]
    """Requirement ids named by the tag or marker, in order, without duplicates."""
    path: Path
    """Source file."""
    line: int
    """Line of the definition (for people; never used as an identifier)."""
    methods: tuple[str, ...] = ()
    """Verification methods a test's markers name (``method=``; default requirements-based)."""


CodeUnit = TraceTarget
"""Alias kept for readers who think of implementing units specifically."""


@dataclass(frozen=True)
class TraceError:
    """A trace that could not be read, with its location."""

    path: Path
    """Source file."""
    line: int
    """Line of the problem."""
    message: str
    """What is wrong."""


def module_name(path: Path, root: Path) -> str:
    """Dotted module name of ``path`` relative to the import root ``root``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def extract(paths: Iterable[Path], root: Path) -> tuple[list[TraceTarget], list[TraceError]]:
    """Extract every trace from the Python files under ``paths``.

    Args:
        paths: files or folders to scan.
        root: import root, so that qualified names are importable names.

    Returns:
        The traces found, and one error per file that could not be parsed or
        marker that could not be read; a bad file never hides the others.
    """
    targets: list[TraceTarget] = []
    errors: list[TraceError] = []
    for file in python_files(paths):
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        except (SyntaxError, UnicodeDecodeError, OSError) as error:
            errors.append(TraceError(file, getattr(error, "lineno", 0) or 0, str(error)))
            continue
        prefix = module_name(file, root)
        for qualified, node in _definitions(tree, prefix):
            _collect(node, qualified, file, targets, errors)
    return targets, errors


def python_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The Python files under ``paths`` (folders searched recursively), in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
        elif path.suffix == ".py":
            yield path


def _definitions(tree: ast.Module, prefix: str) -> Iterator[tuple[str, _Definition]]:
    """Every function and class with its qualified name (nested ones included)."""
    stack: list[tuple[str, ast.AST]] = [(prefix, tree)]
    while stack:
        scope, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _Definition):
                qualified = f"{scope}.{child.name}" if scope else child.name
                yield qualified, child
                stack.append((qualified, child))


def _collect(
    node: _Definition,
    qualified: str,
    file: Path,
    targets: list[TraceTarget],
    errors: list[TraceError],
) -> None:
    docstring = ast.get_docstring(node) or ""
    implemented = _ids_in_docstring(docstring)
    if implemented:
        targets.append(TraceTarget(qualified, "code", implemented, file, node.lineno))
    verified: list[str] = []
    methods: list[str] = []
    for decorator in node.decorator_list:
        ids, method, problem = _marker_ids(decorator)
        verified.extend(ids)
        if ids:
            methods.append(method)
        if problem:
            errors.append(TraceError(file, decorator.lineno, f"{qualified}: {problem}"))
    if verified:
        targets.append(
            TraceTarget(qualified, "test", _unique(verified), file, node.lineno, _unique(methods))
        )


def _ids_in_docstring(docstring: str) -> tuple[str, ...]:
    ids: list[str] = []
    for match in _IDS_AFTER_TAG.finditer(docstring):
        ids.extend(_ID.findall(match.group(1)))
    return _unique(ids)


def _marker_ids(decorator: ast.expr) -> tuple[list[str], str, str | None]:
    """Ids and method of a ``pytest.mark.verifies(...)`` decorator, or a problem with it."""
    if not isinstance(decorator, ast.Call):
        return [], DEFAULT_METHOD, None
    func = decorator.func
    if not (isinstance(func, ast.Attribute) and func.attr == _MARKER_NAME):
        return [], DEFAULT_METHOD, None
    method = DEFAULT_METHOD
    for keyword in decorator.keywords:
        if keyword.arg != "method":
            continue
        value = keyword.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            method = value.value
        elif isinstance(value, ast.Attribute):  # Method.FAULT_INJECTION and the like
            method = value.attr.lower()
        else:
            return [], method, "verifies(method=...) must be a literal string or an enum member"
    ids: list[str] = []
    for argument in decorator.args:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            ids.append(argument.value)
        else:
            return (
                ids,
                method,
                "verifies() takes literal string ids only, so traces can be read statically",
            )
    return ids, method, None


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))
