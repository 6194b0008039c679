"""HTML of the traceability report: a fragment for the Sphinx page, a standalone file.

Layer 4 (producers). Plain escaped strings: a handful of tables needs no
template engine. ``need_url`` turns a need id into a link (the Sphinx
page's anchor, or none in the standalone file). ASIL: tool for ASIL D
development.
"""

import hashlib
import html
from collections.abc import Callable, Iterable, Sequence

from safety_case.report._model import TraceabilityReport

__all__ = ["evidence_anchor", "report_fragment", "standalone_html"]

NeedUrl = Callable[[str], str | None]

_CSS = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table.sc-trace { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
table.sc-trace th, table.sc-trace td { border: 1px solid #bbb; padding: 2px 6px; text-align: left;
  vertical-align: top; }
table.sc-trace th { background: #eee; }
.sc-supported { background: #d9ead3; } .sc-undeveloped { background: #fff2cc; }
.sc-missing-evidence { background: #f4cccc; } .sc-stale { background: #fce5cd; }
.sc-failing { background: #e06666; color: white; }
"""


def evidence_anchor(record_id: str) -> str:
    """HTML anchor of a record's row (stable: derived from the record id)."""
    return "ev-" + hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:12]


def _e(text: object) -> str:
    return html.escape(str(text))


def _need(need_id: str, need_url: NeedUrl) -> str:
    url = need_url(need_id) if need_id else None
    return f'<a href="{_e(url)}">{_e(need_id)}</a>' if url else _e(need_id)


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="sc-trace"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


def report_fragment(
    report: TraceabilityReport, need_url: NeedUrl, goal_url: NeedUrl | None = None
) -> str:
    """The report's sections as HTML (no ``<html>`` shell)."""
    parts = ["<h2>Safety goals</h2>"]
    parts.append(
        _table(
            ("Module", "Status", "Undeveloped", "Missing evidence", "Failing", "Stale"),
            (
                (
                    _link(g.id, goal_url),
                    f'<span class="sc-{g.status.replace(" ", "-")}">{_e(g.status)}</span>',
                    str(g.undeveloped),
                    str(g.missing_evidence),
                    str(g.failing),
                    str(g.stale),
                )
                for g in report.goals
            ),
        )
    )
    parts.append("<h2>Figures per ASIL (leaf requirements)</h2>")
    parts.append(
        _table(
            (
                "ASIL",
                "Requirements",
                "Implemented",
                "Verified",
                "Fresh passing evidence",
                "Every required method",
            ),
            (
                (
                    _e(f.asil),
                    str(f.requirements),
                    str(f.implemented),
                    str(f.verified),
                    str(f.fresh_passing),
                    str(f.every_method),
                )
                for f in report.asil_figures
            ),
        )
    )
    parts.append(_orphans(report, need_url))
    parts.append("<h2>Chains: hazard, goal, requirements, code, tests, evidence</h2>")
    parts.append(
        _table(
            ("Path", "Code units", "Tests", "Evidence (fresh passing / all)"),
            (
                (
                    " &rarr; ".join(_need(n, need_url) for n in c.path),
                    str(c.code_units),
                    str(c.tests),
                    f"{c.evidence_counting} / {c.evidence}",
                )
                for c in report.chains
            ),
        )
    )
    parts.append("<h2>Requirements</h2>")
    parts.append(
        _table(
            ("Id", "ASIL", "Title", "Code units", "Tests", "Records", "Methods missing"),
            (
                (
                    _need(r.id, need_url),
                    _e(r.asil),
                    _e(r.title),
                    "<br/>".join(_e(u) for u in r.code_units),
                    str(len(r.tests)),
                    str(len(r.evidence)),
                    _e(", ".join(r.methods_missing)),
                )
                for r in report.requirements
            ),
        )
    )
    parts.append("<h2>Evidence records</h2>")
    parts.append(
        _table(
            ("Record", "Method", "Tool", "Verdict", "Requirements", "Status"),
            (
                (
                    f'<span id="{evidence_anchor(r.id)}">{_e(r.id)}</span>',
                    _e(r.method),
                    _e(r.tool),
                    _e(r.verdict),
                    ", ".join(_need(i, need_url) for i in r.requirement_ids),
                    _e("stale: " + "; ".join(r.stale_because) if r.stale_because else "fresh"),
                )
                for r in report.evidence
            ),
        )
    )
    return "\n".join(parts)


def _link(module_id: str, goal_url: NeedUrl | None) -> str:
    url = goal_url(module_id) if goal_url else None
    return f'<a href="{_e(url)}">{_e(module_id)}</a>' if url else _e(module_id)


def _orphans(report: TraceabilityReport, need_url: NeedUrl) -> str:
    o = report.orphans
    rows = [
        (
            "Leaf requirements without code",
            ", ".join(_need(i, need_url) for i in o.requirements_without_code),
        ),
        (
            "Leaf requirements without tests",
            ", ".join(_need(i, need_url) for i in o.requirements_without_tests),
        ),
        (
            "Requirements satisfying nothing known",
            ", ".join(_need(i, need_url) for i in o.requirements_without_parent),
        ),
        (
            "Code naming unknown requirements",
            "<br/>".join(f"{_e(k)}: {_e(', '.join(v))}" for k, v in o.code_naming_unknown.items()),
        ),
        (
            "Tests naming unknown requirements",
            "<br/>".join(f"{_e(k)}: {_e(', '.join(v))}" for k, v in o.tests_naming_unknown.items()),
        ),
        (
            "Records naming unknown requirements",
            "<br/>".join(
                f"{_e(k)}: {_e(', '.join(v))}" for k, v in o.evidence_naming_unknown.items()
            ),
        ),
    ]
    return "<h2>Orphans</h2>" + _table(("Kind", "Items"), ((_e(k), v or "none") for k, v in rows))


def standalone_html(report: TraceabilityReport, title: str = "Traceability report") -> str:
    """A self-contained HTML page of the report."""
    body = report_fragment(report, lambda _need_id: None)
    findings = "".join(f"<li>{_e(f)}</li>" for f in report.findings) or "<li>none</li>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>{body}<h2>GSN check findings</h2><ul>{findings}</ul>"
        "</body></html>\n"
    )
