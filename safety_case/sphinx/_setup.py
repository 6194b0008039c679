"""Registration of the extension with Sphinx: one ``setup`` that reads like a table of contents."""

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from safety_case._version import __version__
from safety_case.gsn import DEFAULT_MAX_WIDTH
from safety_case.metamodel import FIELDS
from safety_case.sphinx._schemas import (
    field_schema,
    link_config,
    need_types_config,
    schema_definitions,
)
from safety_case.sphinx.directives.bundle import (
    BundleDirective,
    BundleNode,
    process_bundle_nodes,
)
from safety_case.sphinx.directives.evidence import (
    EvidenceDirective,
    EvidenceNode,
    process_evidence_nodes,
)
from safety_case.sphinx.directives.rules import RulesDirective
from safety_case.sphinx.directives.safety_case import (
    SafetyCaseDirective,
    SafetyCaseNode,
    collect_goal_pages,
    outdated_case_pages,
    process_safety_case_nodes,
)
from safety_case.sphinx.directives.traceability import (
    TraceabilityDirective,
    TraceabilityNode,
    process_traceability_nodes,
)
from safety_case.sphinx.directives.traces import TracesDirective

__all__ = ["setup"]

_ENV_VERSION = 1
"""Bump when the data this extension keeps in the environment changes shape."""


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the metamodel, the evidence directive and their event handlers."""
    app.setup_extension("sphinx_needs")
    # config values
    app.add_config_value("safety_case_policy_file", "", "env", types=[str])
    app.add_config_value("safety_case_traceability_doc", "traceability", "env", types=[str])
    app.add_config_value("safety_case_diagram_width", DEFAULT_MAX_WIDTH, "html", types=[int])
    # nodes and directives
    app.add_node(EvidenceNode)
    app.add_directive("safety-evidence", EvidenceDirective)
    app.add_directive("safety-traces", TracesDirective)
    app.add_directive("safety-rules", RulesDirective)
    app.add_node(SafetyCaseNode)
    app.add_directive("safety-case", SafetyCaseDirective)
    app.add_node(TraceabilityNode)
    app.add_directive("safety-traceability", TraceabilityDirective)
    app.add_node(BundleNode)
    app.add_directive("safety-bundle", BundleDirective)
    # events, in build-phase order. Links, need types and schemas must be in
    # the config before sphinx-needs resolves it (need types at priority 12,
    # load_config at the default 500); fields are added through its API after.
    app.connect("config-inited", _register_links, priority=5)
    app.connect("config-inited", _register_types_and_fields, priority=13)
    app.connect("doctree-resolved", process_evidence_nodes)
    app.connect("env-get-outdated", outdated_case_pages)
    app.connect("doctree-resolved", process_safety_case_nodes)
    app.connect("doctree-resolved", process_traceability_nodes)
    app.connect("doctree-resolved", process_bundle_nodes)
    app.connect("html-collect-pages", collect_goal_pages)
    return {
        "version": __version__,
        "env_version": _ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def _register_links(app: Sphinx, config: Config) -> None:
    """Merge the metamodel's link types, need types and schemas into the configuration.

    Runs before sphinx-needs reads its configuration. A project's own
    ``needs_links``, ``needs_types`` and schemas are kept; a need type of the
    metamodel replaces one of the same directive name (sphinx-needs' default
    ``test`` type among them).
    """
    del app
    links = dict(getattr(config, "needs_links", {}) or {})
    for name, entry in link_config().items():
        links.setdefault(name, entry)
    config.needs_links = links
    ours = need_types_config()
    names = {entry["directive"] for entry in ours}
    configured = list(getattr(config, "needs_types", []) or [])
    config.needs_types = [
        *ours,
        *(t for t in configured if isinstance(t, dict) and t.get("directive") not in names),
    ]
    definitions = dict(getattr(config, "needs_schema_definitions", {}) or {})
    definitions["schemas"] = [
        *schema_definitions()["schemas"],
        *(definitions.get("schemas") or []),
    ]
    config.needs_schema_definitions = definitions


def _register_types_and_fields(app: Sphinx, config: Config) -> None:
    """Add the metamodel's fields through sphinx-needs' public API, each with its schema."""
    del app, config
    from sphinx_needs.api import add_field  # noqa: PLC0415
    from sphinx_needs.exceptions import NeedsApiConfigWarning  # noqa: PLC0415

    for field in FIELDS.values():
        try:
            schema: Any = field_schema(field.name)  # a FieldStringSchemaType
            add_field(field.name, field.description, schema=schema)
        except NeedsApiConfigWarning:  # already added in this process (a second build)
            continue
