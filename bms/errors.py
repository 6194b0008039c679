"""The BMS's exceptions, with one root so callers can catch them all.

ASIL: D. Hierarchy::

    BmsError
    └── ConfigError (also ValueError): a configuration file or model is invalid

The control path never lets an exception escape (it goes to its safe state
instead); these errors are for loading and checking configuration before run.
"""

from collections.abc import Sequence
from pathlib import Path

__all__ = ["BmsError", "ConfigError", "ConfigProblem"]


class BmsError(Exception):
    """Root of every exception the BMS raises on purpose."""


class ConfigProblem:
    """One problem found in a configuration: where it is and what is wrong."""

    __slots__ = ("field", "line", "message")

    def __init__(self, field: str, message: str, line: int | None = None) -> None:
        self.field = field
        """Dotted path of the offending field, such as ``protection.over_voltage.fault_v``."""
        self.message = message
        """What is wrong and what was expected."""
        self.line = line
        """Line of the file that holds the field, when it could be found."""

    def __repr__(self) -> str:
        return f"ConfigProblem(field={self.field!r}, message={self.message!r}, line={self.line!r})"


class ConfigError(BmsError, ValueError):
    """A configuration is invalid; holds every problem found, not only the first."""

    def __init__(self, source: Path | str, problems: Sequence[ConfigProblem]) -> None:
        self.source = str(source)
        """The file (or description of the source) that was being loaded."""
        self.problems = tuple(problems)
        """Every problem found, in file order where known."""
        super().__init__(self.render())

    def render(self) -> str:
        """One line per problem, each naming the file, line (if known) and field."""
        lines = []
        for problem in self.problems:
            where = f"{self.source}:{problem.line}" if problem.line else self.source
            lines.append(f"{where}: {problem.field}: {problem.message}")
        return "\n".join(lines)
