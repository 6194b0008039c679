"""ASIL arithmetic: determination from S, E and C, comparison, inheritance and decomposition.

Layer 2 (sources), pure: integers and enums only, no I/O, so that CrossHair
can confirm the contracts over all paths. The facts are those of
ISO 26262-3:2018 Table 4 (determination) and ISO 26262-9:2018 clause 5
(decomposition), written as arithmetic: with QM=0, A=1, B=2, C=3, D=4 and
S1..S3, E1..E4, C1..C3, the ASIL is ``S + E + C - 6`` clipped at QM, and a
decomposition is permitted when the two parts sum to at least the original.
"""

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

__all__ = [
    "Asil",
    "AsilRating",
    "asil_table",
    "decomposition_permitted",
    "determine_asil",
    "parse_asil",
    "parse_class",
    "satisfies_inheritance",
]


class Asil(IntEnum):
    """Automotive Safety Integrity Level, ordered from QM (no ASIL) to D."""

    QM = 0
    A = 1
    B = 2
    C = 3
    D = 4


_MAX_CLASS: Final = {"S": 3, "E": 4, "C": 3}
_RATING: Final = re.compile(r"^(QM|A|B|C|D)(?:\((A|B|C|D)\))?$")


@dataclass(frozen=True)
class AsilRating:
    """An ASIL as written on a requirement: a level, and the original ASIL if decomposed."""

    level: Asil
    """The ASIL the element is developed to (``B`` in ``B(D)``)."""
    original: Asil | None = None
    """The ASIL before decomposition (``D`` in ``B(D)``), or ``None`` if not decomposed."""

    @property
    def decomposed(self) -> bool:
        """Whether the rating is one part of a decomposition."""
        return self.original is not None

    @property
    def origin(self) -> Asil:
        """The ASIL of the safety goal this rating descends from: the bracket, else the level."""
        return self.original if self.original is not None else self.level

    def __str__(self) -> str:
        level = self.level.name
        return f"{level}({self.original.name})" if self.original is not None else level


def parse_asil(text: str) -> AsilRating | None:
    """The rating written as ``text`` (``QM``, ``A``..``D``, ``B(D)``), or ``None`` if invalid.

    A bracket must hold an ASIL at least the level and not QM (``D(B)`` is invalid).
    """
    match = _RATING.match(text.strip())
    if match is None:
        return None
    level = Asil[match.group(1)]
    if match.group(2) is None:
        return AsilRating(level)
    original = Asil[match.group(2)]
    if original < level:
        return None
    return AsilRating(level, original)


def parse_class(text: str, letter: str) -> int | None:
    """The number of an S, E or C class written as ``text`` (``"S3"`` -> 3), or ``None``."""
    value = text.strip()
    if len(value) != 2 or value[0] != letter or not value[1].isdigit():
        return None
    number = int(value[1])
    return number if number <= _MAX_CLASS[letter] else None


def determine_asil(severity: int, exposure: int, controllability: int) -> Asil:
    """ASIL of a hazardous event (ISO 26262-3:2018 Table 4).

    Any class 0 gives QM; otherwise ``S + E + C`` of 10, 9, 8 and 7 give D,
    C, B and A, and anything lower QM.

    pre: 0 <= severity <= 3
    pre: 0 <= exposure <= 4
    pre: 0 <= controllability <= 3
    post: (__return__ == Asil.D) == (severity == 3 and exposure == 4 and controllability == 3)
    post: Asil.QM <= __return__ <= Asil.D
    post: min(severity, exposure, controllability) > 0 or __return__ is Asil.QM
    post: __return__ != Asil.A or severity + exposure + controllability == 7
    """
    if severity == 0 or exposure == 0 or controllability == 0:
        return Asil.QM
    return Asil(max(0, severity + exposure + controllability - 6))


def asil_table() -> list[tuple[int, int, list[Asil]]]:
    """ISO 26262-3 Table 4 as rows ``(severity, exposure, [ASIL for C1, C2, C3])``."""
    return [
        (s, e, [determine_asil(s, e, c) for c in (1, 2, 3)])
        for s in (1, 2, 3)
        for e in (1, 2, 3, 4)
    ]


def decomposition_permitted(original: Asil, first: Asil, second: Asil) -> bool:
    """Whether ``first(original) + second(original)`` is a permitted decomposition.

    ISO 26262-9:2018 clause 5.4: D into C+A, B+B or D+QM; C into B+A or C+QM;
    B into A+A or B+QM; A into A+QM. These are exactly the pairs whose levels
    sum to the original; a pair at least as strict element-wise (C+B of D)
    sums higher and is accepted, one that sums lower is not. Neither part may
    exceed the original, and QM cannot be decomposed.

    post:
        not __return__ or (original > Asil.QM and first <= original and second <= original)
        __return__ == (original > Asil.QM and max(first, second) <= original <= first + second)
        original is not Asil.D or (first, second) not in ((Asil.C, Asil.A), (Asil.B, Asil.B)) or _
        original is not Asil.D or (first, second) not in ((Asil.D, Asil.QM), (Asil.C, Asil.B)) or _
        original is not Asil.D or (first, second) != (Asil.B, Asil.A) or not _
        original is not Asil.C or (first, second) != (Asil.A, Asil.A) or not _
    """
    if original == Asil.QM or first > original or second > original:
        return False
    return int(first) + int(second) >= int(original)


def satisfies_inheritance(parent: AsilRating, child: AsilRating) -> bool:
    """Whether ``child`` may satisfy (or realize) ``parent`` (ISO 26262-9:2018 clause 5.4).

    A child carries at least its parent's ASIL. A decomposed child (``B(D)``)
    may be lower than an undecomposed parent only if its bracket is the
    parent's ASIL. Below a decomposed parent a decomposed child keeps the
    bracket unchanged with a level at least the parent's, and an undecomposed
    child must reach the original ASIL (``D`` below ``D(D)``, never ``QM``
    below ``QM(D)``).

    pre: parent.original is None or parent.original >= parent.level
    pre: child.original is None or child.original >= child.level
    post:
        parent.decomposed or child.decomposed or _ == (child.level >= parent.level)
        parent.decomposed or not child.decomposed or _ == (child.original == parent.level)
        not parent.decomposed or child.decomposed or _ == (child.level >= parent.origin)
        not (_ and parent.decomposed and child.decomposed) or child.original == parent.original
        not (_ and not child.decomposed) or child.level >= parent.level
    """
    if parent.decomposed:
        if not child.decomposed:
            return child.level >= parent.origin
        return child.original == parent.original and child.level >= parent.level
    if child.decomposed:
        return child.original == parent.level
    return child.level >= parent.level
