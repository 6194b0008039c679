"""The ``safety-case`` command: traces and evidence of a project, from its policy file.

Exit codes are those of :class:`ExitCode`; expected failures print one
message and no traceback.
"""

from safety_case.cli._exit import ExitCode
from safety_case.cli._main import main

__all__ = ["ExitCode", "main"]
