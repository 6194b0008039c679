"""Content fingerprints of code units and requirements.

Layer 2 (sources). A fingerprint changes when the meaning of its subject
may have changed and not otherwise: a code unit is hashed from its syntax
tree (comments, blank lines and its position in the file do not count; its
docstring does, since it carries the trace), a requirement from its text,
title, fields and links, and a test with the helpers and fixtures of its
own module and conftests that it uses.
"""

import ast
import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from safety_case.metamodel import FIELDS, LINKS

__all__ = [
    "code_unit_fingerprint",
    "code_unit_fingerprints",
    "conftests",
    "file_sha256",
    "module_of",
    "procedure_fingerprint",
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
    node = _unit_node(tree, qualified_name, module)
    return None if node is None else sha256_text(ast.dump(node, include_attributes=False))


def _unit_node(tree: ast.Module | None, qualified_name: str, module: str) -> ast.AST | None:
    if tree is None:
        return None
    node: ast.AST = tree
    if qualified_name == module:
        return node
    if not qualified_name.startswith(f"{module}."):
        return None
    for name in qualified_name.removeprefix(f"{module}.").split("."):
        found = _child_named(node, name)
        if found is None:
            return None
        node = found
    return node


def module_of(path: str, qualified_name: str) -> str | None:
    """The dotted module of a unit: the longest tail of its ``path`` its name starts with.

    The path is relative to the project root, the qualified name to the
    import root, which may be a sub-folder (``src/pkg/mod.py`` holds
    ``pkg.mod.f``). A unit that is a whole module is its own module.
    """
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    for start in range(len(parts)):
        module = ".".join(parts[start:])
        if qualified_name == module or qualified_name.startswith(f"{module}."):
            return module
    return None


def conftests(path: Path, root: Path) -> list[Path]:
    """The ``conftest.py`` paths whose fixtures a test in ``path`` sees, nearest first.

    One per folder from the test's up to ``root``, whether the file exists or not.
    """
    found: list[Path] = []
    folder = path.parent
    while folder.is_relative_to(root):
        found.append(folder / "conftest.py")
        if folder == root:
            break
        folder = folder.parent
    return found


def procedure_fingerprint(path: Path, qualified_name: str, module: str, root: Path) -> str | None:
    """Fingerprint of a test together with what it uses from its own file and its conftests.

    A test's result rests on more than its body: the helpers, constants and
    fixtures of its module it names (followed through each other), the
    fixtures its parameters request from the ``conftest.py`` files of its
    folder and the folders above it up to ``root``, and, for a method, its
    whole class. Names a module imports are not followed (code under test
    has fingerprints of its own; helpers of other test modules are not
    seen), nor are ``autouse`` fixtures it does not name. A test that is
    the whole module (``qualified_name == module``) is the module's
    fingerprint.

    Returns:
        The hex digest, or ``None`` when the test no longer exists.
    """
    tree = _parse_once(path)
    node = _unit_node(tree, qualified_name, module)
    if tree is None or node is None:
        return None
    if qualified_name == module:
        return sha256_text(_dump(node))
    parts = qualified_name.removeprefix(f"{module}.").split(".")
    if len(parts) > 1:  # a method: its class, with the helpers and fixtures the class names
        node = _unit_node(tree, f"{module}.{parts[0]}", module) or node
    scopes = [("", _top_level(tree))]
    for conftest in conftests(path, root):
        parsed = _parse_once(conftest)
        if parsed is not None:
            scopes.append((conftest.parent.relative_to(root).as_posix(), _top_level(parsed)))
    used = _used_definitions(node, scopes)
    dumps = [_dump(node), *(f"{key}:{_dump(used[key])}" for key in sorted(used))]
    return sha256_text("\n".join(dumps))


@lru_cache(maxsize=4096)
def _dump(node: ast.AST) -> str:
    """``ast.dump`` of a node of a cached tree (by identity: a module's tests share helpers)."""
    return ast.dump(node, include_attributes=False)


def _parse_once(path: Path) -> ast.Module | None:
    """:func:`_parse`, cached by the file's content (many tests share a module and conftests)."""
    try:
        return _parse_content(path, file_sha256(path))
    except OSError:
        return None


@lru_cache(maxsize=512)
def _parse_content(path: Path, content_sha256: str) -> ast.Module | None:
    del content_sha256  # the key: an edited file is parsed again
    return _parse(path)


@lru_cache(maxsize=512)
def _top_level(tree: ast.Module) -> dict[str, ast.AST]:
    """A module's functions, classes and assigned names by name (the last binding wins).

    Cached by the tree's identity (trees come from the parse cache); the
    result is only read.
    """
    names: dict[str, ast.AST] = {}
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[statement.name] = statement
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names[name.id] = statement
    return names


def _used_definitions(
    start: ast.AST, scopes: list[tuple[str, dict[str, ast.AST]]]
) -> dict[str, ast.AST]:
    """Definitions ``start`` uses, transitively, by key ``"<conftest folder>:<name>"``.

    ``scopes``: the test's module first (folder ``""``), then its conftests,
    nearest first. A name a definition loads is looked up in its own file; a
    parameter's name, a fixture, in the test's module and then the conftests.
    """
    used: dict[str, ast.AST] = {}
    pending: list[tuple[ast.AST, int]] = [(start, 0)]
    while pending:
        node, home = pending.pop()
        loaded, fixtures = _names(node)
        wanted = [(name, [home]) for name in loaded]
        wanted += [(name, list(range(len(scopes)))) for name in fixtures]
        for name, places in sorted(wanted):
            for place in places:
                prefix, names = scopes[place]
                found = names.get(name)
                if found is None or found is start:
                    continue
                if f"{prefix}:{name}" not in used:
                    used[f"{prefix}:{name}"] = found
                    pending.append((found, place))
                break
    return used


@lru_cache(maxsize=4096)
def _names(node: ast.AST) -> tuple[frozenset[str], frozenset[str]]:
    """The names ``node`` loads and the parameters of the functions in it (fixtures)."""
    walked = list(ast.walk(node))
    loaded = frozenset(n.id for n in walked if isinstance(n, ast.Name))
    fixtures = frozenset(a.arg for n in walked if isinstance(n, ast.arguments) for a in n.args)
    return loaded, fixtures


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
