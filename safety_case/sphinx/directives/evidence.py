"""``safety-evidence``: a table of the evidence records for some requirements, with freshness.

Freshness is judged against the sources of this very build: the
requirements as sphinx-needs read them now and the code as it is now. A
record whose subjects changed since its run is shown as stale, never as a pass.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from safety_case.evidence import EvidenceRecord, read_records, stale_reasons
from safety_case.fingerprint import code_unit_fingerprints, requirement_fingerprint
from safety_case.policy import Policy, find_policy, load_policy
from safety_case.sphinx.directives._table import text_table
from safety_case.trace import TraceTarget, extract, module_name

__all__ = ["EvidenceDirective", "EvidenceNode", "process_evidence_nodes"]

_COLUMNS = ("Evidence", "Requirements", "Method", "Tool", "Verdict", "Status")


class EvidenceNode(nodes.General, nodes.Element):
    """Placeholder replaced by the evidence table once all needs are read."""


class EvidenceDirective(SphinxDirective):
    """Show evidence records, optionally only those verifying given requirements."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"requirements": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        """Emit the placeholder with the requested requirement ids."""
        node = EvidenceNode()
        node["requirements"] = (self.options.get("requirements") or "").replace(",", " ").split()
        self.set_source_info(node)
        return [node]


def process_evidence_nodes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each placeholder with a table of records and their freshness."""
    del docname
    placeholders = list(doctree.findall(EvidenceNode))
    if not placeholders:
        return
    policy = _policy(app)
    records, problems = read_records(policy.path(policy.evidence_dir))
    units, code, requirements = _current_fingerprints(app, policy)
    for node in placeholders:
        wanted = set(node["requirements"])
        shown = [r for r in records if not wanted or wanted & set(r.requirement_ids)]
        replacement: list[nodes.Node] = [_implementers(units, wanted, policy.root)]
        if shown:
            implemented = {u.qualified_name: u.requirement_ids for u in units}
            replacement.append(
                _table(shown, code, requirements, root=policy.root, implemented=implemented)
            )
        else:
            replacement.append(nodes.paragraph(text="No evidence records: evidence is missing."))
        replacement += [nodes.paragraph(text=problem) for problem in problems]
        node.replace_self(replacement)


def _implementers(units: list[TraceTarget], wanted: set[str], root: Path) -> nodes.bullet_list:
    """One bullet per code unit that implements a wanted requirement, with its location."""
    listing = nodes.bullet_list()
    for unit in units:
        if wanted and not wanted & set(unit.requirement_ids):
            continue
        item = nodes.list_item()
        where = unit.path.resolve().relative_to(root).as_posix()
        item += nodes.paragraph(
            text=f"{unit.qualified_name} ({where}:{unit.line}) implements "
            + ", ".join(unit.requirement_ids)
        )
        listing += item
    return listing


def _policy(app: Sphinx) -> Policy:
    configured = app.config.safety_case_policy_file
    path = Path(app.confdir, configured) if configured else find_policy(Path(app.srcdir))
    if path is None:
        return Policy(code=("src",), tests=("tests",), root=Path(app.srcdir))
    return load_policy(path)


def _current_fingerprints(
    app: Sphinx, policy: Policy
) -> tuple[list[TraceTarget], dict[str, str | None], dict[str, str]]:
    from sphinx_needs.data import SphinxNeedsData  # noqa: PLC0415

    import_root = policy.path(policy.import_root)
    units, _ = extract([policy.path(p) for p in policy.code], import_root)
    code = code_unit_fingerprints(
        (unit.path, unit.qualified_name, module_name(unit.path, import_root)) for unit in units
    )
    needs = SphinxNeedsData(app.env).get_needs_view()
    # NeedItem reads like the needs.json entry it is exported as, hence the cast.
    requirements = {
        need_id: requirement_fingerprint(cast("Mapping[str, Any]", need))
        for need_id, need in needs.items()
    }
    return units, code, requirements


def _table(
    records: list[EvidenceRecord],
    code: dict[str, str | None],
    requirements: dict[str, str],
    *,
    root: Path,
    implemented: Mapping[str, Sequence[str]],
) -> nodes.table:
    rows = []
    for record in records:
        reasons = stale_reasons(record, code, requirements, root=root, implemented=implemented)
        status = "stale: " + "; ".join(reasons) if reasons else "fresh"
        subjects = ", ".join(s.qualified_name for s in record.subjects) or "no code unit"
        rows.append(
            (
                f"{record.id} (rests on {subjects})",
                ", ".join(record.requirement_ids),
                record.method.value,
                f"{record.tool.name} {record.tool.version}",
                record.verdict.value,
                status,
            )
        )
    return text_table(_COLUMNS, rows, "safety-evidence")
