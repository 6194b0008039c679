"""Hypothesis profiles of the test suites, and each test's example cap under them.

ASIL: tool qualification support (test infrastructure, not BMS code). Requirements: none
(DESIGN.md section 7: a certification run records >= 1,000 examples per property and a
repeatable seed).

Profiles, chosen by ``HYPOTHESIS_PROFILE`` in ``verification/conftest.py``:

* ``dev`` (default): fast, for the edit-test loop;
* ``ci``: more examples, derandomized so CI is repeatable;
* ``certification``: at least :data:`CERTIFICATION_MIN_EXAMPLES` examples per
  property, derandomized so an assessor can repeat the run and get the same examples.

A test whose examples are slow caps them below the profile (CI speed) by
stating its cap through :func:`examples`, which keeps the cap under ``dev``
and ``ci`` and raises it to the certification minimum under
``certification``::

    @settings(max_examples=examples(40), deadline=None)

    run_state_machine_as_test(Rules, settings=settings(max_examples=examples(8)))
"""

from hypothesis import HealthCheck, settings

__all__ = ["CERTIFICATION", "CERTIFICATION_MIN_EXAMPLES", "examples", "register_profiles"]

CERTIFICATION = "certification"
"""Name of the profile whose runs are certification evidence."""

CERTIFICATION_MIN_EXAMPLES = 1000
"""Examples every property runs at least under :data:`CERTIFICATION`
(``verification/scripts/check_property_evidence.py`` fails a record below it)."""


def register_profiles() -> None:
    """Register the ``dev``, ``ci`` and ``certification`` profiles (loading none)."""
    settings.register_profile("dev", max_examples=50, deadline=None)
    settings.register_profile(
        "ci",
        max_examples=200,
        deadline=None,
        derandomize=True,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(
        CERTIFICATION,
        max_examples=CERTIFICATION_MIN_EXAMPLES,
        deadline=None,
        derandomize=True,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )


def examples(cap: int, *, profile: str | None = None) -> int:
    """The ``max_examples`` of a test that caps its examples at ``cap`` (> 0).

    ``cap`` under any profile but :data:`CERTIFICATION`; under it, ``cap`` or
    :data:`CERTIFICATION_MIN_EXAMPLES`, whichever is larger. ``profile``
    defaults to the profile loaded now (read when the test's settings are
    built: at import for a decorator, at call time inside the test).

    Raises:
        ValueError: on a cap that is not > 0.
    """
    if cap <= 0:
        raise ValueError(f"examples(cap={cap}): the cap must be > 0")
    active = settings.get_current_profile_name() if profile is None else profile
    if active == CERTIFICATION:
        return max(cap, CERTIFICATION_MIN_EXAMPLES)
    return cap
