"""Registration of the extension with Sphinx: one ``setup`` that reads like a table of contents."""

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from safety_case._version import __version__
from safety_case.metamodel import FIELDS, LINKS, NEED_TYPES
from safety_case.sphinx.directives.evidence import (
    EvidenceDirective,
    EvidenceNode,
    process_evidence_nodes,
)

__all__ = ["setup"]

_ENV_VERSION = 1
"""Bump when the data this extension keeps in the environment changes shape."""


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the metamodel, the evidence directive and their event handlers."""
    app.setup_extension("sphinx_needs")
    # config values
    app.add_config_value("safety_case_policy_file", "", "env", types=[str])
    # nodes and directives
    app.add_node(EvidenceNode)
    app.add_directive("safety-evidence", EvidenceDirective)
    # events, in build-phase order. Links must be in the config before
    # sphinx-needs reads it (its load_config runs at the default priority 500);
    # need types only after it resolved its own (priority 12).
    app.connect("config-inited", _register_links, priority=5)
    app.connect("config-inited", _register_types_and_fields, priority=13)
    app.connect("doctree-resolved", process_evidence_nodes)
    return {
        "version": __version__,
        "env_version": _ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def _register_links(app: Sphinx, config: Config) -> None:
    """Add the metamodel's link types to ``needs_links`` (sphinx-needs has no API for it)."""
    del app
    links = dict(getattr(config, "needs_links", {}) or {})
    for spec in LINKS.values():
        links.setdefault(
            spec.name,
            {"outgoing": spec.outgoing, "incoming": spec.incoming, "description": spec.description},
        )
    config.needs_links = links


def _register_types_and_fields(app: Sphinx, config: Config) -> None:
    """Add need types and fields through sphinx-needs' public API."""
    del config
    from sphinx_needs.api import add_field, add_need_type, get_need_types  # noqa: PLC0415

    existing = set(get_need_types(app))
    for spec in NEED_TYPES.values():
        if spec.directive not in existing:
            add_need_type(app, spec.directive, spec.title, spec.prefix, spec.color)
    for field in FIELDS.values():
        add_field(
            field.name,
            field.description,
            schema={"type": "string", "pattern": f"^(?:{field.pattern})$"},
        )
