"""Shared test configuration: hypothesis profiles chosen by ``HYPOTHESIS_PROFILE``.

* ``dev`` (default): fast, for the edit-test loop;
* ``ci``: more examples, derandomized so CI is repeatable;
* ``certification``: at least 1,000 examples per property, derandomized so an
  assessor can repeat the run and get the same examples.
"""

import os

from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

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
    "certification",
    max_examples=1000,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
