"""Write a GSN module as graphviz DOT and render it to SVG with the ``dot`` program.

Layer 4 (producers). Only syntax here: shapes follow the GSN Community
Standard v3 (goal rectangle, strategy parallelogram, solution circle,
context rounded rectangle, assumption and justification ovals marked A and
J, a hollow diamond under an undeveloped element, an away goal as a
rectangle with its module underneath; many solutions of one goal as a
table of linked cells); the colours of the statuses are
chosen here, never in the model. Each node links to a URL given by the
caller (a need's anchor, a record's row). The DOT text is written by hand:
it is a few lines of syntax, and the ``graphviz`` package would only wrap
the same ``dot`` call. ASIL: tool for ASIL D development.
"""

import html
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Sequence
from typing import Final

from safety_case.errors import SafetyCaseError
from safety_case.gsn._model import AwayGoal, BaseElement, Module, Solution, Status
from safety_case.gsn._views import LEAVES_PER_ROW, SOLUTIONS_PER_ROW, VIEW_SEPARATOR

__all__ = ["STATUS_COLOURS", "RenderError", "render_svg", "render_svgs", "to_dot"]

STATUS_COLOURS: Final = {
    Status.SUPPORTED: ("#d9ead3", "#38761d"),
    Status.UNDEVELOPED: ("#fff2cc", "#bf9000"),
    Status.MISSING_EVIDENCE: ("#f4cccc", "#cc0000"),
    Status.STALE: ("#fce5cd", "#b45f06"),
    Status.FAILING: ("#e06666", "#660000"),
}
"""Fill and border colour of each status."""
_NEUTRAL: Final = ("#f3f3f3", "#666666")
_MARKERS: Final = {"assumption": "A", "justification": "J"}
_WIDTHS: Final = {"goal": 34, "strategy": 34, "solution": 18, "away_goal": 30}


class RenderError(SafetyCaseError):
    """Graphviz is missing or could not draw the diagram."""


Linker = Callable[[BaseElement], str | None]
"""Gives an element's URL, or ``None``."""


