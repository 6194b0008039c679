"""Tests of verification/hypothesis_profiles.py: the profiles and a test's example cap.

Covers: under ``dev`` and ``ci`` a test keeps its own cap (CI speed); under
``certification`` the cap is raised to 1,000 and a larger cap is kept; the
active profile is the default; a cap that is not > 0 is rejected; the
registered ``certification`` profile asks for 1,000 derandomized examples.
"""

import pytest
from hypothesis import settings

from verification.hypothesis_profiles import (
    CERTIFICATION,
    CERTIFICATION_MIN_EXAMPLES,
    examples,
)


@pytest.mark.parametrize("profile", ["dev", "ci"])
def test_fast_profiles_keep_the_test_cap(profile: str) -> None:
    assert examples(8, profile=profile) == 8
    assert examples(40, profile=profile) == 40


def test_certification_raises_the_cap_to_its_minimum() -> None:
    assert CERTIFICATION_MIN_EXAMPLES == 1000
    assert examples(8, profile=CERTIFICATION) == 1000
    assert examples(5000, profile=CERTIFICATION) == 5000


def test_active_profile_is_the_default() -> None:
    expected = 1000 if settings.get_current_profile_name() == CERTIFICATION else 30
    assert examples(30) == expected


def test_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="cap"):
        examples(0)


def test_certification_profile_is_derandomized_with_a_thousand_examples() -> None:
    profile = settings.get_profile(CERTIFICATION)
    assert profile.max_examples == CERTIFICATION_MIN_EXAMPLES
    assert profile.derandomize
