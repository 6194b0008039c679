"""The BMS's CAN database (``bms.dbc``) and its end-to-end protected messages.

ASIL: D. Requirements: SWR_CAN_001, SWR_CAN_002.

The DBC file ships inside the package; every message's layout, period
(``GenMsgCycleTime``) and E2E data id (``E2EDataID``, present only on the
protected messages) is read from it, so the file is the single source.
"""

from dataclasses import dataclass
from functools import cache
from importlib import resources

import cantools
from cantools.database.can import Database, Message

__all__ = [
    "DBC_NAME",
    "TIMEOUT_PERIODS",
    "ProtectedMessage",
    "can_database",
    "protected_message",
]

DBC_NAME = "bms.dbc"
"""File name of the CAN database inside :mod:`bms.can`."""

TIMEOUT_PERIODS = 3
"""A protected message times out after this many periods without a valid frame."""


@dataclass(frozen=True)
class ProtectedMessage:
    """What the E2E sender and receiver need to know of one protected message."""

    name: str
    """Message name in the DBC, such as ``VCU_Command``."""
    arbitration_id: int
    """CAN identifier."""
    length: int
    """Data length in bytes; a frame of another length is rejected."""
    data_id: int
    """16-bit E2E data id, covered by the CRC but not sent."""
    period_ms: int
    """Transmission period."""

    @property
    def timeout_ms(self) -> int:
        """Longest silence accepted: :data:`TIMEOUT_PERIODS` periods."""
        return TIMEOUT_PERIODS * self.period_ms


def _load_database() -> Database:
    """Read and strictly check the shipped DBC file (at import: never in the control path)."""
    text = resources.files("bms.can").joinpath(DBC_NAME).read_text(encoding="utf-8")
    database = cantools.database.load_string(text, database_format="dbc", strict=True)
    if not isinstance(database, Database):  # pragma: no cover - the format is fixed to dbc
        raise TypeError(f"{DBC_NAME} did not parse as a CAN database")
    return database


_DATABASE = _load_database()
"""The database, read once when the package is imported, so that no controller
step does file I/O (control-flow analysis: the first step used to read it)."""


def can_database() -> Database:
    """The parsed, strictly checked CAN database (read at import; it is read-only)."""
    return _DATABASE


def _data_id(message: Message) -> int | None:
    attributes = message.dbc.attributes if message.dbc is not None else {}
    attribute = attributes.get("E2EDataID")
    return int(attribute.value) if attribute is not None else None


@cache
def protected_message(name: str) -> ProtectedMessage:
    """The E2E description of the protected message ``name``.

    Raises:
        KeyError: if the DBC has no such message, or it carries no ``E2EDataID``
            (a programming error, found by the unit tests, never at run time).
    """
    message = can_database().get_message_by_name(name)
    data_id = _data_id(message)
    if data_id is None or message.cycle_time is None:
        raise KeyError(f"{name} is not an E2E protected message with a period in {DBC_NAME}")
    return ProtectedMessage(
        name=name,
        arbitration_id=message.frame_id,
        length=message.length,
        data_id=data_id,
        period_ms=message.cycle_time,
    )
