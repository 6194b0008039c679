"""``safety-bundle``: a summary of the evidence bundle of the last run.

The directive is replaced by what the bundle (``<build_dir>/bundle``, or the
``:bundle:`` option, relative to the project root) holds: when and by which
toolkit it was collected, the SHA-256 of its manifest, whether its records
and artefacts still match the manifest, where the run happened (the
records' environments), the records per ISO 26262-6 method and verdict,
how many are fresh and passing, stale or failing against the sources of
this very build, each producing tool with its versions, its records and
runs (records sharing a start time), the wall time of those runs and the
summed test time (from the records' start, finish and ``duration_s``
figures), and the installed tool versions the manifest
pins. Without a bundle it says so and summarises the records of the
evidence folder instead, marked as not yet bundled. ISO 26262-8:2018
clauses 7 and 8 (the work products and the tools that made them are
identified; changes are detected).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from safety_case.evidence import (
    MANIFEST_NAME,
    EvidenceRecord,
    Manifest,
    Verdict,
    check_integrity,
    read_records,
)
from safety_case.fingerprint import file_sha256
from safety_case.policy import Policy
from safety_case.report import JudgedEvidence
from safety_case.sphinx.directives._table import text_table
from safety_case.sphinx.directives.safety_case import judge_in_build, policy_of_build

__all__ = ["BundleDirective", "BundleNode", "bundle_summary", "process_bundle_nodes"]

_DEFAULT_BUNDLE = "bundle"
"""The bundle's folder inside the policy's ``build_dir`` (as ``evidence collect`` writes it)."""


class BundleNode(nodes.General, nodes.Element):
    """Placeholder replaced by the bundle summary once all needs are read."""


class BundleDirective(SphinxDirective):
    """Summarise the evidence bundle (option ``:bundle:``, a folder from the project root)."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"bundle": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        """Emit the placeholder."""
        node = BundleNode()
        node["bundle"] = (self.options.get("bundle") or "").strip()
        self.set_source_info(node)
        return [node]


def process_bundle_nodes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each placeholder with the summary of its bundle."""
    del docname
    placeholders = list(doctree.findall(BundleNode))
    if not placeholders:
        return
    policy = policy_of_build(app)
    for node in placeholders:
        folder = (
            policy.path(node["bundle"])
            if node["bundle"]
            else policy.path(policy.build_dir) / _DEFAULT_BUNDLE
        )
        node.replace_self(bundle_summary(app, policy, folder))


def bundle_summary(app: Sphinx, policy: Policy, folder: Path) -> list[nodes.Node]:
    """The summary of the bundle in ``folder`` (or of the unbundled records), as nodes."""
    manifest_path = folder / MANIFEST_NAME
    shown = _relative(folder, policy.root)
    result: list[nodes.Node] = []
    if manifest_path.is_file():
        try:
            manifest: Manifest | None = Manifest.model_validate_json(manifest_path.read_bytes())
        except ValueError as error:
            manifest = None
            result.append(_note(f"The manifest {shown}/{MANIFEST_NAME} is not valid: {error}"))
    else:
        manifest = None
        result.append(
            _note(
                f"No evidence bundle at {shown} yet: 'safety-case evidence collect' (the nox "
                "session 'evidence') makes one. The records now in the evidence folder "
                f"{policy.evidence_dir} are summarised below; no manifest pins them yet."
            )
        )
    if manifest is not None:
        records, problems = read_records(folder / "records")
        result += _manifest_part(manifest, manifest_path, folder, shown)
    else:
        records, problems = read_records(policy.path(policy.evidence_dir))
    if not records:
        result.append(_note("No evidence records: every verification activity lacks evidence."))
        return result
    judged = judge_in_build(app, records)
    result += [
        _paragraph(_where(records)),
        _heading("Records per method and verdict"),
        _methods_table(records),
        _heading("Against the sources of this build"),
        _freshness_table(judged),
        _heading("Producing tools and their runs"),
        _tools_table(records),
    ]
    if manifest is not None:
        result += [
            _heading("Installed tool versions pinned by the manifest"),
            text_table(
                ("Distribution", "Version"),
                sorted(manifest.tools.items()),
                "safety-bundle-versions",
            ),
        ]
    result += [_paragraph(f"Unreadable record: {problem}") for problem in problems]
    return result


