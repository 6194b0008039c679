"""CRC-8 SAE J1850 for the end-to-end protection of CAN messages.

ASIL: D. Requirements: SWR_CAN_002.

Parameters as in AUTOSAR E2E Profile 1 and SAE J1850: polynomial 0x1D,
initial value 0xFF, final XOR 0xFF, no reflection; check value 0x4B for
the ASCII bytes ``123456789``.

Not hand-written: :mod:`cantools.autosar` only computes the CRCs of E2E
Profile 2 (CRC-8/AUTOSAR, polynomial 0x2F) and Profile 5 (CRC-16), neither
of which is J1850; its own dependency ``crccheck`` ships the J1850
parameter set (``Crc8SaeJ1850``), used here behind a typed function. The
tests compare it with an independent bitwise implementation.
"""

from crccheck.crc import Crc8SaeJ1850  # type: ignore[import-untyped]

__all__ = ["crc8_sae_j1850", "e2e_crc"]


def crc8_sae_j1850(data: bytes) -> int:
    """CRC-8 SAE J1850 of ``data``, in [0, 255].

    Implements: SWR_CAN_002
    """
    return int(Crc8SaeJ1850.calc(data)) & 0xFF


def e2e_crc(data_id: int, payload: bytes) -> int:
    """The E2E CRC of one frame: over the data id (low byte, then high byte) and the payload.

    Implements: SWR_CAN_002

    Args:
        data_id: the message's 16-bit data id (``E2EDataID`` in the DBC);
            only its low 16 bits are used.
        payload: the frame's bytes after the CRC byte (byte 1 onward).

    Returns:
        The CRC to place in byte 0.
    """
    header = bytes((data_id & 0xFF, (data_id >> 8) & 0xFF))
    return crc8_sae_j1850(header + payload)
