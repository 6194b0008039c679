"""The ``bms`` command: run and inspect the BMS from a terminal.

Exit codes are those of :class:`ExitCode`. Expected failures print one clear
message and no traceback.
"""

from bms.cli._exit import ExitCode
from bms.cli._main import main

__all__ = ["ExitCode", "main"]