def _manifest_part(
    manifest: Manifest, manifest_path: Path, folder: Path, shown: str
) -> list[nodes.Node]:
    integrity = check_integrity(folder)
    lines = integrity.lines()
    intact = (
        f"intact: its {len(manifest.records)} records and {len(manifest.artefacts)} artefacts "
        "match the manifest"
        if not lines
        else f"NOT intact ({len(lines)} findings, listed below)"
    )
    parts: list[nodes.Node] = [
        _paragraph(
            f"Bundle {shown}, collected {_when(manifest.created_at)} by the toolkit "
            f"{manifest.toolkit_version}; manifest SHA-256 {file_sha256(manifest_path)}. "
            f"It pins {len(manifest.sources)} source files, {len(manifest.requirements)} "
            f"requirement fingerprints and {len(manifest.code_units)} code-unit fingerprints, "
            f"and is {intact}. 'safety-case evidence verify' checks it against the sources."
        )
    ]
    if lines:
        listing = nodes.bullet_list()
        for line in lines:
            item = nodes.list_item()
            item += nodes.paragraph(text=line)
            listing += item
        parts.append(listing)
    return parts


def _where(records: Sequence[EvidenceRecord]) -> str:
    started = min(r.started_at for r in records)
    finished = max(r.finished_at for r in records)
    environments = Counter(
        ", ".join(
            f"{key} {record.environment[key]}"
            for key in ("implementation", "python", "platform")
            if key in record.environment
        )
        or "not recorded"
        for record in records
    )
    where = "; ".join(f"{env} ({count} records)" for env, count in sorted(environments.items()))
    return (
        f"{len(records)} records, produced between {_when(started)} and {_when(finished)}, "
        f"on: {where}."
    )


def _methods_table(records: Sequence[EvidenceRecord]) -> nodes.table:
    counts: dict[str, Counter[Verdict]] = defaultdict(Counter)
    for record in records:
        counts[record.method.value][record.verdict] += 1
    verdicts = tuple(Verdict)
    rows = [
        (method, *(str(found[v]) for v in verdicts), str(sum(found.values())))
        for method, found in sorted(counts.items())
    ]
    totals = Counter(record.verdict for record in records)
    rows.append(("all methods", *(str(totals[v]) for v in verdicts), str(len(records))))
    return text_table(("Method", *(v.value for v in verdicts), "Total"), rows, "safety-bundle")


def _freshness_table(judged: Iterable[JudgedEvidence]) -> nodes.table:
    fresh = stale = failing = 0
    for item in judged:
        if item.stale_because:
            stale += 1
        elif item.record.verdict is Verdict.PASS:
            fresh += 1
        else:
            failing += 1
    return text_table(
        ("Fresh and passing", "Stale (counts as missing)", "Fresh, failing or inconclusive"),
        [(str(fresh), str(stale), str(failing))],
        "safety-bundle-freshness",
    )


def _tools_table(records: Sequence[EvidenceRecord]) -> nodes.table:
    by_tool: dict[str, list[EvidenceRecord]] = defaultdict(list)
    for record in records:
        by_tool[record.tool.name].append(record)
    rows = []
    for name, found in sorted(by_tool.items()):
        runs: dict[datetime, datetime] = {}  # a run's records share its start
        for record in found:
            runs[record.started_at] = max(
                runs.get(record.started_at, record.finished_at), record.finished_at
            )
        wall = sum((end - start).total_seconds() for start, end in runs.items())
        summed = sum(
            float(value)
            for r in found
            if isinstance(value := r.figures.get("duration_s"), int | float)
        )
        rows.append(
            (
                name,
                ", ".join(sorted({r.tool.version for r in found})),
                ", ".join(sorted({r.method.value for r in found})),
                str(len(found)),
                str(len(runs)),
                f"{_when(min(runs))} to {_when(max(runs.values()))}",
                f"{wall:.1f}",
                f"{summed:.1f}" if summed else "not recorded",
            )
        )
    columns = (
        "Tool",
        "Versions",
        "Methods",
        "Records",
        "Runs",
        "From, to (UTC)",
        "Wall time of its runs (s)",
        "Summed duration_s",
    )
    return text_table(columns, rows, "safety-bundle-tools")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _note(text: str) -> nodes.Node:
    note = nodes.note()
    note += nodes.paragraph(text=text)
    return note


def _paragraph(text: str) -> nodes.paragraph:
    return nodes.paragraph(text=text)


def _heading(text: str) -> nodes.paragraph:
    paragraph = nodes.paragraph()
    paragraph += nodes.strong(text=text)
    return paragraph
