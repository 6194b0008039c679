"""Control-flow and data-flow analysis of a control path, from the syntax trees alone.

Layer 4 (producers). ISO 26262-6:2018 Table 7 1f (control-flow analysis)
and 1g (data-flow analysis), highly recommended at ASIL C and D, together
with the design principles of Table 6 (no recursion, no hidden data flow,
limited use of global variables). Nothing is imported: the project's files
are parsed, and a call graph is built from the named entry points:

* a name or attribute resolves through the module's own definitions, its
  imports and the re-exports of packages (``from pkg import f`` where
  ``pkg/__init__.py`` imports ``f`` from ``pkg._mod``); a reference to a
  function that is not called (``key=f``) counts as a call;
* ``self.m`` resolves to the method ``m`` of the class (or of a project
  base class); a class resolves to its ``__init__``, ``__post_init__`` and
  ``__new__`` when it defines them;
* a method call on any other object (``x.m()``), whose type an AST cannot
  know, is linked to *every* project method named ``m`` (an over-
  approximation: a cycle through such an edge may be spurious), except
  when ``m`` is a method name of a builtin type (``append``, ``get``,
  ``update``...), which is taken for the builtin's: a project method
  sharing such a name is then reached only through ``self`` or a name;
* nested functions and lambdas count as part of the function that holds them.

Each reachable function is then checked (:class:`FlowRule`): the graph has
no cycle (no direct or indirect recursion); every reachable function lies in
the allowed packages and no reference leaves them for another first-party
package; no I/O, clock or randomness (builtins such as ``open`` and
``print``, the modules ``time``, ``random``, ``logging``, ``os``...); no
write to module-level state (``global``, item or attribute assignment, or a
mutating method on a module-level name); no mutation of state passed in
(item or attribute assignment or a mutating method on a parameter, or on an
attribute of ``self`` deeper than a plain replacement ``self.x = ...``
outside ``__init__``), and every dataclass or pydantic model the path
constructs is frozen, so that state is only ever replaced.

Limits, said plainly: calls through values whose type the AST cannot see
(a function stored in a dict, a callback parameter) are not followed, nor
are calls into third-party libraries, which are judged by their module
name only. Hand-written because no maintained Python tool builds a
whole-program call graph with these checks (pyan3 draws graphs; it checks
nothing).
"""

import ast
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final

from safety_case.trace import module_name, python_files

__all__ = [
    "IO_BUILTINS",
    "IO_METHODS",
    "IO_MODULES",
    "MUTATING_METHODS",
    "CallGraph",
    "FlowFinding",
    "FlowResult",
    "FlowRule",
    "FunctionInfo",
    "ProjectIndex",
    "analyse",
    "index_project",
]

IO_BUILTINS: Final = frozenset(
    {
        "open",
        "print",
        "input",
        "exec",
        "eval",
        "compile",
        "breakpoint",
        "__import__",
        "exit",
        "quit",
    }
)
"""Builtins that do I/O or run code from text."""
IO_MODULES: Final = frozenset(
    {
        "time", "random", "secrets", "logging", "os", "sys", "io", "socket", "subprocess",
        "shutil", "tempfile", "pathlib", "threading", "multiprocessing", "asyncio", "signal",
        "urllib", "http", "sqlite3", "pickle", "shelve", "warnings",
    }
)  # fmt: skip
"""Modules whose use means I/O, a clock, randomness or process state."""
IO_CALLS: Final = frozenset(
    {
        "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
        "datetime.date.today", "numpy.random", "numpy.save", "numpy.load", "numpy.savetxt",
        "numpy.loadtxt", "numpy.fromfile",
    }
)  # fmt: skip
"""Dotted names (or their prefixes) outside :data:`IO_MODULES` that do I/O or read a clock."""
IO_METHODS: Final = frozenset(
    {"read_text", "write_text", "read_bytes", "write_bytes", "open", "unlink", "mkdir", "fsync"}
)
"""Method names that do I/O whatever their object (``path.write_text``)."""
MUTATING_METHODS: Final = frozenset(
    {
        "append", "extend", "insert", "remove", "pop", "popitem", "clear", "update",
        "setdefault", "add", "discard", "sort", "reverse", "__setitem__", "__delitem__",
        "__setattr__", "__delattr__",
    }
)  # fmt: skip
"""Methods that change their object in place (lists, dicts, sets, objects)."""

