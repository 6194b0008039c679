"""Contactors: precharge, close, open and weld check of main positive, main negative, precharge.

ASIL: D. Requirements: SWR_CONT_* (``requirements/swr/contactors.rst``).
"""

from bms.contactor._sequence import (
    ContactorCommands,
    ContactorEvent,
    ContactorInputs,
    ContactorMachine,
    ContactorOutput,
    ContactorState,
    commands_for,
    step_contactors,
)

__all__ = [
    "ContactorCommands",
    "ContactorEvent",
    "ContactorInputs",
    "ContactorMachine",
    "ContactorOutput",
    "ContactorState",
    "commands_for",
    "step_contactors",
]
