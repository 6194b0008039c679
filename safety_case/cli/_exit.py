"""Exit codes of the ``safety-case`` command, in one place."""

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """What the process exit code means."""

    OK = 0
    """Every check passed."""
    GATE_FAILED = 1
    """The checks ran and found a gap: missing, failing or stale evidence, or a violation."""
    USAGE = 2
    """The command line was wrong."""
    CONFIG = 3
    """The policy file or the requirement sources could not be read."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C."""
