"""``safety-case``: the dashboard of the generated safety case, and one page per goal.

The directive is replaced by a table of every module of the GSN argument
(one per safety goal, plus the shared ones) with its status and its counts
of undeveloped goals and missing, failing and stale evidence, and by every
reason the gate would give. Each module gets a page of its own
(``safety_case/<module>.html``, added through ``html-collect-pages``) with its
diagram inlined as SVG, each node linked to its need's anchor or to its
record's row on the traceability page. A wide module is split into views
(:func:`safety_case.gsn.partition`): its page shows the top view, and each
cut goal, drawn there as an away goal, gets a page of its own
(``safety_case/<module>__<goal>.html``) it links to. The configuration value
``safety_case_diagram_width`` sets the widest view, in units of about 100
points (default :data:`safety_case.gsn.DEFAULT_MAX_WIDTH`). Everything is judged against the
sources of this very build, as the evidence directive does.
"""

import html
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Final, cast

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from safety_case.evidence import EvidenceRecord, read_records
from safety_case.fingerprint import code_unit_fingerprints, requirement_fingerprint
from safety_case.gsn import (
    STATUS_COLOURS,
    AwayGoal,
    BaseElement,
    Goal,
    Solution,
    Status,
    partition,
    render_svgs,
    to_dot,
)
from safety_case.policy import Policy, find_policy, load_policy
from safety_case.report import (
    Case,
    JudgedEvidence,
    case_from_parts,
    evidence_anchor,
    gate_reasons,
    goal_summaries,
    judge,
)
from safety_case.trace import TraceTarget, extract, module_name

_Fingerprints = tuple[dict[str, str | None], dict[str, str], list[TraceTarget]]
"""Code-unit and requirement fingerprints of a build, and its traced code units."""

__all__ = [
    "GOAL_PAGE_FOLDER",
    "SafetyCaseDirective",
    "SafetyCaseNode",
    "case_of_build",
    "collect_goal_pages",
    "judge_in_build",
    "outdated_case_pages",
    "policy_of_build",
    "process_safety_case_nodes",
]

GOAL_PAGE_FOLDER: Final = "safety_case"
"""Pages of the modules are ``<folder>/<module id>.html`` in the output."""
_CASES: "weakref.WeakKeyDictionary[Sphinx, Case]" = weakref.WeakKeyDictionary()
_SOURCES: "weakref.WeakKeyDictionary[Sphinx, _Fingerprints]" = weakref.WeakKeyDictionary()


class SafetyCaseNode(nodes.General, nodes.Element):
    """Placeholder replaced by the dashboard once all needs are read."""


class SafetyCaseDirective(SphinxDirective):
    """Show the dashboard of the safety case (no options, no content)."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        """Emit the placeholder."""
        node = SafetyCaseNode()
        self.set_source_info(node)
        return [node]


def policy_of_build(app: Sphinx) -> Policy:
    """The policy this build reads (``safety_case_policy_file``, or the nearest one)."""
    return _policy(app)


def judge_in_build(app: Sphinx, records: Iterable[EvidenceRecord]) -> list[JudgedEvidence]:
    """``records`` judged against this build's needs and code, as the dashboard judges."""
    root = case_of_build(app).policy.root
    code, requirements, units = _SOURCES[app]
    return judge(records, code, requirements, root=root, code_units=units)


def _policy(app: Sphinx) -> Policy:
    configured = app.config.safety_case_policy_file
    path = Path(app.confdir, configured) if configured else find_policy(Path(app.srcdir))
    if path is None:
        return Policy(code=("src",), tests=("tests",), root=Path(app.srcdir))
    return load_policy(path)


def case_of_build(app: Sphinx) -> Case:
    """The case judged against this build's needs and the current code (computed once)."""
    cached = _CASES.get(app)
    if cached is not None:
        return cached
    from sphinx_needs.data import SphinxNeedsData  # noqa: PLC0415

    policy = _policy(app)
    # NeedItem reads like the needs.json entry it is exported as.
    needs = {
        need_id: dict(cast("Mapping[str, Any]", need))
        for need_id, need in SphinxNeedsData(app.env).get_needs_view().items()
    }
    import_root = policy.path(policy.import_root)
    units, unit_errors = extract([policy.path(p) for p in policy.code], import_root)
    tests, test_errors = extract([policy.path(p) for p in policy.tests], import_root)
    code = code_unit_fingerprints(
        (u.path, u.qualified_name, module_name(u.path, import_root)) for u in units
    )
    requirements = {i: requirement_fingerprint(n) for i, n in needs.items()}
    records, problems = read_records(policy.path(policy.evidence_dir))
    code_units = [u for u in units if u.kind == "code"]
    _SOURCES[app] = (code, requirements, code_units)
    case = case_from_parts(
        policy,
        needs=needs,
        code_units=code_units,
        tests=[t for t in tests if t.kind == "test"],
        evidence=judge(records, code, requirements, root=policy.root, code_units=code_units),
        problems=[
            *problems,
            *(f"{e.path}:{e.line}: {e.message}" for e in unit_errors + test_errors),
        ],
    )
    _CASES[app] = case
    return case


