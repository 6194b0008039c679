"""The sphinx-needs export run in this process, with incremental schema validation.

Layer 2 (sources), the Sphinx side of :mod:`safety_case.needs`. sphinx-needs
stays the only reader of the sources: this module runs its ``needs`` builder
(a subclass of it) in the calling process on Sphinx's persistent
environment, so that a re-export after editing one file re-reads that file
only and pays no interpreter start-up. Two things differ from the stock
builder, and neither changes what it reports:

- ``needs.json`` is serialised with the standard library's one-shot encoder
  (``json.dumps``, implemented in C) instead of the streaming ``json.dump``
  (pure Python): the same bytes, several times faster.
- A first build reads the documents in as many processes as there are
  cores (Sphinx's ``-j auto``; sphinx-needs merges their needs): a cold
  export of 10,000 needs on two cores takes about 31 s instead of 38 s. A
  re-export on an existing environment stays serial: Sphinx would fork
  even for the one document that changed.
- Schema validation (sphinx-needs' ``process_schemas``) is replaced by the
  same validation functions, given for each type schema whose ``select`` is
  exactly one need type only the needs of that type, and applied only to the
  needs whose result can have changed: the needs of the documents Sphinx
  re-read, and the needs that link, through as many link steps as the
  schemas' ``network`` nesting, to a need of those documents (before or
  after the edit). The results of the other needs are carried over from the
  previous build, kept in a file beside the pickled environment. A fresh
  environment, a ``needextend``, a ``network_back`` schema or a dynamic
  function (``[[...]]``) in a source makes it validate every need, as
  sphinx-needs does; its schema debug mode runs sphinx-needs' own validation.

sphinx-needs keeps process-wide registries; it clears them when an
application is set up, so builds in one process are fine one after another
(as here), not interleaved.

ASIL: tool (ISO 26262-8 clause 11); no requirement of the item.
"""

import hashlib
import io
import json
import os
import pickle
import re
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import docutils_namespace, patch_docutils
from sphinx_needs.builder import NeedsBuilder
from sphinx_needs.config import NeedsSphinxConfig
from sphinx_needs.data import SphinxNeedsData
from sphinx_needs.logging import log_error, log_warning
from sphinx_needs.needsfile import NeedsList, generate_needs_schema
from sphinx_needs.schema.core import validate_field_link_schemas, validate_type_schema
from sphinx_needs.schema.process import process_schemas
from sphinx_needs.schema.reporting import (
    get_formatted_warnings,
    get_json_formatted_warnings,
)

__all__ = ["BUILDER", "build", "setup"]

BUILDER = "safety_case_needs"
"""Name of the builder: sphinx-needs' ``needs`` builder with the two changes above."""

_STATE_FILE = "safety_case_schemas.pickle"
"""File beside the pickled environment with the last validation's results.

Sphinx pickles the environment before the write phase, where validation
runs, so the results cannot travel in it; the file is deleted when a build
starts and written when its validation completes, so it never outlives the
environment it describes."""
_DYNAMIC = re.compile(r"\[\[")
_LOGGER = logging.getLogger(__name__)


def build(source_dir: Path, out_dir: Path) -> tuple[set[str], str]:
    """Run the builder on ``source_dir`` in this process.

    Returns:
        The names of the documents Sphinx read (added or changed) and the
        text of the warnings it wrote, one ``path:line: WARNING: ... [type]``
        entry per warning, as ``sphinx-build -w`` writes them.
    """
    status, log = io.StringIO(), io.StringIO()
    read: set[str] = set()

    def note_read(_app: Sphinx, _env: BuildEnvironment, docnames: list[str]) -> None:
        read.update(docnames)

    with warnings.catch_warnings(), patch_docutils(None), docutils_namespace():
        # as in a separate sphinx-build process: deprecations inside Sphinx and
        # sphinx-needs are theirs to fix, not errors of the export
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        app = Sphinx(
            srcdir=str(source_dir),
            confdir=None,
            outdir=str(out_dir),
            doctreedir=str(out_dir / "doctrees"),
            buildername=BUILDER,
            confoverrides={"extensions": ["safety_case._needs_build"]},
            status=status,
            warning=log,
            freshenv=False,
            parallel=_processes(out_dir / "doctrees"),
        )
        app.connect("env-before-read-docs", note_read)
        app.build()
    return read, log.getvalue()


