"""Fixtures of the pytest plugin's tests: keep PyO3 extensions loaded across pytester runs.

An in-process ``pytester.runpytest`` restores ``sys.modules`` after each run,
so a module first imported inside a run (the requirement export imports
sphinx-needs, which imports ``minijinja``, a PyO3 extension) is imported
again by the next run; a PyO3 extension cannot be initialised twice in one
interpreter (``ImportError: PyO3 modules ... may only be initialized once``).
Importing it here, before any pytester snapshot, keeps it loaded for all of
them.
"""

import contextlib

with contextlib.suppress(ImportError):  # without the docs extras the export is not used
    import minijinja  # noqa: F401 - loaded once for every pytester run
