"""The rules sphinx-needs' schemas cannot express, as pure functions over needs and traces.

Layer 3 (judgement). Each check reads a :class:`ProjectData` and yields
:class:`Finding` records; none raises on malformed data (a value the schema
already rejects is skipped here, so it is reported once).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from safety_case.asil import (
    Asil,
    AsilRating,
    decomposition_permitted,
    determine_asil,
    parse_asil,
    parse_class,
    satisfies_inheritance,
)
from safety_case.metamodel import CODE_TYPE, LINKS, NEED_TYPES, TEST_TYPE
from safety_case.rules._methods import KNOWN_METHODS, MethodTable
from safety_case.rules._model import RULES, Finding, Location, RuleId, Severity
from safety_case.trace import TraceError, TraceTarget

__all__ = ["ProjectData", "run_rules"]

_PARENT_LINKS = ("satisfies", "realizes")
_PARTNER = "independent_of"
_TRACE_LINKS = {CODE_TYPE: "implements", TEST_TYPE: "verifies"}


@dataclass(frozen=True)
class ProjectData:
    """What the rules judge: the needs as exported, and the traces read from the code."""

    needs: Mapping[str, Mapping[str, Any]]
    """Needs by id, as sphinx-needs exports them (``needs.json``)."""
    code_units: tuple[TraceTarget, ...]
    """Code units with ``Implements:`` tags."""
    tests: tuple[TraceTarget, ...]
    """Tests with ``verifies`` markers."""
    trace_errors: tuple[TraceError, ...]
    """Traces that could not be read."""
    source_dir: Path
    """Folder of the requirement sources (needs' ``docname`` is relative to it)."""
    root: Path
    """Project root; locations are reported relative to it."""

    def location(self, need_id: str) -> Location:
        """File and line of a need's directive."""
        need = self.needs.get(need_id, {})
        docname = need.get("docname")
        if not docname:
            return Location("<unknown>", 0)
        path = self.source_dir / f"{docname}{need.get('doctype') or '.rst'}"
        return Location(self.relative(path), int(need.get("lineno") or 0))

    def relative(self, path: Path) -> str:
        """``path`` relative to the root when inside it, else as given."""
        return _relative(path, self.root)

    def rating(self, need_id: str) -> AsilRating | None:
        """The need's parsed ASIL, or ``None`` if absent or malformed."""
        value = self.needs.get(need_id, _NO_NEED).get("asil")
        return _parse_asil(value) if isinstance(value, str) else None

    def links(self, need_id: str, link: str) -> list[str]:
        """Outgoing links of one type (unknown targets included)."""
        value = self.needs.get(need_id, _NO_NEED).get(link)
        if not value or not isinstance(value, list):
            return []
        return [str(v) for v in value]

    def of_type(self, directive: str) -> list[str]:
        """Ids of the needs of one type, sorted."""
        return sorted(i for i, n in self.needs.items() if n.get("type") == directive)


_NO_NEED: Mapping[str, Any] = {}
_parse_asil = lru_cache(maxsize=256)(parse_asil)
"""``parse_asil`` once per distinct text (a project writes a handful; the result is frozen)."""


@lru_cache(maxsize=4096)
def _relative(path: Path, root: Path) -> str:
    """:meth:`ProjectData.relative`, once per path (thousands of traces share a few files)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def run_rules(data: ProjectData, methods: MethodTable) -> list[Finding]:
    """Every toolkit rule over the project, in the order of the registry."""
    findings: list[Finding] = []
    for check in (
        _dangling_links,
        _cycles,
        _hazard_asil,
        _goal_asil,
        _inheritance,
        _decomposition,
        _time_budget,
        _traces,
    ):
        findings.extend(check(data))
    findings.extend(_implemented_and_verified(data, methods))
    return findings


def _finding(data: ProjectData, rule: RuleId, need_id: str, message: str) -> Finding:
    return Finding(rule, RULES[rule].severity, need_id, data.location(need_id), message)


def _dangling_links(data: ProjectData) -> Iterator[Finding]:
    for need_id in sorted(data.needs):
        for link in LINKS:
            for target in data.links(need_id, link):
                if target not in data.needs and link not in _TRACE_LINKS.values():
                    yield _finding(
                        data,
                        RuleId.DANGLING_LINK,
                        need_id,
                        f"{need_id} {link} {target}, which is no need of the project",
                    )


def _cycles(data: ProjectData) -> Iterator[Finding]:
    """Each cycle once, reported on its smallest id (iterative DFS, no recursion)."""
    links = [name for name in LINKS if name != _PARTNER]
    graph = {
        need_id: sorted({t for name in links for t in data.links(need_id, name) if t in data.needs})
        for need_id in data.needs
    }
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1: on the path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path: list[str] = [start]
        iterators = [iter(graph[start])]
        state[start] = 1
        while iterators:
            child = next(iterators[-1], None)
            if child is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state.get(child) == 1:
                cycle = path[path.index(child) :]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    first = min(cycle)
                    ring = cycle[cycle.index(first) :] + cycle[: cycle.index(first)] + [first]
                    yield _finding(
                        data, RuleId.CYCLIC_LINK, first, "links form a cycle: " + " -> ".join(ring)
                    )
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                iterators.append(iter(graph[child]))


def _computed(data: ProjectData, hazard_id: str) -> Asil | None:
    need = data.needs[hazard_id]
    classes = [
        parse_class(str(need.get(name) or ""), letter)
        for name, letter in (("severity", "S"), ("exposure", "E"), ("controllability", "C"))
    ]
    if any(c is None for c in classes):
        return None
    s, e, c = (int(x or 0) for x in classes)
    return determine_asil(s, e, c)


def _hazard_asil(data: ProjectData) -> Iterator[Finding]:
    for hazard_id in data.of_type("hazard"):
        computed = _computed(data, hazard_id)
        declared = data.rating(hazard_id)
        if computed is None or declared is None:
            continue
        if declared.decomposed or declared.level != computed:
            need = data.needs[hazard_id]
            yield _finding(
                data,
                RuleId.HAZARD_ASIL,
                hazard_id,
                f"declared ASIL {declared} but {need.get('severity')}, {need.get('exposure')}, "
                f"{need.get('controllability')} give {computed.name}",
            )


def _goal_asil(data: ProjectData) -> Iterator[Finding]:
    for goal_id in data.of_type("safety_goal"):
        declared = data.rating(goal_id)
        levels = [
            level
            for hazard in data.links(goal_id, "mitigates")
            if hazard in data.needs and (level := _computed(data, hazard)) is not None
        ]
        if declared is None or not levels:
            continue
        highest = max(levels)
        if declared.decomposed or declared.level != highest:
            yield _finding(
                data,
                RuleId.GOAL_ASIL,
                goal_id,
                f"declared ASIL {declared} but the highest ASIL of its hazards is {highest.name}",
            )


def _inheritance(data: ProjectData) -> Iterator[Finding]:
    for need_id in sorted(data.needs):
        child = data.rating(need_id)
        if child is None:
            continue
        for link in _PARENT_LINKS:
            for parent_id in data.links(need_id, link):
                parent = data.rating(parent_id)
                if parent is None or satisfies_inheritance(parent, child):
                    continue
                if parent.decomposed:
                    why = f"below the decomposed {parent} it must be at least {parent} with the "
                    why += f"bracket ({parent.origin.name}) kept"
                elif child.decomposed:
                    why = f"a decomposed ASIL must carry the parent's ASIL in brackets ({parent})"
                else:
                    why = "it is lower and not decomposed"
                yield _finding(
                    data,
                    RuleId.ASIL_INHERITANCE,
                    need_id,
                    f"ASIL {child} {link} {parent_id} of ASIL {parent}: {why}",
                )


def _partners(data: ProjectData, need_id: str) -> list[str]:
    ids = data.links(need_id, _PARTNER) + data.links(need_id, f"{_PARTNER}_back")
    return sorted({i for i in ids if i in data.needs})


def _decomposition(data: ProjectData) -> Iterator[Finding]:
    for need_id in sorted(data.needs):
        rating = data.rating(need_id)
        if rating is None or not rating.decomposed or rating.original is None:
            continue
        parents = {p for link in _PARENT_LINKS for p in data.links(need_id, link)}
        if any((r := data.rating(p)) is not None and r.decomposed for p in parents):
            continue  # below a decomposed parent: the decomposition happened above
        partners = _partners(data, need_id)
        if not partners:
            yield _finding(
                data,
                RuleId.DECOMPOSITION,
                need_id,
                f"ASIL {rating} is one part of a decomposition but has no {_PARTNER} link to "
                "its independent partner",
            )
            continue
        for partner_id in partners:
            if partner_id < need_id and need_id in _partners(data, partner_id):
                continue  # the pair is judged once, from its smaller id
            partner = data.rating(partner_id)
            if partner is None:
                continue
            if partner.original != rating.original:
                yield _finding(
                    data,
                    RuleId.DECOMPOSITION,
                    need_id,
                    f"{need_id} ({rating}) and its partner {partner_id} ({partner}) decompose "
                    "different ASILs",
                )
            elif not decomposition_permitted(rating.original, rating.level, partner.level):
                yield _finding(
                    data,
                    RuleId.DECOMPOSITION,
                    need_id,
                    f"{rating} + {partner} is no permitted decomposition of ASIL "
                    f"{rating.original.name} (the parts must sum to at least it)",
                )


def _budget(data: ProjectData, need_id: str) -> int | None:
    need = data.needs.get(need_id, {})
    field = "ftti_ms" if need.get("type") == "safety_goal" else "reaction_ms"
    value = need.get(field)
    if value is None and field == "reaction_ms":
        value = need.get("ftti_ms")
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) > 0 else None


def _time_budget(data: ProjectData) -> Iterator[Finding]:
    """Each budget against every budget above it along ``satisfies`` (goals' FTTI included)."""
    for need_id in sorted(data.needs):
        budget = _budget(data, need_id)
        if budget is None or data.needs[need_id].get("type") == "safety_goal":
            continue
        seen: set[str] = set()
        frontier = list(data.links(need_id, "satisfies"))
        while frontier:
            parent_id = frontier.pop()
            if parent_id in seen or parent_id not in data.needs:
                continue
            seen.add(parent_id)
            limit = _budget(data, parent_id)
            if limit is not None and budget > limit:
                kind = "FTTI" if data.needs[parent_id].get("type") == "safety_goal" else "budget"
                yield _finding(
                    data,
                    RuleId.TIME_BUDGET,
                    need_id,
                    f"reaction time {budget} ms exceeds the {kind} of {parent_id} ({limit} ms)",
                )
            frontier.extend(data.links(parent_id, "satisfies"))


def _traces(data: ProjectData) -> Iterator[Finding]:
    for error in data.trace_errors:
        yield Finding(
            RuleId.TRACE,
            Severity.VIOLATION,
            "",
            Location(data.relative(error.path), error.line),
            error.message,
        )
    for kind, targets in ((CODE_TYPE, data.code_units), (TEST_TYPE, data.tests)):
        link = _TRACE_LINKS[kind]
        allowed = NEED_TYPES[kind].targets(link)
        for target in targets:
            where = Location(data.relative(target.path), target.line)
            for requirement in target.requirement_ids:
                need = data.needs.get(requirement)
                if need is None:
                    problem = "which is no need of the project"
                elif need.get("type") not in allowed:
                    problem = f"a {need.get('type')}; only {', '.join(allowed)} can be named"
                else:
                    continue
                yield Finding(
                    RuleId.TRACE,
                    Severity.VIOLATION,
                    requirement,
                    where,
                    f"{target.qualified_name} {link} {requirement}, {problem}",
                )
            for method in target.methods:
                if method not in KNOWN_METHODS:
                    yield Finding(
                        RuleId.TRACE,
                        Severity.VIOLATION,
                        "",
                        where,
                        f"{target.qualified_name}: unknown verification method {method!r}",
                    )


def _implemented_and_verified(data: ProjectData, table: MethodTable) -> Iterator[Finding]:
    implemented = {r for unit in data.code_units for r in unit.requirement_ids}
    shown: dict[str, set[str]] = {}
    for test in data.tests:
        for requirement in test.requirement_ids:
            shown.setdefault(requirement, set()).update(test.methods)
    traced_types = [spec.directive for spec in NEED_TYPES.values() if spec.traced]
    for directive in traced_types:
        for need_id in data.of_type(directive):
            if need_id not in implemented:
                yield _finding(
                    data, RuleId.NOT_IMPLEMENTED, need_id, f"no code unit implements {need_id}"
                )
            if need_id not in shown:
                yield _finding(data, RuleId.NOT_VERIFIED, need_id, f"no test verifies {need_id}")
            else:
                yield from _methods(data, table, need_id, shown[need_id])


def _methods(
    data: ProjectData, table: MethodTable, need_id: str, shown: set[str]
) -> Iterator[Finding]:
    """The methods the ASIL and the ``verification`` field want, against those tests show."""
    rating = data.rating(need_id)
    wanted = list(table.per_requirement[rating.level]) if rating else []
    declared = str(data.needs[need_id].get("verification") or "")
    for method in (m.strip() for m in declared.split(",") if m.strip()):
        if method not in KNOWN_METHODS:
            yield _finding(data, RuleId.METHODS, need_id, f"unknown verification method {method!r}")
        elif method not in wanted and not _project_wide(table, method):
            wanted.append(method)
    missing = [m for m in wanted if m not in shown]
    if missing:
        yield _finding(
            data,
            RuleId.METHODS,
            need_id,
            f"ASIL {rating} and its verification field want {', '.join(missing)}; "
            f"its tests show {', '.join(sorted(shown))}",
        )


def _project_wide(table: MethodTable, method: str) -> bool:
    return any(method in methods for methods in table.per_project.values())
