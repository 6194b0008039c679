"""Shared test configuration: hypothesis profiles chosen by ``HYPOTHESIS_PROFILE``.

* ``dev`` (default): fast, for the edit-test loop;
* ``ci``: more examples, derandomized so CI is repeatable;
* ``certification``: at least 1,000 examples per property, derandomized so an
  assessor can repeat the run and get the same examples.

The profiles are registered by :mod:`verification.hypothesis_profiles`, whose
:func:`~verification.hypothesis_profiles.examples` a test uses to cap its
examples under ``dev`` and ``ci`` while still running >= 1,000 under
``certification``.
"""

import os

from hypothesis import settings

from verification.hypothesis_profiles import register_profiles

pytest_plugins = ["pytester"]

register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