def _processes(doctree_dir: Path) -> int:
    """Read processes for a build: every core when no environment exists yet, else one."""
    if (doctree_dir / "environment.pickle").is_file():
        return 1
    return os.cpu_count() or 1


def setup(app: Sphinx) -> dict[str, Any]:
    """Load the toolkit's extension and register :class:`SafetyNeedsBuilder`."""
    app.setup_extension("safety_case.sphinx")
    app.add_builder(SafetyNeedsBuilder)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


class SafetyNeedsBuilder(NeedsBuilder):
    """sphinx-needs' ``needs`` builder: incremental schema validation, fast JSON output."""

    name = BUILDER

    def init(self) -> None:
        """Replace sphinx-needs' whole-project schema validation by :meth:`validate`."""
        super().init()
        self.touched: set[str] = set()
        """Documents read or purged (changed or removed) by this build."""
        state = Path(self.doctreedir) / _STATE_FILE
        self.previous: dict[str, Any] | None = None
        """The last validation's results, when they belong to the environment."""
        if state.is_file():
            try:
                self.previous = pickle.loads(state.read_bytes())  # noqa: S301 (our own file)
            except (OSError, pickle.PickleError, EOFError, AttributeError):
                self.previous = None
            state.unlink()  # rewritten only by a validation that completes
        self.events.connect("env-purge-doc", self._note_purged, priority=500)
        self.events.connect("env-before-read-docs", self._note_read, priority=500)
        for listener in list(self.events.listeners.get("write-started", [])):
            if listener.handler is process_schemas:
                self.events.disconnect(listener.id)
                self.events.connect("write-started", self.validate, priority=listener.priority)

    def _note_purged(self, _app: Sphinx, _env: BuildEnvironment, docname: str) -> None:
        self.touched.add(docname)

    def _note_read(self, _app: Sphinx, _env: BuildEnvironment, docnames: list[str]) -> None:
        self.touched.update(docnames)

    def validate(self, app: Sphinx, builder: Builder) -> None:
        """:func:`_validate` with this build's documents and the previous results."""
        state = _validate(app, builder, self.previous, self.touched)
        if state is not None:
            (Path(self.doctreedir) / _STATE_FILE).write_bytes(pickle.dumps(state))

    def finish(self) -> None:
        """``NeedsBuilder.finish`` with ``needs.json`` written by the one-shot encoder."""
        from sphinx_needs.filter_common import filter_needs_view  # noqa: PLC0415

        needs = SphinxNeedsData(self.env).get_needs_view()
        needs_config = NeedsSphinxConfig(self.env.config)
        version = getattr(self.env.config, "version", "unset")
        needs_list = NeedsList(self.env, self.outdir, self.srcdir)
        if needs_config.file:
            needs_list.load_json(needs_config.file)
        needs_list.wipe_version(version)
        filtered = filter_needs_view(
            needs,
            needs_config,
            needs_config.builder_filter,
            append_warning="(from need_builder_filter)",
        )
        for need in filtered:
            needs_list.add_need(version, need)
        # NeedsList.write_json is json.dump(..., sort_keys=True); dump_json the same via dumps
        (Path(self.outdir) / "needs.json").write_text(needs_list.dump_json(), encoding="utf-8")
        _LOGGER.info("Needs successfully exported")


