"""Tests of bms/config/_base.py: strictness and the ordering helper.

Covers: models are frozen, reject unknown keys and refuse type coercion
(a string for a number) and infinite or NaN numbers; require_increasing names the first pair out of
order and its context, and accepts a strictly increasing sequence.
"""

import pytest
from pydantic import ValidationError

from bms.config._base import StrictModel, require_increasing


class Sample(StrictModel):
    low_v: float
    high_v: float


def test_frozen() -> None:
    sample = Sample(low_v=1.0, high_v=2.0)
    with pytest.raises(ValidationError, match="frozen"):
        sample.low_v = 3.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"low_v": 1.0, "high_v": 2.0, "extra_v": 0.0}, "Extra inputs"),
        ({"low_v": "1.0", "high_v": 2.0}, "valid number"),
        ({"low_v": 1.0}, "Field required"),
        ({"low_v": 1.0, "high_v": float("inf")}, "finite number"),
        ({"low_v": float("nan"), "high_v": 2.0}, "finite number"),
    ],
    ids=["unknown-key", "string-for-float", "missing", "infinite", "nan"],
)
def test_strict_inputs_rejected(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        Sample.model_validate(data)


def test_require_increasing() -> None:
    require_increasing(Sample(low_v=1.0, high_v=2.0), "low_v", "high_v")
    with pytest.raises(ValueError, match=r"low_v=2.0 must be < high_v=2.0 \(why\)"):
        require_increasing(Sample(low_v=2.0, high_v=2.0), "low_v", "high_v", context="why")
