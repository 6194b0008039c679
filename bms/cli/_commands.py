"""The table of ``bms`` subcommands: one module per command, one line each here.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> ExitCode`` (foxBMS' split of command declaration and
implementation). Heavy imports (PyBaMM, matplotlib) belong inside ``run``.
"""

from types import ModuleType

from bms.cli import (
    _cmd_calibrate,
    _cmd_config,
    _cmd_faults,
    _cmd_memory,
    _cmd_plating_map,
    _cmd_prognosis,
    _cmd_replay,
    _cmd_schema,
    _cmd_validate,
)

__all__ = ["COMMANDS"]

COMMANDS: tuple[ModuleType, ...] = (
    _cmd_config,
    _cmd_calibrate,
    _cmd_plating_map,
    _cmd_validate,
    _cmd_replay,
    _cmd_memory,
    _cmd_schema,
    _cmd_faults,
    _cmd_prognosis,
)
"""Every subcommand, in the order ``bms --help`` lists them."""
