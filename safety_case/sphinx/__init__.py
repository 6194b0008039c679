"""Sphinx extension: the ISO 26262 metamodel in sphinx-needs, and evidence in the docs.

Use it with ``extensions = ["safety_case.sphinx"]``; it loads sphinx-needs
itself. Need types, fields and links come from :mod:`safety_case.metamodel`
through sphinx-needs' public API, so every project reads the same directives
(``hazard``, ``safety_goal``, ``fsr``, ``tsr``, ``swr``, ``component``).
"""

from safety_case.sphinx._setup import setup

__all__ = ["setup"]
