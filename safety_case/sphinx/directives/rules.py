"""``safety-rules``: the table of every rule the check applies, with its ISO 26262 clause.

Generated from :data:`safety_case.rules.RULES`, so the documentation and the
check can never disagree on which rules exist and what they rest on.
"""

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from safety_case.rules import DEFAULT_PER_PROJECT, DEFAULT_PER_REQUIREMENT, RULES
from safety_case.sphinx.directives._table import text_table

__all__ = ["RulesDirective"]

_COLUMNS = ("Id", "Name", "Checks", "ISO 26262 clause", "Severity", "Engine")


class RulesDirective(SphinxDirective):
    """A table of the rule registry and one of the default verification methods per ASIL."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build both tables."""
        rows = [
            (
                rule.value,
                rule.name,
                info.title,
                info.clause,
                info.severity.name.lower(),
                info.engine,
            )
            for rule, info in RULES.items()
        ]
        methods = [
            (
                asil.name,
                ", ".join(DEFAULT_PER_REQUIREMENT[asil]) or "-",
                ", ".join(DEFAULT_PER_PROJECT[asil]) or "-",
            )
            for asil in DEFAULT_PER_REQUIREMENT
        ]
        return [
            text_table(_COLUMNS, rows, "safety-rules"),
            nodes.paragraph(
                text="Default verification methods per ASIL (ISO 26262-6:2018 Tables 7 to 9, "
                "highly recommended entries); a project tightens or relaxes them in its policy "
                "file, and a relaxation without a written justification is a configuration "
                "error."
            ),
            text_table(
                ("ASIL", "Per requirement (tests)", "Per project (evidence runners)"),
                methods,
                "safety-rules",
            ),
        ]