def to_dot(module: Module, link: Linker | None = None) -> str:
    """DOT text of ``module``; ``link`` gives each element's URL (or ``None``).

    A goal or strategy closed by more than ``SOLUTIONS_PER_ROW`` solutions
    shows them as one table of solutions, a cell per solution with its
    status colour, its id and its own link (dozens of circles joined by as
    many long edges would spread the diagram over thousands of points); a
    parent of more than ``LEAVES_PER_ROW`` other leaves (away goals,
    undeveloped goals) stacks them in rows.
    """
    tabled = _tabled_solutions(module)
    hidden = {solution.id for group in tabled.values() for solution in group}
    lines = [
        f"digraph {_quote(module.id)} {{",
        "  graph [rankdir=TB, nodesep=0.3, ranksep=0.45, forcelabels=true, "
        'fontname="Helvetica", bgcolor="white"];',
        '  node [fontname="Helvetica", fontsize=10, style="filled", penwidth=1.4];',
        '  edge [color="#444444", arrowsize=0.8];',
    ]
    for element in module.elements:
        if element.id in hidden:
            continue
        lines.append(f"  {_quote(element.id)} [{_attributes(element, link)}];")
        if getattr(element, "undeveloped", False):
            marker = _quote(f"{element.id}__undeveloped")
            lines.append(
                f'  {marker} [shape=diamond, label="", width=0.22, height=0.22, '
                'style="filled", fillcolor="white", color="#444444", tooltip="undeveloped"];'
            )
            lines.append(f"  {_quote(element.id)} -> {marker} [arrowhead=none, minlen=1];")
    for source, solutions in tabled.items():
        table = _quote(f"{source}__solutions")
        lines.append(f"  {table} [{_table(source, solutions, link)}];")
        lines.append(f"  {_quote(source)} -> {table} [arrowhead=normal];")
    for relation in module.supported_by:
        if relation.target in hidden:
            continue
        lines.append(
            f"  {_quote(relation.source)} -> {_quote(relation.target)} [arrowhead=normal];"
        )
    lines += _stacked_leaves(module, hidden)
    for context in module.in_context_of:
        lines.append(
            f"  {_quote(context.source)} -> {_quote(context.target)} "
            "[arrowhead=empty, style=solid, constraint=true];"
        )
        lines.append(f"  {{rank=same; {_quote(context.source)}; {_quote(context.target)};}}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _tabled_solutions(module: Module) -> dict[str, list[Solution]]:
    """Solutions of each source that has more than ``SOLUTIONS_PER_ROW`` of them."""
    by_id = {element.id: element for element in module.elements}
    below: dict[str, list[Solution]] = {}
    for relation in module.supported_by:
        target = by_id.get(relation.target)
        if isinstance(target, Solution):
            below.setdefault(relation.source, []).append(target)
    return {source: found for source, found in below.items() if len(found) > SOLUTIONS_PER_ROW}


def _table(source: str, solutions: list[Solution], link: Linker | None) -> str:
    """Attributes of the node showing ``solutions`` as a table, one linked cell each."""
    rows = []
    for start in range(0, len(solutions), SOLUTIONS_PER_ROW):
        cells = []
        for solution in solutions[start : start + SOLUTIONS_PER_ROW]:
            fill, border = STATUS_COLOURS[solution.status]
            url = link(solution) if link is not None else None
            extra = f' HREF="{html.escape(url)}" TARGET="_top"' if url else ""
            text = "<BR/>".join(html.escape(line) for line in textwrap.wrap(solution.text, 22))
            mark = "" if solution.status is Status.SUPPORTED else f"<BR/><I>[{solution.status}]</I>"
            cells.append(
                f'<TD ID="gsn-{html.escape(solution.id)}" BGCOLOR="{fill}" COLOR="{border}" '
                f'TITLE="{html.escape(_tooltip(solution))}"{extra}>'
                f"<B>{html.escape(solution.id)}</B><BR/>{text}{mark}</TD>"
            )
        rows.append(f"<TR>{''.join(cells)}</TR>")
    label = (
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="3" CELLPADDING="3" STYLE="ROUNDED">'
        f'<TR><TD COLSPAN="{SOLUTIONS_PER_ROW}" BORDER="0"><I>{len(solutions)} solutions'
        "</I></TD></TR>"
        f"{''.join(rows)}</TABLE>"
    )
    statuses = ", ".join(sorted({s.status.value for s in solutions}))
    return (
        f'id={_quote(f"gsn-{source}__solutions")}, shape="plain", style="", fontsize=8, '
        f'class="gsn-solution-table", tooltip={_quote(f"solutions of {source}: {statuses}")}, '
        f"label=<{label}>"
    )


def _stacked_leaves(module: Module, hidden: set[str]) -> list[str]:
    """Invisible edges that stack many leaves of one parent in rows.

    Leaves are solutions not drawn in a table, away goals and goals or
    strategies with nothing below them; a parent with dozens of them would
    otherwise spread them on one rank.
    """
    parents = {relation.source for relation in module.supported_by}
    kinds = {element.id: element.kind for element in module.elements}
    below: dict[str, list[str]] = {}
    for relation in module.supported_by:
        target = relation.target
        if target not in hidden and target not in parents and target in kinds:
            below.setdefault(relation.source, []).append(target)
    return [
        f"  {_quote(upper)} -> {_quote(lower)} [style=invis];"
        for leaves in below.values()
        for upper, lower in zip(leaves, leaves[LEAVES_PER_ROW:], strict=False)
    ]


def _attributes(element: BaseElement, link: Linker | None) -> str:
    status = getattr(element, "status", None)
    fill, border = STATUS_COLOURS[status] if isinstance(status, Status) else _NEUTRAL
    attributes = {
        "id": f"gsn-{element.id}",
        "fillcolor": fill,
        "color": border,
        "tooltip": _tooltip(element),
        "class": f"gsn-{element.kind} gsn-status-{(status or 'none').replace(' ', '-')}",
    }
    shape, extra = _shape(element)
    attributes.update(extra)
    attributes["shape"] = shape
    url = link(element) if link is not None else None
    if url:
        attributes["URL"] = url
        attributes["target"] = "_top"
    label = _label(element, status)
    parts = [f"{key}={_quote(value)}" for key, value in attributes.items()]
    parts.append(f"label=<{label}>")
    return ", ".join(parts)


_SHAPES: Final = {
    "goal": ("box", {}),
    "strategy": ("parallelogram", {"margin": "0.02"}),
    "solution": ("circle", {"margin": "0.02"}),
    "context": ("box", {"style": "rounded,filled"}),
    "assumption": ("ellipse", {}),
    "justification": ("ellipse", {}),
    "away_goal": ("box", {"peripheries": "2"}),  # the module is named under the text
}


def _shape(element: BaseElement) -> tuple[str, dict[str, str]]:
    shape, extra = _SHAPES[element.kind]
    return shape, dict(extra)


def _label(element: BaseElement, status: Status | None) -> str:
    width = _WIDTHS.get(element.kind, 30)
    text = "<BR/>".join(html.escape(line) for line in textwrap.wrap(element.text, width) or [""])
    head = f"<B>{html.escape(element.id)}</B>"
    body = f"{head}<BR/>{text}"
    if isinstance(element, AwayGoal):
        parts = element.module.replace(VIEW_SEPARATOR, f"{VIEW_SEPARATOR} ").split()
        lines = textwrap.wrap(" ".join(["module", *parts]), width) or [""]
        body += "".join(f"<BR/><I>{html.escape(line)}</I>" for line in lines)
    marker = _MARKERS.get(element.kind)
    if marker:  # GSN marks the oval with its letter
        body += f'<BR ALIGN="RIGHT"/><B>{marker}</B>'
    if status is not None and status is not Status.SUPPORTED:
        body += f"<BR/><I>[{html.escape(status.value)}]</I>"
    return body


def _tooltip(element: BaseElement) -> str:
    status = getattr(element, "status", None)
    reason = getattr(element, "reason", "")
    parts = [element.text]
    if status is not None:
        parts.append(f"status: {status.value}")
    if reason:
        parts.append(reason)
    return " | ".join(parts)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def render_svg(dot_text: str, timeout_s: float = 120.0) -> str:
    """SVG drawn by graphviz's ``dot`` from ``dot_text`` (XML prolog removed, for inlining).

    Raises:
        RenderError: when ``dot`` is not installed (install graphviz, such as
            Debian's ``graphviz`` package) or fails.
    """
    return render_svgs([dot_text], timeout_s)[0]


def render_svgs(dot_texts: Sequence[str], timeout_s: float = 300.0) -> list[str]:
    """One SVG per DOT text, drawn by a single ``dot`` process (as :func:`render_svg`).

    A split argument has hundreds of small diagrams; starting ``dot`` once
    for all of them instead of once each saves most of the time.

    Raises:
        RenderError: when ``dot`` is not installed or fails.
    """
    if not dot_texts:
        return []
    program = shutil.which("dot")
    if program is None:
        raise RenderError(
            "graphviz's 'dot' program is not installed: install graphviz "
            "(Debian: apt-get install graphviz) to draw the safety case"
        )
    try:
        result = subprocess.run(
            [program, "-Tsvg"],
            input="".join(dot_texts),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"dot took longer than {timeout_s} s") from None
    if result.returncode != 0:
        raise RenderError(f"dot failed: {result.stderr.strip()}")
    svgs = [
        part[: part.rindex("</svg>") + len("</svg>")] + "\n"
        for part in result.stdout.split("<svg")[1:]
    ]
    svgs = ["<svg" + svg for svg in svgs]
    if len(svgs) != len(dot_texts):
        raise RenderError(f"dot drew {len(svgs)} diagrams of {len(dot_texts)}")
    return svgs
