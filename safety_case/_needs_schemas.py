"""Incremental schema validation: sphinx-needs' validation of the needs an edit can affect.

Layer 2 (sources), the validation step of :mod:`safety_case._needs_build`'s
builder. sphinx-needs' ``process_schemas`` is replaced by the same validation
functions, given for each type schema whose ``select`` is exactly one need
type only the needs of that type, and applied only to the needs whose result
can have changed: the needs of the documents Sphinx re-read, and the needs
that link, through as many link steps as the schemas' ``network`` nesting,
to a need of those documents (before or after the edit; found with
:class:`safety_case._needs_delta.LinkIndex`). The results of the other needs
are carried over from the previous build. A first build, a ``needextend``, a
``network_back`` schema, a derived field or a dynamic function (``[[...]]``)
in a source makes it validate every need, as sphinx-needs does; its schema
debug mode runs sphinx-needs' own validation.

ASIL: tool (ISO 26262-8 clause 11); no requirement of the item.
"""

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.util import logging
from sphinx_needs.config import NeedsSphinxConfig
from sphinx_needs.data import SphinxNeedsData
from sphinx_needs.logging import log_error, log_warning
from sphinx_needs.needsfile import generate_needs_schema
from sphinx_needs.schema.core import validate_field_link_schemas, validate_type_schema
from sphinx_needs.schema.process import process_schemas
from sphinx_needs.schema.reporting import (
    get_formatted_warnings,
    get_json_formatted_warnings,
)

from safety_case._needs_delta import Delta, LinkIndex, global_effects

__all__ = ["validate"]

_LOGGER = logging.getLogger(__name__)


def validate(
    app: Sphinx,
    builder: Builder,
    previous: dict[str, Any] | None,
    delta: Delta | None,
    index: LinkIndex,
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
    selected, results = _select(app, needs, previous, delta, index)
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
    # after validating: validation fills caches that the key sees, as the next build's will be
    return {"results": results, "index": index, "key": _schema_key(app)}


_Results = dict[str, tuple[list[Any], list[Any]]]
"""Per need with findings: its log entries and its ``schema_violations.json`` entries."""


def _select(
    app: Sphinx,
    needs: Mapping[str, Any],
    previous: dict[str, Any] | None,
    delta: Delta | None,
    index: LinkIndex,
) -> tuple[set[str], _Results]:
    """The needs to validate, and the results carried over for the others."""
    data = SphinxNeedsData(app.env)
    type_schemas = list(data.get_resolved_schemas() or [])
    if (
        previous is None
        or delta is None
        or previous.get("key") != _schema_key(app)
        or _whole_project_needed(app, type_schemas)
    ):
        return set(needs), {}
    selected = index.dependants(delta.changed, _network_depth(type_schemas))
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
    if "network_back" in json.dumps(list(type_schemas), default=str):
        return True
    return global_effects(app)


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
