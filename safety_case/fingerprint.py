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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from safety_case.metamodel import FIELDS, LINKS

__all__ = ["code_unit_fingerprint", "file_sha256", "requirement_fingerprint", "sha256_text"]

_REQUIREMENT_KEYS = ("id", "type", "title", "content", *FIELDS, *LINKS)


def sha256_text(text: str) -> str:
    """Hex SHA-256 of a text encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_unit_fingerprint(path: Path, qualified_name: str, module: str) -> str | None:
    """Fingerprint of the function or class ``qualified_name`` defined in ``path``.

    Args:
        path: the source file.
        qualified_name: dotted name, starting with ``module``.
        module: the dotted module name of ``path``.

    Returns:
        The hex digest, or ``None`` when the unit no longer exists (which
        makes any evidence resting on it stale).
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    if not qualified_name.startswith(f"{module}."):
        return None
    node: ast.AST = tree
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