_CONSTRUCTORS = ("__init__", "__post_init__", "__new__")
_BUILTIN_METHODS: Final = frozenset(
    name
    for kind in (list, dict, set, frozenset, tuple, str, bytes, bytearray, int, float, complex)
    for name in dir(kind)
)
"""Method names of the builtin types: ``x.append()`` is taken for a builtin's method."""


class FlowRule(StrEnum):
    """What a finding breaks."""

    RECURSION = "recursion"
    """A cycle of the call graph (direct or indirect recursion)."""
    OUTSIDE = "outside"
    """A reachable reference leaves the allowed packages for another first-party one."""
    IO = "io"
    """I/O, a clock, randomness or code from text."""
    GLOBAL_WRITE = "global_write"
    """A write to module-level (global) state."""
    MUTATION = "mutation"
    """State passed in is changed in place, or a mutable record is built."""


@dataclass(frozen=True)
class FlowFinding:
    """One violation, where it is and what it is."""

    rule: FlowRule
    """The rule broken."""
    function: str
    """Qualified name of the function holding it (for a cycle, its first function)."""
    path: str
    """Source file relative to the project root."""
    line: int
    """Line of the offending node (0 for a cycle)."""
    message: str
    """What was found, in words."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule.value}: {self.function}: {self.message}"


@dataclass(frozen=True)
class FunctionInfo:
    """A function or method definition of the project."""

    qualified_name: str
    """``module.func`` or ``module.Class.method``."""
    module: str
    """Dotted module name."""
    path: Path
    """Source file."""
    node: ast.FunctionDef | ast.AsyncFunctionDef
    """Its syntax tree."""
    class_name: str | None = None
    """Qualified name of the class holding it, if a method."""


@dataclass
class _Module:
    name: str
    path: Path
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)
    defined: set[str] = field(default_factory=set)
    module_state: set[str] = field(default_factory=set)


@dataclass
class _Class:
    qualified_name: str
    module: str
    node: ast.ClassDef
    methods: dict[str, str] = field(default_factory=dict)
    bases: list[str] = field(default_factory=list)


@dataclass
class ProjectIndex:
    """Every module, class and function of the analysed files, parsed once."""

    root: Path
    """Project root (paths in findings are relative to it)."""
    import_root: Path
    """Folder from which module names are taken."""
    modules: dict[str, _Module] = field(default_factory=dict)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, _Class] = field(default_factory=dict)
    methods_by_name: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    """Files that could not be parsed."""

    def relative(self, path: Path) -> str:
        """``path`` relative to the project root."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def index_project(paths: Sequence[Path], import_root: Path, root: Path) -> ProjectIndex:
    """Parse every Python file under ``paths`` (module names relative to ``import_root``)."""
    index = ProjectIndex(root=root, import_root=import_root)
    for file in python_files(paths):
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        except (SyntaxError, UnicodeDecodeError, OSError) as error:
            index.errors.append(f"{index.relative(file)}: cannot be parsed: {error}")
            continue
        name = module_name(file.resolve(), import_root.resolve())
        module = _Module(name=name, path=file, tree=tree)
        package = name if file.name == "__init__.py" else name.rpartition(".")[0]
        _read_module(index, module, package)
        index.modules[name] = module
    return index


def _read_module(index: ProjectIndex, module: _Module, package: str) -> None:
    for node in module.tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            module.imports.update(_imports(node, package))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            _add_function(index, module, node, None)
        elif isinstance(node, ast.ClassDef):
            _add_class(index, module, node)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            module.module_state.update(
                n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)
            )


def _imports(node: ast.Import | ast.ImportFrom, package: str) -> dict[str, str]:
    """Local name -> dotted name of what an import statement binds."""
    if isinstance(node, ast.Import):
        return {
            (alias.asname or alias.name.split(".", 1)[0]): (
                alias.name if alias.asname else alias.name.split(".", 1)[0]
            )
            for alias in node.names
        }
    source = _absolute(node, package)
    return {alias.asname or alias.name: f"{source}.{alias.name}" for alias in node.names}


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join([*base, *([node.module] if node.module else [])])


