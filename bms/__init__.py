"""A verified Battery Management System: pure, deterministic, strictly typed.

ASIL: D (the package as a whole; each module's header gives its own).
The BMS never imports the safety-case toolkit: traces live in docstrings
(``Implements: SWR_...``) and cost nothing at run time.
"""

from bms._version import __version__

__all__ = ["__version__"]
