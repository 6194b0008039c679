"""Sphinx extension: the ISO 26262 metamodel in sphinx-needs, and evidence in the docs.

Use it with ``extensions = ["safety_case.sphinx"]``; it loads sphinx-needs
itself. Need types, fields and links come from :mod:`safety_case.metamodel`
through sphinx-needs' public API, so every project reads the same directives
(``hazard``, ``safety_goal``, ``fsr``, ``tsr``, ``swr``, ``component``), and
sphinx-needs' own schema validation checks field values, required fields and
links per type, and link target types (``schema_violations.json``).

Directives: ``safety-traces`` (the traced code units and tests as
``code_unit`` and ``test`` needs linked to their requirements),
``safety-rules`` (the rule registry with its ISO 26262 clauses) and
``safety-evidence`` (evidence records with their freshness).
"""

from safety_case.sphinx._setup import setup

__all__ = ["setup"]
