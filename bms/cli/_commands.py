"""The table of ``bms`` subcommands: one module per command, one line each here.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> ExitCode`` (foxBMS' split of command declaration and
implementation). Heavy imports (PyBaMM, matplotlib) belong inside ``run``.
"""

from types import ModuleType

from bms.cli import _cmd_config

__all__ = ["COMMANDS"]

COMMANDS: tuple[ModuleType, ...] = (_cmd_config,)
"""Every subcommand, in the order ``bms --help`` lists them."""
