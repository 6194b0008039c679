"""A plain text table as docutils nodes, shared by the directives that list things."""

from collections.abc import Sequence

from docutils import nodes

__all__ = ["text_table"]


def text_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], css_class: str
) -> nodes.table:
    """A table with a header row and one row of paragraphs per entry of ``rows``."""
    table = nodes.table(classes=[css_class])
    group = nodes.tgroup(cols=len(columns))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in columns]
    head = nodes.thead()
    head += _row(columns)
    body = nodes.tbody()
    for row in rows:
        body += _row(row)
    group += [head, body]
    return table


def _row(cells: Sequence[str]) -> nodes.row:
    row = nodes.row()
    for text in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=text)
        row += entry
    return row
