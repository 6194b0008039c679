"""Content fingerprints of code units and requirements.

Layer 2 (sources). A fingerprint changes when the meaning of its subject
may have changed and not otherwise: a code unit is hashed from its syntax
tree (comments, blank lines and its position in the file do not count; its
docstring does, since it carries the trace), a requirement from its text,
title, fields and links.
"""

import ast
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from safety_case.metamodel import FIELDS, LINKS

__all__ = [
    "code_unit_fingerprint",
    "code_unit_fingerprints",
    "file_sha256",
    "requirement_fingerprint",
    "sha256_text",
]

_REQUIREMENT_KEYS = ("id", "type", "title", "content", *FIELDS, *LINKS)


def sha256_text(text: str) -> str:
    """Hex SHA-256 of a text encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_unit_fingerprint(path: Path, qualified_name: str, module: str) -> str | None:
    """Fingerprint of the function or class ``qualified_name`` defined in ``path``.

    The module itself is a unit too: with ``qualified_name == module`` the
    fingerprint is that of the whole module by the same rule (its syntax
    tree), for evidence that judges a module as a whole (static analysis,
    coverage).

    Args:
        path: the source file.
        qualified_name: dotted name, starting with ``module`` (or ``module`` itself).
        module: the dotted module name of ``path``.

    Returns:
        The hex digest, or ``None`` when the unit no longer exists (which
        makes any evidence resting on it stale).
    """
    return _unit_fingerprint(_parse(path), qualified_name, module)


def code_unit_fingerprints(units: Iterable[tuple[Path, str, str]]) -> dict[str, str | None]:
    """Fingerprints of many units, by qualified name, parsing each file once.

    Args:
        units: ``(path, qualified_name, module)`` of each unit, as for
            :func:`code_unit_fingerprint`.
    """
    trees: dict[Path, ast.Module | None] = {}
    fingerprints: dict[str, str | None] = {}
    for path, qualified_name, module in units:
        if path not in trees:
            trees[path] = _parse(path)
        fingerprints[qualified_name] = _unit_fingerprint(trees[path], qualified_name, module)
    return fingerprints


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def _unit_fingerprint(tree: ast.Module | None, qualified_name: str, module: str) -> str | None:
    if tree is None:
        return None
    node: ast.AST = tree
    if qualified_name == module:
        return sha256_text(ast.dump(node, include_attributes=False))
    if not qualified_name.startswith(f"{module}."):
        return None
    for name in qualified_name.removeprefix(f"{module}.").split("."):
        found = _child_named(node, name)
        if found is None:
            return None
        node = found
    return sha256_text(ast.dump(node, include_attributes=False))


def _child_named(node: ast.AST, name: str) -> ast.AST | None:
    for child in ast.iter_child_nodes(node):
        if (
            isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and child.name == name
        ):
            return child
    return None


def requirement_fingerprint(need: Mapping[str, Any]) -> str:
    """Fingerprint of a requirement from its sphinx-needs data (``needs.json`` entry)."""
    subset = {key: need.get(key) for key in _REQUIREMENT_KEYS}
    return sha256_text(json.dumps(subset, sort_keys=True, default=str))
