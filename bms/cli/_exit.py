"""Exit codes of the ``bms`` command, in one place."""

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """What the process exit code means."""

    OK = 0
    """The command did what was asked."""
    FAILED = 1
    """The command ran and found a failure (for example a check did not pass)."""
    USAGE = 2
    """The command line was wrong (argparse also uses 2)."""
    CONFIG = 3
    """A configuration file is missing or invalid."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C."""
