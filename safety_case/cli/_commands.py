"""The table of ``safety-case`` subcommands: one module per command, one line each here.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args, policy) -> ExitCode``.
"""

from types import ModuleType

from safety_case.cli import (
    _cmd_check,
    _cmd_evidence,
    _cmd_gate,
    _cmd_hara,
    _cmd_impact,
    _cmd_prove,
    _cmd_report,
    _cmd_trace,
)

__all__ = ["COMMANDS"]

COMMANDS: tuple[ModuleType, ...] = (
    _cmd_trace,
    _cmd_evidence,
    _cmd_prove,
    _cmd_check,
    _cmd_hara,
    _cmd_report,
    _cmd_impact,
    _cmd_gate,
)
"""Every subcommand, in the order ``safety-case --help`` lists them."""
