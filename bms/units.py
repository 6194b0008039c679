"""Physical unit types that mypy keeps apart.

ASIL: D. Requirements: none directly; every safety function uses these types.

Each unit is a :func:`typing.NewType` over ``float`` (or ``int`` for
milliseconds): free at run time, yet mypy rejects an ``Amperes`` where
``Volts`` are expected. Arithmetic on two values of a unit gives a plain
``float``; wrap the result again on purpose (``Volts(a - b)``), which is where
a reviewer checks the physics. Field and variable names still carry the unit
suffix (``_v``, ``_a``, ``_degc``...) so that a value is readable without its
type.
"""

from typing import NewType

__all__ = [
    "AmpereHours",
    "Amperes",
    "DegreesC",
    "Fraction",
    "Milliseconds",
    "Ohms",
    "Seconds",
    "Volts",
    "Watts",
]

Volts = NewType("Volts", float)
"""Electric potential difference in volts."""

Amperes = NewType("Amperes", float)
"""Current in amperes; positive values discharge the cell (sign convention of the whole BMS)."""

DegreesC = NewType("DegreesC", float)
"""Temperature in degrees Celsius."""

Seconds = NewType("Seconds", float)
"""Duration or time stamp in seconds."""

Milliseconds = NewType("Milliseconds", int)
"""Integer duration in milliseconds: timing budgets are exact, never rounded floats."""

AmpereHours = NewType("AmpereHours", float)
"""Charge in ampere-hours."""

Ohms = NewType("Ohms", float)
"""Resistance in ohms."""

Watts = NewType("Watts", float)
"""Power in watts."""

Fraction = NewType("Fraction", float)
"""A dimensionless share in [0, 1], such as a State of Charge."""
