"""Content fingerprints of code units and requirements.

Layer 2 (sources). A fingerprint changes when the meaning of its subject
may have changed and not otherwise: a code unit is hashed from its syntax
tree (comments, blank lines and its position in the file do not count; its
docstring does, since it carries the trace), a requirement from its text,
title, fields and links, and a test with the helpers and fixtures of its
own module, its conftests and the helper modules of its tree that it uses.
"""

import ast
import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from safety_case.metamodel import FIELDS, LINKS

__all__ = [
    "Procedure",
    "code_unit_fingerprint",
    "code_unit_fingerprints",
    "conftests",
    "file_sha256",
    "module_of",
    "procedure",
    "procedure_fingerprint",
    "requirement_fingerprint",
    "sha256_text",
    "tree_of_test",
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
    """The file's syntax tree (``None``: unreadable or not Python), cached by its content.

    The bytes are read once, then hashed and parsed: an edit is always seen
    (the hash is the key), and a file edited while it is read cannot be
    cached under the other version's hash. Many tests share a module and
    conftests, and many records a module. The tree is shared: read it only.
    """
    try:
        source = path.read_bytes()
    except OSError:
        return None
    return _parse_source(hashlib.sha256(source).hexdigest(), source)


@lru_cache(maxsize=512)
def _parse_source(content_sha256: str, source: bytes) -> ast.Module | None:
    del content_sha256  # part of the key, cheaper to compare first than the source
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


@lru_cache(maxsize=8192)
def _unit_fingerprint(tree: ast.Module | None, qualified_name: str, module: str) -> str | None:
    """Cached by the tree's identity (trees come from the parse cache): digests, not dumps."""
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
    """Fingerprint of a test together with what it uses from its own tree and its conftests.

    A test's result rests on more than its body: the helpers, constants and
    fixtures of its module it names, the fixtures its parameters request from
    the ``conftest.py`` files of its folder and the folders above it up to
    ``root``, the ``autouse`` fixtures of those files, the names it imports
    from other modules of its own tree (the top-level folder of ``root`` that
    holds the test, such as ``tests/``: helper modules, shared fixtures), all
    followed through each other, and, for a method, its whole class. Code
    outside that tree (the code under test, libraries) is not followed: code
    under test has fingerprints of its own. A test that is the whole module
    (``qualified_name == module``) rests on the whole module and what it
    imports from its tree.

    Imports are resolved by file, not by running them: ``from a.b import c``
    and ``import a.b as c`` name ``a/b.py`` (or ``a/b/__init__.py``) under the
    first folder above the importing file's packages (where pytest's
    ``prepend`` import mode puts it on ``sys.path``), else under ``root``;
    relative imports from the importing file's folder; a plain ``import a.b``
    is not followed.

    Returns:
        The hex digest, or ``None`` when the test no longer exists.
    """
    found = procedure(path, qualified_name, module, root)
    return None if found is None else found.fingerprint


class Procedure(NamedTuple):
    """A test's fingerprint and the files it was read from."""

    fingerprint: str
    """As :func:`procedure_fingerprint` gives it."""
    files: frozenset[Path]
    """The test's file, its conftests that exist, and every module of its tree whose
    names it follows: an edit anywhere else cannot change the fingerprint."""


def procedure(path: Path, qualified_name: str, module: str, root: Path) -> Procedure | None:
    """:func:`procedure_fingerprint` with the files it read (``None``: no such test)."""
    tree = _parse(path)
    node = _unit_node(tree, qualified_name, module)
    if tree is None or node is None:
        return None
    parts = qualified_name.removeprefix(f"{module}.").split(".")
    if qualified_name != module and len(parts) > 1:  # a method: its whole class
        node = _unit_node(tree, f"{module}.{parts[0]}", module) or node
    tree_root = tree_of_test(path, root)
    fixture_scopes = [_Scope(path, tree)]
    for conftest in conftests(path, root):
        parsed = _parse(conftest)
        if parsed is not None:
            fixture_scopes.append(_Scope(conftest, parsed))
    used = _Walk(node, fixture_scopes, root, tree_root).run()
    if qualified_name == module:  # its own definitions are in its dump already
        used = {key: value for key, value in used.items() if key[0] != path}
    files = {path, *(scope.path for scope in fixture_scopes), *(file for file, _ in used)}
    dumps = [_dump(node)]
    for file, name in sorted(used):
        dumps.append(f"{file.relative_to(root).as_posix()}:{name}:{_dump(used[file, name])}")
    return Procedure(sha256_text("\n".join(dumps)), frozenset(files))


def tree_of_test(path: Path, root: Path) -> Path:
    """The top-level folder of ``root`` holding ``path`` (``root`` for a file directly in it).

    A test's procedure follows the names it imports from modules of this tree.
    """
    relative = path.relative_to(root).parts
    return root / relative[0] if len(relative) > 1 else root


class _Scope:
    """One parsed file: its top-level definitions and the names it imports."""

    def __init__(self, path: Path, tree: ast.Module) -> None:
        self.path = path
        self.tree = tree
        self.names = _top_level(tree)
        self.imports = _imports(tree)


@lru_cache(maxsize=4096)
def _dump(node: ast.AST) -> str:
    """``ast.dump`` of a node of a cached tree (by identity: a module's tests share helpers)."""
    return ast.dump(node, include_attributes=False)


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


@lru_cache(maxsize=512)
def _imports(tree: ast.Module) -> dict[str, tuple[str, str | None, int]]:
    """Names a module binds by import: ``local -> (module, imported name or None, level)``.

    ``None`` for the name: the local name is the module itself (``import a.b as c``).
    """
    found: dict[str, tuple[str, str | None, int]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                found[alias.asname or alias.name] = (
                    statement.module or "",
                    alias.name,
                    statement.level,
                )
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname is not None:
                    found[alias.asname] = (alias.name, None, 0)
    return found


def _autouse(scope: _Scope) -> list[ast.AST]:
    """The fixtures of a file that apply to its tests unasked (``autouse=True``)."""
    return [
        node
        for node in scope.names.values()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(
            isinstance(decorator, ast.Call)
            and any(
                k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in decorator.keywords
            )
            for decorator in node.decorator_list
        )
    ]


@lru_cache(maxsize=8192)
def _resolve(importer: Path, module: str, level: int, root: Path) -> Path | None:
    """The file of ``module`` as imported from ``importer`` (``None``: not a project file)."""
    parts = [part for part in module.split(".") if part]
    if level > 0:
        if level > len(importer.parents):
            return None
        bases = [importer.parents[level - 1]]
    else:  # as pytest's prepend mode puts it on sys.path: above the importer's packages
        base = importer.parent
        while base != root and (base / "__init__.py").is_file():
            base = base.parent
        bases = [base, root] if base != root else [root]
    for base in bases:
        if parts:
            target = base.joinpath(*parts)
            candidates: tuple[Path, ...] = (target.with_suffix(".py"), target / "__init__.py")
        else:  # ``from . import name``: the package itself
            candidates = (base / "__init__.py",)
        for candidate in candidates:
            if candidate.is_file():
                return candidate
    return None


class _Walk:
    """What a test uses, followed from its definition through its files' names and imports."""

    def __init__(
        self, start: ast.AST, fixture_scopes: list[_Scope], root: Path, tree_root: Path
    ) -> None:
        self.start = start
        self.fixture_scopes = fixture_scopes
        self.root = root
        self.tree_root = tree_root
        self.scopes = {scope.path: scope for scope in fixture_scopes}
        self.used: dict[tuple[Path, str], ast.AST] = {}
        """What the test uses, by file and name (``""``: the whole module)."""
        self.looked_up: set[tuple[Path, str]] = set()
        self.found: set[tuple[Path, str]] = set()
        """Names already looked up in a file, and those found (a cycle of imports ends)."""
        self.pending: list[tuple[ast.AST, Path]] = [(start, fixture_scopes[0].path)]
        for scope in fixture_scopes:
            self.pending.extend((fixture, scope.path) for fixture in _autouse(scope))

    def run(self) -> dict[tuple[Path, str], ast.AST]:
        while self.pending:
            node, home = self.pending.pop()
            loaded, fixtures = _names(node)
            for name in sorted(loaded):
                self.lookup(self.scopes[home], name)
            for name in sorted(fixtures):
                any(self.lookup(scope, name) for scope in self.fixture_scopes)
        return self.used

    def lookup(self, scope: _Scope, name: str) -> bool:
        """Use what ``name`` is bound to in ``scope``, if it is in the test's tree.

        An imported name is looked up in the module it comes from (so a
        re-export is followed to its definition); a module imported by name,
        or a name its module of the tree does not show (bound some other way),
        uses that whole module.
        """
        if (scope.path, name) in self.looked_up:
            return (scope.path, name) in self.found
        self.looked_up.add((scope.path, name))
        if self._bound(scope, name):
            self.found.add((scope.path, name))
            return True
        return False

    def _bound(self, scope: _Scope, name: str) -> bool:
        found = scope.names.get(name)
        if found is not None:
            self.use(scope.path, name, found)
            return True
        if name not in scope.imports:
            return False
        module, original, level = scope.imports[name]
        source = self.followed(_resolve(scope.path, module, level, self.root))
        if original is not None:
            if source is not None and self.lookup(source, original):
                return True
            dotted = f"{module}.{original}" if module else original  # ``from package import mod``
            source = self.followed(_resolve(scope.path, dotted, level, self.root)) or source
        if source is None:
            return False
        self.use(source.path, "", source.tree)
        return True

    def followed(self, file: Path | None) -> _Scope | None:
        """The parsed file, if it is one of the test's tree (``None``: not followed)."""
        if file is None or not file.is_relative_to(self.tree_root):
            return None
        if file not in self.scopes:
            tree = _parse(file)
            if tree is None:
                return None
            self.scopes[file] = _Scope(file, tree)
        return self.scopes[file]

    def use(self, file: Path, name: str, node: ast.AST) -> None:
        if node is not self.start and (file, name) not in self.used:
            self.used[file, name] = node
            self.pending.append((node, file))


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
