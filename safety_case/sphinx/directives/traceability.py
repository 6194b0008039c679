"""``safety-traceability``: the traceability report as a page of the site.

The directive is replaced by the report's HTML (safety goals, figures per
ASIL, orphans both ways, the chains hazard to leaf requirement, every
requirement and every evidence record with an anchor the GSN diagrams link
to), with need ids linked to their anchors. The same report is written
beside the page as ``traceability.json`` with its schema
``traceability.schema.json``.
"""

import json
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from safety_case.report import TraceabilityReport, report_fragment, traceability
from safety_case.sphinx.directives.safety_case import GOAL_PAGE_FOLDER, case_of_build

__all__ = ["TraceabilityDirective", "TraceabilityNode", "process_traceability_nodes"]


class TraceabilityNode(nodes.General, nodes.Element):
    """Placeholder replaced by the report once all needs are read."""


class TraceabilityDirective(SphinxDirective):
    """Show the traceability report (no options, no content)."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        """Emit the placeholder."""
        node = TraceabilityNode()
        self.set_source_info(node)
        return [node]


def process_traceability_nodes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each placeholder with the report; write its JSON and schema beside the page."""
    placeholders = list(doctree.findall(TraceabilityNode))
    if not placeholders:
        return
    case = case_of_build(app)
    report = traceability(case)

    def need_url(need_id: str) -> str | None:
        need = case.needs.get(need_id)
        if need is None or not need.get("docname"):
            return None
        return f"{app.builder.get_relative_uri(docname, str(need['docname']))}#{need_id}"

    def goal_url(module_id: str) -> str:
        return app.builder.get_relative_uri(docname, f"{GOAL_PAGE_FOLDER}/{module_id}")

    fragment = report_fragment(report, need_url, goal_url)
    links = (
        '<p>Machine-readable: <a href="traceability.json">traceability.json</a> '
        '(schema: <a href="traceability.schema.json">traceability.schema.json</a>).</p>'
    )
    out = app.outdir
    out.mkdir(parents=True, exist_ok=True)
    (out / "traceability.json").write_text(report.model_dump_json(indent=1), encoding="utf-8")
    (out / "traceability.schema.json").write_text(
        json.dumps(TraceabilityReport.model_json_schema(), indent=2), encoding="utf-8"
    )
    for node in placeholders:
        node.replace_self(nodes.raw("", links + fragment, format="html"))
