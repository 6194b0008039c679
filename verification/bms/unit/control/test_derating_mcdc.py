"""MC/DC tests of bms/control/_derating.py (SWR_DER_001, SWR_DER_005).

Covers the defensive clamp of a derating factor (``_unit``), whose
out-of-range branches the validated tables never reach through
``derate``: a factor above 1 gives 1, below 0 or NaN gives 0, one in
[0, 1] is kept; and ``_current_limits`` scaling each factor to its
maximum, or giving 0 for a sample that is not valid.
"""

import math

import pytest

from bms.control._derating import _current_limits, _unit


@pytest.mark.verifies("SWR_DER_001")
@pytest.mark.parametrize(
    ("factor", "clamped"),
    [(0.0, 0.0), (0.25, 0.25), (1.0, 1.0), (1.5, 1.0), (-0.5, 0.0), (math.nan, 0.0)],
)
def test_factor_is_clamped_to_the_unit_interval(factor: float, clamped: float) -> None:
    assert _unit(factor) == clamped


@pytest.mark.verifies("SWR_DER_001", "SWR_DER_005")
def test_current_limits_scale_valid_factors_and_zero_invalid_samples() -> None:
    valid = _current_limits(True, 0.5, 2.0, 300.0, 400.0)
    assert (valid.charge_a, valid.discharge_a) == (150.0, 400.0)
    invalid = _current_limits(False, 0.5, 1.0, 300.0, 400.0)
    assert (invalid.charge_a, invalid.discharge_a) == (0.0, 0.0)
