"""Tests of safety_case/asil.py: ASIL determination, decomposition and inheritance.

Covers: ISO 26262-3 Table 4 (every S, E, C combination against the sum
rule, class 0 gives QM); the decomposition pairs of ISO 26262-9 clause 5
listed in full, stricter pairs accepted and lower sums refused; parsing of
ratings; inheritance below plain and decomposed parents.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safety_case.asil import (
    Asil,
    AsilRating,
    asil_table,
    decomposition_permitted,
    determine_asil,
    parse_asil,
    parse_class,
    satisfies_inheritance,
)


def test_table_4_corners() -> None:
    assert determine_asil(3, 4, 3) is Asil.D
    assert determine_asil(3, 4, 2) is Asil.C
    assert determine_asil(2, 4, 2) is Asil.B
    assert determine_asil(1, 4, 2) is Asil.A
    assert determine_asil(1, 1, 1) is Asil.QM
    assert determine_asil(3, 0, 3) is Asil.QM
    assert len(asil_table()) == 12


@given(st.integers(0, 3), st.integers(0, 4), st.integers(0, 3))
def test_sum_rule(s: int, e: int, c: int) -> None:
    expected = {10: Asil.D, 9: Asil.C, 8: Asil.B, 7: Asil.A}.get(s + e + c, Asil.QM)
    assert determine_asil(s, e, c) is (Asil.QM if 0 in (s, e, c) else expected)


LISTED = {
    Asil.D: {(Asil.C, Asil.A), (Asil.B, Asil.B), (Asil.D, Asil.QM)},
    Asil.C: {(Asil.B, Asil.A), (Asil.C, Asil.QM)},
    Asil.B: {(Asil.A, Asil.A), (Asil.B, Asil.QM)},
    Asil.A: {(Asil.A, Asil.QM)},
}


@pytest.mark.parametrize("original", list(LISTED))
def test_listed_pairs_are_permitted_both_ways(original: Asil) -> None:
    for first, second in LISTED[original]:
        assert decomposition_permitted(original, first, second)
        assert decomposition_permitted(original, second, first)


def test_stricter_pairs_accepted_lower_sums_refused() -> None:
    assert decomposition_permitted(Asil.D, Asil.C, Asil.B)
    assert not decomposition_permitted(Asil.D, Asil.B, Asil.A)
    assert not decomposition_permitted(Asil.C, Asil.A, Asil.A)
    assert not decomposition_permitted(Asil.QM, Asil.QM, Asil.QM)


def test_parse() -> None:
    assert parse_asil("QM(D)") == AsilRating(Asil.QM, Asil.D)
    assert parse_asil("D") == AsilRating(Asil.D)
    assert parse_asil("E") is None
    assert parse_asil("D(B)") is None
    assert parse_class("S3", "S") == 3
    assert parse_class("E5", "E") is None
    assert parse_class("C", "C") is None


@pytest.mark.parametrize(
    ("parent", "child", "ok"),
    [
        ("D", "D", True),
        ("C", "D", True),
        ("D", "B", False),
        ("D", "QM(D)", True),
        ("D", "B(C)", False),
        ("QM(D)", "QM(D)", True),
        ("QM(D)", "QM", False),
        ("D(D)", "D", True),
        ("B(D)", "C(D)", True),
        ("B(D)", "A(D)", False),
    ],
)
def test_inheritance(parent: str, child: str, ok: bool) -> None:
    p, c = parse_asil(parent), parse_asil(child)
    assert p is not None
    assert c is not None
    assert satisfies_inheritance(p, c) is ok