def process_safety_case_nodes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each placeholder with the dashboard."""
    placeholders = list(doctree.findall(SafetyCaseNode))
    if not placeholders:
        return
    case = case_of_build(app)
    for node in placeholders:
        node.replace_self(_dashboard(app, case, docname))


def _dashboard(app: Sphinx, case: Case, docname: str) -> list[nodes.Node]:
    summaries = goal_summaries(case)
    reasons = gate_reasons(case)
    complete = not reasons
    verdict = (
        "The safety case is complete: every goal is supported by fresh, passing evidence."
        if complete
        else f"The safety case is NOT complete: the gate gives {len(reasons)} reasons."
    )
    table = nodes.table(classes=["safety-case-dashboard"])
    columns = ("Module", "Status", "Undeveloped", "Missing evidence", "Failing", "Stale")
    group = nodes.tgroup(cols=len(columns))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in columns]
    head = nodes.thead()
    head += _row([nodes.paragraph(text=c) for c in columns])
    body = nodes.tbody()
    for summary in summaries:
        uri = app.builder.get_relative_uri(docname, f"{GOAL_PAGE_FOLDER}/{summary.id}")
        link = nodes.paragraph()
        link += nodes.reference(text=f"{summary.id}: {summary.title}", refuri=uri)
        status = nodes.paragraph()
        fill, border = STATUS_COLOURS[Status(summary.status)]
        status += nodes.raw(
            "",
            f'<span class="gsn-status" style="background:{fill};border:1px solid {border};'
            f'padding:1px 6px">{html.escape(summary.status)}</span>',
            format="html",
        )
        numbers = (summary.undeveloped, summary.missing_evidence, summary.failing, summary.stale)
        body += _row([link, status, *(nodes.paragraph(text=str(n)) for n in numbers)])
    group += [head, body]
    result: list[nodes.Node] = [nodes.paragraph(text=verdict), table]
    listing = nodes.bullet_list()
    for reason in reasons:
        item = nodes.list_item()
        item += nodes.paragraph(text=reason)
        listing += item
    if reasons:
        result += [nodes.paragraph(text="Why the gate fails:"), listing]
    return result


def _row(cells: list[nodes.Node]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell
        row += entry
    return row


def collect_goal_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """One page per view of each module with its diagram (``html-collect-pages``)."""
    if not app.env.found_docs or not _uses_directive(app):
        return
    case = case_of_build(app)
    width = int(app.config.safety_case_diagram_width)
    views = [
        (module, view) for module in case.argument.modules for view in partition(module, width)
    ]
    folder = Path(app.outdir) / GOAL_PAGE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    linkers = [_linker(app, case, f"{GOAL_PAGE_FOLDER}/{view.id}") for _, view in views]
    drawn = render_svgs(
        [to_dot(view, link) for (_, view), link in zip(views, linkers, strict=True)]
    )
    for (module, view), svg in zip(views, drawn, strict=True):
        pagename = f"{GOAL_PAGE_FOLDER}/{view.id}"
        (folder / f"{view.id}.svg").write_text(svg, encoding="utf-8")
        title = f"Safety case: {module.title}"
        part = ""
        if view.id != module.id:
            title = f"{title}: {view.root.id if view.root else view.id}"
            part = (
                f'<p>Part of the argument <a href="{html.escape(module.id)}.html">'
                f"{html.escape(module.id)}: {html.escape(module.title)}</a>, developing "
                f"<strong>{html.escape(view.title)}</strong>.</p>"
            )
        status = view.root.status if isinstance(view.root, Goal) else module.status
        body = (
            f"<h1>{html.escape(title)}</h1>{part}"
            f"<p>Status of the argument: <strong>{html.escape(status.value)}</strong>. "
            "Each node links to its requirement or evidence record, and each away goal "
            "(double border) to the diagram that develops it; the diagram scrolls, or "
            f'<a href="{html.escape(view.id)}.svg">open it alone</a>.</p>'
            f"{_legend()}"
            f'<div class="safety-case-gsn" style="overflow:auto">{svg}</div>'
        )
        yield pagename, {"title": title, "body": body}, "page.html"


def _linker(app: Sphinx, case: Case, pagename: str) -> Callable[[BaseElement], str | None]:
    """The URL of each element drawn on ``pagename``: its view, record or need."""
    traceability = app.config.safety_case_traceability_doc
    has_traceability = traceability in app.env.found_docs

    def link(element: BaseElement) -> str | None:
        if isinstance(element, AwayGoal):
            return app.builder.get_relative_uri(pagename, f"{GOAL_PAGE_FOLDER}/{element.module}")
        if isinstance(element, Solution) and element.record_id and has_traceability:
            uri = app.builder.get_relative_uri(pagename, traceability)
            return f"{uri}#{evidence_anchor(element.record_id)}"
        need = case.needs.get(element.need_id or "")
        if need is not None and need.get("docname"):
            uri = app.builder.get_relative_uri(pagename, str(need["docname"]))
            return f"{uri}#{element.need_id}"
        return None

    return link


def _docs_using(app: Sphinx, *markers: str) -> list[str]:
    """Documents whose source uses one of the directives ``markers`` (such as ``safety-case::``)."""
    found = []
    for doc in sorted(app.env.found_docs):
        path = Path(app.env.doc2path(doc))
        if path.suffix == ".rst" and path.is_file():
            # A page that is not UTF-8 is Sphinx's to report (with its file); here it
            # only must not stop the search.
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(marker in text for marker in markers):
                found.append(doc)
    return found


def _uses_directive(app: Sphinx) -> bool:
    """The site shows the dashboard somewhere (goal pages only make sense then)."""
    return bool(_docs_using(app, "safety-case::"))


def outdated_case_pages(
    app: Sphinx, env: object, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Rebuild the dashboard and traceability pages on every build (``env-get-outdated``).

    They show the evidence and code of the moment, which Sphinx does not see
    change; an incremental build must not keep yesterday's verdict.
    """
    del env, added, changed, removed
    return _docs_using(app, "safety-case::", "safety-traceability::", "safety-bundle::")


def _legend() -> str:
    items = "".join(
        f'<span style="background:{fill};border:1px solid {border};padding:1px 6px;'
        f'margin-right:6px">{html.escape(status.value)}</span>'
        for status, (fill, border) in STATUS_COLOURS.items()
    )
    return f'<p class="safety-case-legend">{items}</p>'