def _validate(
    app: Sphinx, builder: Builder, previous: dict[str, Any] | None, touched: set[str]
) -> dict[str, Any] | None:
    """sphinx-needs' ``process_schemas``, validating only the needs that can have changed.

    Returns:
        The state the next build needs (``None`` when nothing can be carried over).
    """
    config = NeedsSphinxConfig(app.config)
    if not config.schema_validation_enabled:
        return None
    if config.schema_debug_active:
        process_schemas(app, builder)  # writes its debug files; nothing kept
        return None
    env = app.env
    start = time.perf_counter()
    data = SphinxNeedsData(env)
    type_schemas = list(data.get_resolved_schemas() or [])
    schema = data.get_schema()
    needs = data.get_needs_view()
    selected, results = _select(app, needs, previous, touched)
    subset = _Subset(needs, sorted(selected))
    need_2_warnings: dict[str, list[Any]] = {}
    for key, found in validate_field_link_schemas(config, schema, subset).items():  # type: ignore[arg-type]
        need_2_warnings.setdefault(key, []).extend(found)
    if type_schemas:
        properties = generate_needs_schema(schema)["properties"]
        by_type: dict[str, list[str]] = {}
        for need_id in subset:
            by_type.setdefault(str(needs[need_id]["type"]), []).append(need_id)
        for type_schema in type_schemas:
            selected_type = _selected_type(type_schema)
            found_by_need = validate_type_schema(
                config,
                type_schema,
                subset  # type: ignore[arg-type]
                if selected_type is None
                else _Subset(needs, by_type.get(selected_type, [])),
                properties,
                fields_schema=schema,
            )
            for key, found in found_by_need.items():
                need_2_warnings.setdefault(key, []).extend(found)
    for need_id, found in need_2_warnings.items():
        log = list(get_formatted_warnings({need_id: found}))
        entries = list(get_json_formatted_warnings({need_id: found}).get(need_id, []))
        if log or entries:
            results[need_id] = (log, entries)
    _report(app, results, len(needs), time.perf_counter() - start)
    _LOGGER.info("Schema validation: %d of %d needs validated", len(selected), len(needs))
    return {"results": results, "by_doc": _by_doc(needs), "key": _schema_key(app)}


_Results = dict[str, tuple[list[Any], list[Any]]]
"""Per need with findings: its log entries and its ``schema_violations.json`` entries."""


def _by_doc(needs: Mapping[str, Any]) -> dict[str, list[str]]:
    by_doc: dict[str, list[str]] = {}
    for need_id, need in needs.items():
        by_doc.setdefault(str(need.get("docname") or ""), []).append(need_id)
    return by_doc


def _select(
    app: Sphinx, needs: Mapping[str, Any], previous: dict[str, Any] | None, touched: set[str]
) -> tuple[set[str], _Results]:
    """The needs to validate, and the results carried over for the others."""
    data = SphinxNeedsData(app.env)
    type_schemas = list(data.get_resolved_schemas() or [])
    if (
        previous is None
        or previous.get("key") != _schema_key(app)
        or _whole_project_needed(app, type_schemas)
    ):
        return set(needs), {}
    by_doc = _by_doc(needs)
    old_by_doc: dict[str, list[str]] = previous["by_doc"]
    changed = {i for d in touched for i in (*old_by_doc.get(d, ()), *by_doc.get(d, ()))}
    changed.update(by_doc.get("", ()))  # needs without a document: always
    links = [n for n in data.get_schema().iter_link_field_names() if not n.endswith("_back")]
    selected = _dependants(needs, changed, links, _network_depth(type_schemas))
    kept: _Results = previous["results"]
    return selected, {k: v for k, v in kept.items() if k in needs and k not in selected}