def _add_function(
    index: ProjectIndex,
    module: _Module,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    owner: _Class | None,
) -> None:
    prefix = owner.qualified_name if owner else module.name
    qualified = f"{prefix}.{node.name}"
    index.functions[qualified] = FunctionInfo(
        qualified, module.name, module.path, node, owner.qualified_name if owner else None
    )
    if owner:
        owner.methods[node.name] = qualified
        index.methods_by_name[node.name].append(qualified)
    else:
        module.defined.add(node.name)


def _add_class(index: ProjectIndex, module: _Module, node: ast.ClassDef) -> None:
    info = _Class(f"{module.name}.{node.name}", module.name, node)
    info.bases = [_dotted(base) or "" for base in node.bases]
    index.classes[info.qualified_name] = info
    module.defined.add(node.name)
    for child in node.body:
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            _add_function(index, module, child, info)


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` of a chain of names and attributes, or ``None``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _root_name(node: ast.expr) -> tuple[str | None, int]:
    """The name at the root of ``a.b[c].d`` and how many attribute/item steps lead to it."""
    depth = 0
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
        depth += 1
    return (node.id if isinstance(node, ast.Name) else None), depth


class CallGraph:
    """Resolution of names to project definitions, and the edges of each function."""

    def __init__(self, index: ProjectIndex) -> None:
        """Resolve against ``index``."""
        self.index = index

    def resolve(self, dotted: str, depth: int = 0) -> str | None:
        """The project function or class ``dotted`` names (through re-exports), else ``None``."""
        index = self.index
        if dotted in index.functions or dotted in index.classes:
            return dotted
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = index.modules.get(".".join(parts[:cut]))
            if module is None:
                continue
            head, rest = parts[cut], parts[cut + 1 :]
            if head in module.imports and depth < 20:
                return self.resolve(".".join([module.imports[head], *rest]), depth + 1)
            candidate = ".".join(parts)
            return candidate if candidate in index.functions or candidate in index.classes else None
        return None

    def external(self, info: FunctionInfo, dotted: str) -> str:
        """``dotted`` as written in ``info``'s module, its first name replaced by its import."""
        module = self.index.modules[info.module]
        head, _, rest = dotted.partition(".")
        target = module.imports.get(head, head)
        return f"{target}.{rest}" if rest else target

    def targets(self, name: str) -> list[str]:
        """Functions a reference to the project definition ``name`` may run."""
        if name in self.index.functions:
            return [name]
        found = self.index.classes.get(name)
        if found is None:
            return []
        runs = []
        for klass in self._lineage(found):
            runs += [klass.methods[m] for m in _CONSTRUCTORS if m in klass.methods]
        return runs

    def _lineage(self, klass: _Class) -> list[_Class]:
        chain, todo, seen = [], [klass], set()
        while todo:
            current = todo.pop(0)
            if current.qualified_name in seen:
                continue
            seen.add(current.qualified_name)
            chain.append(current)
            module = self.index.modules[current.module]
            for base in current.bases:
                head, _, rest = base.partition(".")
                if head in module.defined:
                    dotted = f"{module.name}.{base}"
                elif head in module.imports:
                    dotted = ".".join(filter(None, [module.imports[head], rest]))
                else:
                    continue
                resolved = self.resolve(dotted)
                if resolved in self.index.classes:
                    todo.append(self.index.classes[resolved])
        return chain

    def method_of(self, class_name: str, method: str) -> str | None:
        """The method ``method`` of the class or of its nearest project base."""
        for klass in self._lineage(self.index.classes[class_name]):
            if method in klass.methods:
                return klass.methods[method]
        return None

    def class_chain(self, class_name: str) -> list[_Class]:
        """The class and its project base classes, nearest first."""
        return self._lineage(self.index.classes[class_name])


def _local_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[set[str], set[str]]:
    """Parameters, and every other name bound inside the function (nested scopes included)."""
    parameters: set[str] = set()
    bound: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.arguments):
            every = [*inner.posonlyargs, *inner.args, *inner.kwonlyargs]
            every += [a for a in (inner.vararg, inner.kwarg) if a is not None]
            (parameters if inner is node.args else bound).update(a.arg for a in every)
        elif isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store | ast.Del):
            bound.add(inner.id)
        elif isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if inner is not node:
                bound.add(inner.name)
        elif isinstance(inner, ast.alias):
            bound.add((inner.asname or inner.name).split(".")[0])
        elif isinstance(inner, ast.ExceptHandler) and inner.name:
            bound.add(inner.name)
    return parameters, bound


def _annotations(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """Every type annotation inside ``function`` (parameters, returns, annotated names)."""
    found: list[ast.expr] = []
    for node in ast.walk(function):
        if isinstance(node, ast.arg) and node.annotation is not None:
            found.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
    return found


@dataclass
class _Walk:
    """What one function refers to and does, gathered in one pass."""

    edges: set[str] = field(default_factory=set)
    name_edges: int = 0
    findings: list[FlowFinding] = field(default_factory=list)
    unresolved: int = 0
    constructs: set[str] = field(default_factory=set)


class _FunctionWalker:
    def __init__(self, graph: CallGraph, info: FunctionInfo, allowed: Sequence[str]) -> None:
        self.graph = graph
        self.info = info
        self.allowed = allowed
        self.module = graph.index.modules[info.module]
        self.parameters, self.bound = _local_names(info.node)
        self.out = _Walk()
        self.path = graph.index.relative(info.path)

    def finding(self, rule: FlowRule, node: ast.AST, message: str) -> None:
        self.out.findings.append(
            FlowFinding(
                rule, self.info.qualified_name, self.path, getattr(node, "lineno", 0), message
            )
        )

    def run(self) -> _Walk:
        annotations = {id(n) for a in _annotations(self.info.node) for n in ast.walk(a)}
        for node in ast.walk(self.info.node):
            if id(node) in annotations:  # type hints name classes; they run nothing
                continue
            if node is not self.info.node and isinstance(node, ast.Global | ast.Nonlocal):
                kind = "global" if isinstance(node, ast.Global) else "nonlocal"
                self.finding(FlowRule.GLOBAL_WRITE, node, f"{kind} {', '.join(node.names)}")
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
                targets = (
                    node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
                )
                for target in targets:
                    self.store(target, node)
            elif isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.reference(node.id, node)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                self.attribute(node)
        return self.out

    def free(self, name: str) -> bool:
        """Whether ``name`` is not bound inside the function (so module-level or builtin)."""
        return name not in self.parameters and name not in self.bound

    def reference(self, name: str, node: ast.AST) -> None:
        if not self.free(name):
            return
        if name in self.module.defined:
            self.link(f"{self.module.name}.{name}", node)
        elif name in self.module.imports:
            self.dotted_reference(name, node)

    def attribute(self, node: ast.Attribute) -> None:
        dotted = _dotted(node)
        if dotted is None:
            return
        head = dotted.split(".")[0]
        if head == "self" and self.info.class_name and dotted.count(".") == 1:
            target = self.graph.method_of(self.info.class_name, node.attr)
            if target:
                self.out.edges.add(target)
            return
        if self.free(head) and (head in self.module.imports or head in self.module.defined):
            self.dotted_reference(dotted, node)

    def dotted_reference(self, dotted: str, node: ast.AST) -> None:
        head = dotted.split(".", maxsplit=1)[0]
        if head in self.module.defined:
            full = f"{self.module.name}.{dotted}"
        else:
            full = self.graph.external(self.info, dotted)
        resolved = self.graph.resolve(full)
        if resolved is not None:
            self.link(resolved, node)
            return
        root = full.split(".")[0]
        if root in IO_MODULES or any(full == c or full.startswith(f"{c}.") for c in IO_CALLS):
            self.finding(FlowRule.IO, node, f"uses {full}")
        elif self._first_party(root) and not self._allowed(full):
            self.finding(FlowRule.OUTSIDE, node, f"refers to {full}, outside {self.allowed}")

    def _first_party(self, root: str) -> bool:
        base = self.graph.index.import_root
        return (base / root).is_dir() or (base / f"{root}.py").is_file()

    def _allowed(self, dotted: str) -> bool:
        return any(dotted == a or dotted.startswith(f"{a}.") for a in self.allowed)

    def link(self, name: str, node: ast.AST) -> None:
        if not self._allowed(name):
            self.finding(FlowRule.OUTSIDE, node, f"reaches {name}, outside {self.allowed}")
            return
        if name in self.graph.index.classes:
            self.out.constructs.add(name)
        self.out.edges.update(self.graph.targets(name))

    def call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in IO_BUILTINS and self.free(func.id) and func.id not in self.module.defined:
                self.finding(FlowRule.IO, node, f"calls {func.id}()")
            if func.id == "setattr" and self.free("setattr"):
                self.finding(FlowRule.MUTATION, node, "calls setattr()")
            return
        if not isinstance(func, ast.Attribute):
            return
        method = func.attr
        root, depth = _root_name(func.value)
        if method in IO_METHODS:
            self.finding(FlowRule.IO, node, f"calls .{method}()")
        if method in {"__setattr__", "__delattr__"}:
            self.finding(FlowRule.MUTATION, node, f"calls .{method}()")
        elif method in MUTATING_METHODS and root is not None and not self.module_call(root, depth):
            self.mutates(root, depth + 1, node, f"calls .{method}() on {ast.unparse(func.value)}")
        dotted = _dotted(func)
        head = dotted.split(".")[0] if dotted else None
        known_head = head is not None and (
            head == "self"
            or (self.free(head) and head in {*self.module.imports, *self.module.defined})
        )
        if not known_head and method not in _BUILTIN_METHODS:  # x.m(): project methods named m
            candidates = self.graph.index.methods_by_name.get(method, [])
            allowed = [c for c in candidates if self._allowed(c)]
            self.out.edges.update(allowed)
            self.out.name_edges += len(allowed)
            self.out.unresolved += not candidates

    def module_call(self, root: str, depth: int) -> bool:
        """Whether ``root.f()`` calls a function of an imported module (``np.add``)."""
        if depth != 0 or not self.free(root) or root not in self.module.imports:
            return False
        return self.graph.resolve(self.graph.external(self.info, root)) is None

    def store(self, target: ast.expr, node: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self.store(element, node)
            return
        if isinstance(target, ast.Starred):
            self.store(target.value, node)
            return
        if isinstance(target, ast.Attribute | ast.Subscript):
            root, depth = _root_name(target)
            if root is not None:
                self.mutates(root, depth, node, f"assigns {ast.unparse(target)}")

    def mutates(self, root: str, depth: int, node: ast.AST, what: str) -> None:
        """Judge a change in place of the object reached from ``root`` in ``depth`` steps."""
        if root == "self" and self.info.class_name:
            constructor = self.info.node.name in _CONSTRUCTORS
            if constructor or (depth == 1 and "assigns" in what):
                return  # building the object, or replacing one of its references
            self.finding(FlowRule.MUTATION, node, f"{what}: changes the object's state in place")
        elif root in self.parameters:
            self.finding(FlowRule.MUTATION, node, f"{what}: changes its argument {root!r}")
        elif self.free(root) and (root in self.module.module_state or root in self.module.imports):
            self.finding(FlowRule.GLOBAL_WRITE, node, f"{what}: module-level {root!r}")


def _frozen(graph: CallGraph, class_name: str) -> bool | None:
    """``True``/``False`` for a dataclass or pydantic model, ``None`` for another class."""
    record = False
    for klass in graph.class_chain(class_name):
        for decorator in klass.node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            name = _dotted(call.func if call else decorator) or ""
            if name.split(".")[-1] == "dataclass":
                record = True
                return call is not None and any(
                    k.arg == "frozen"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is True
                    for k in call.keywords
                )
        for statement in klass.node.body:
            if (
                isinstance(statement, ast.Assign)
                and any(
                    isinstance(t, ast.Name) and t.id == "model_config" for t in statement.targets
                )
                and isinstance(statement.value, ast.Call)
            ):
                record = True
                for keyword in statement.value.keywords:
                    if keyword.arg == "frozen" and isinstance(keyword.value, ast.Constant):
                        return keyword.value.value is True
        if any(b.split(".")[-1] == "BaseModel" for b in klass.bases):
            record = True
    return False if record else None


@dataclass(frozen=True)
class FlowResult:
    """The call graph reachable from the entry points and what was found on it."""

    entry_points: tuple[str, ...]
    """Qualified names the walk started from."""
    reachable: tuple[str, ...]
    """Every reachable project function, sorted."""
    edges: dict[str, tuple[str, ...]]
    """Callees of each reachable function."""
    findings: tuple[FlowFinding, ...]
    """Every violation found."""
    name_resolved_edges: int
    """Edges added by method name alone (``x.m()``), an over-approximation."""
    unresolved_calls: int
    """Method calls that name no project method (library methods on values)."""
    max_call_depth: int
    """Longest call chain from an entry point (0 when the graph has a cycle)."""
    errors: tuple[str, ...] = ()
    """Entry points not found and files not parsed."""


def analyse(index: ProjectIndex, entry_points: Sequence[str], allowed: Sequence[str]) -> FlowResult:
    """Walk the call graph from ``entry_points`` and check every reachable function.

    Args:
        index: the parsed project.
        entry_points: qualified names of functions or methods to start from.
        allowed: dotted package prefixes the control path may use.
    """
    graph = CallGraph(index)
    errors = list(index.errors)
    todo = []
    for entry in entry_points:
        resolved = graph.resolve(entry)
        if resolved is None or (not graph.targets(resolved) and resolved not in index.functions):
            errors.append(f"entry point {entry!r} is no function or method of the project")
            continue
        todo += graph.targets(resolved)
    edges: dict[str, tuple[str, ...]] = {}
    findings: list[FlowFinding] = []
    name_edges = unresolved = 0
    while todo:
        name = todo.pop()
        if name in edges:
            continue
        info = index.functions[name]
        walk = _FunctionWalker(graph, info, allowed).run()
        edges[name] = tuple(sorted(walk.edges))
        findings += walk.findings
        name_edges += walk.name_edges
        unresolved += walk.unresolved
        for built in sorted(walk.constructs):
            if _frozen(graph, built) is False:
                findings.append(
                    FlowFinding(
                        FlowRule.MUTATION,
                        name,
                        index.relative(info.path),
                        info.node.lineno,
                        f"builds {built}, a record that is not frozen",
                    )
                )
        todo += [callee for callee in walk.edges if callee not in edges]
    cycles = _cycles(edges)
    for cycle in cycles:
        first = index.functions[cycle[0]]
        findings.append(
            FlowFinding(
                FlowRule.RECURSION,
                cycle[0],
                index.relative(first.path),
                first.node.lineno,
                "call cycle: " + " -> ".join([*cycle, cycle[0]]),
            )
        )
    return FlowResult(
        entry_points=tuple(entry_points),
        reachable=tuple(sorted(edges)),
        edges=edges,
        findings=tuple(sorted(set(findings), key=lambda f: (f.path, f.line, f.rule, f.message))),
        name_resolved_edges=name_edges,
        unresolved_calls=unresolved,
        max_call_depth=0
        if cycles
        else _depth(edges, [e for e in edges if e in _starts(graph, entry_points)]),
        errors=tuple(errors),
    )


def _starts(graph: CallGraph, entry_points: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for entry in entry_points:
        resolved = graph.resolve(entry)
        if resolved is not None:
            found.update(graph.targets(resolved))
    return found


def _cycles(edges: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """The call cycles: groups of functions each reachable from the others (sorted).

    Strongly connected components by reachability sets, quadratic in the
    graph but plain (control paths have hundreds of functions, not more).
    """
    reach = {node: _reachable_from(node, edges) for node in edges}
    found: list[list[str]] = []
    seen: set[str] = set()
    for node in sorted(edges):
        if node in seen or node not in reach[node]:
            continue
        component = sorted(other for other in reach[node] if node in reach[other])
        seen.update(component)
        found.append(component)
    return found


def _reachable_from(start: str, edges: dict[str, tuple[str, ...]]) -> set[str]:
    """Every function reachable from ``start`` in one or more calls."""
    found: set[str] = set()
    todo = list(edges.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in found and node in edges:
            found.add(node)
            todo.extend(edges[node])
    return found


def _depth(edges: dict[str, tuple[str, ...]], starts: list[str]) -> int:
    """Longest chain of calls from ``starts`` in an acyclic graph (entry point = 1)."""
    memo: dict[str, int] = {}
    order: list[tuple[str, bool]] = [(s, False) for s in starts]
    while order:
        node, done = order.pop()
        if node in memo:
            continue
        callees = [c for c in edges.get(node, ()) if c in edges]
        if done:
            memo[node] = 1 + max((memo[c] for c in callees), default=0)
            continue
        order.append((node, True))
        order += [(c, False) for c in callees if c not in memo]
    return max((memo[s] for s in starts), default=0)
