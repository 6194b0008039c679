"""Write a GSN module as graphviz DOT and render it to SVG with the ``dot`` program.

Layer 4 (producers). Only syntax here: shapes follow the GSN Community
Standard v3 (goal rectangle, strategy parallelogram, solution circle,
context rounded rectangle, assumption and justification ovals marked A and
J, a hollow diamond under an undeveloped element, an away goal as a
rectangle with its module underneath); the colours of the statuses are
chosen here, never in the model. Each node links to a URL given by the
caller (a need's anchor, a record's row). The DOT text is written by hand:
it is a few lines of syntax, and the ``graphviz`` package would only wrap
the same ``dot`` call. ASIL: tool for ASIL D development.
"""

import html
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from typing import Final

from safety_case.errors import SafetyCaseError
from safety_case.gsn._model import AwayGoal, BaseElement, Module, Status

__all__ = ["STATUS_COLOURS", "RenderError", "render_svg", "to_dot"]

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
    """DOT text of ``module``; ``link`` gives each element's URL (or ``None``)."""
    lines = [
        f"digraph {_quote(module.id)} {{",
        "  graph [rankdir=TB, nodesep=0.3, ranksep=0.45, forcelabels=true, "
        'fontname="Helvetica", bgcolor="white"];',
        '  node [fontname="Helvetica", fontsize=10, style="filled", penwidth=1.4];',
        '  edge [color="#444444", arrowsize=0.8];',
    ]
    for element in module.elements:
        lines.append(f"  {_quote(element.id)} [{_attributes(element, link)}];")
        if getattr(element, "undeveloped", False):
            marker = _quote(f"{element.id}__undeveloped")
            lines.append(
                f'  {marker} [shape=diamond, label="", width=0.22, height=0.22, '
                'style="filled", fillcolor="white", color="#444444", tooltip="undeveloped"];'
            )
            lines.append(f"  {_quote(element.id)} -> {marker} [arrowhead=none, minlen=1];")
    for relation in module.supported_by:
        lines.append(
            f"  {_quote(relation.source)} -> {_quote(relation.target)} [arrowhead=normal];"
        )
    lines += _stacked_solutions(module)
    for context in module.in_context_of:
        lines.append(
            f"  {_quote(context.source)} -> {_quote(context.target)} "
            "[arrowhead=empty, style=solid, constraint=true];"
        )
        lines.append(f"  {{rank=same; {_quote(context.source)}; {_quote(context.target)};}}")
    lines.append("}")
    return "\n".join(lines) + "\n"


_SOLUTIONS_PER_ROW: Final = 12


def _stacked_solutions(module: Module) -> list[str]:
    """Invisible edges that stack many solutions of one goal in rows of twelve.

    A goal closed by dozens of records would otherwise spread them on one
    rank and make the diagram tens of thousands of points wide.
    """
    kinds = {element.id: element.kind for element in module.elements}
    below: dict[str, list[str]] = {}
    for relation in module.supported_by:
        if kinds.get(relation.target) == "solution":
            below.setdefault(relation.source, []).append(relation.target)
    return [
        f"  {_quote(upper)} -> {_quote(lower)} [style=invis];"
        for solutions in below.values()
        for upper, lower in zip(solutions, solutions[_SOLUTIONS_PER_ROW:], strict=False)
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
        body += f"<BR/><I>module {html.escape(element.module)}</I>"
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
    program = shutil.which("dot")
    if program is None:
        raise RenderError(
            "graphviz's 'dot' program is not installed: install graphviz "
            "(Debian: apt-get install graphviz) to draw the safety case"
        )
    try:
        result = subprocess.run(
            [program, "-Tsvg"],
            input=dot_text,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"dot took longer than {timeout_s} s") from None
    if result.returncode != 0:
        raise RenderError(f"dot failed: {result.stderr.strip()}")
    svg = result.stdout
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