def _report(app: Sphinx, results: _Results, count: int, duration: float) -> None:
    """Log every result and write ``schema_violations.json`` as ``process_schemas`` does."""
    ordered = [(need_id, results[need_id]) for need_id in sorted(results) if results[need_id][1]]
    formatted = [entry for need_id in sorted(results) for entry in results[need_id][0]]
    for warning in formatted:
        log = log_warning if warning["log_lvl"] == "warning" else log_error
        log(_LOGGER, warning["message"], warning["subtype"], None, type=warning["type"])
    rate = round(count / duration) if duration > 0 else float("inf")
    report = {
        "validation_summary": (
            f"Schema validation completed with {len(ordered)} warning(s) in "
            f"{duration:.3f} seconds. Validated {rate} needs/s."
        ),
        "validated_needs_per_second": rate,
        "validated_needs_count": count,
        "validation_warnings": {need_id: found for need_id, (_, found) in ordered},
    }
    (Path(app.outdir) / "schema_violations.json").write_text(
        json.dumps(report, indent=2), encoding="utf-8"
    )


def _schema_key(app: Sphinx) -> str:
    """What the results depend on besides the needs: schemas, fields and the tool's version.

    Fields registered through sphinx-needs' API are no Sphinx configuration
    value, so changing one does not make Sphinx re-read the documents.
    """
    from importlib.metadata import version  # noqa: PLC0415

    data = SphinxNeedsData(app.env)
    inputs = [
        version("sphinx-needs"),
        list(data.get_resolved_schemas() or []),
        generate_needs_schema(data.get_schema()),
    ]
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=repr).encode()).hexdigest()


def _selected_type(type_schema: Mapping[str, Any]) -> str | None:
    """The need type a schema's ``select`` is exactly ``type == T`` for, else ``None``.

    sphinx-needs evaluates every schema's ``select`` on every need; handing it
    only the needs of that type skips the evaluations whose answer is "no".
    """
    select = type_schema.get("select")
    if not isinstance(select, Mapping) or set(select) - {"properties", "required"}:
        return None
    properties = select.get("properties")
    if not isinstance(properties, Mapping) or set(properties) != {"type"}:
        return None
    condition = properties["type"]
    if not isinstance(condition, Mapping) or set(condition) != {"const"}:
        return None
    if set(select.get("required") or ()) - {"type"}:
        return None
    value = condition["const"]
    return value if isinstance(value, str) else None


def _whole_project_needed(app: Sphinx, type_schemas: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a need's result can depend on more than its document and its link targets."""
    if SphinxNeedsData(app.env).get_or_create_extends():
        return True
    if "network_back" in json.dumps(list(type_schemas), default=str):
        return True
    source = Path(app.srcdir)
    return any(
        _DYNAMIC.search(path.read_text(encoding="utf-8", errors="replace"))
        for path in source.rglob("*.rst")
    )


def _network_depth(type_schemas: Iterable[Any]) -> int:
    """How many link steps a schema's ``network`` validation reaches (nested networks count)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(schema, 0) for schema in type_schemas]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, Mapping):
            stack.extend((v, depth + (k == "network")) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth) for v in value)
    return deepest


def _dependants(
    needs: Mapping[str, Any], changed: set[str], link_names: Sequence[str], depth: int
) -> set[str]:
    """``changed`` and the needs that reach one of them in at most ``depth`` link steps."""
    incoming: dict[str, set[str]] = {}
    for need_id, need in needs.items():
        for name in link_names:
            for target in need.get(name) or ():
                incoming.setdefault(str(target).split(".", 1)[0], set()).add(need_id)
    selected = {i for i in changed if i in needs}
    frontier = set(changed)
    for _ in range(depth):
        frontier = {source for target in frontier for source in incoming.get(target, ())}
        frontier -= selected
        selected |= frontier
    return selected


class _Subset(Mapping[str, Any]):
    """A needs view that iterates over ``selected`` but looks up every need."""

    def __init__(self, needs: Mapping[str, Any], selected: list[str]) -> None:
        self._needs = needs
        self._selected = selected

    def __getitem__(self, key: str) -> Any:
        return self._needs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._selected)

    def __len__(self) -> int:
        return len(self._selected)
