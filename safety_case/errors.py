"""The toolkit's exceptions, with one root.

Hierarchy::

    SafetyCaseError
    ├── PolicyError (also ValueError): the policy file is missing or invalid
    └── NeedsBuildError: sphinx-needs could not export the requirements

Expected failures carry a message fit for a terminal; the CLI prints it
without a traceback and exits with the code of :mod:`safety_case.cli`.
"""

__all__ = ["NeedsBuildError", "PolicyError", "SafetyCaseError"]


class SafetyCaseError(Exception):
    """Root of every exception the toolkit raises on purpose."""


class PolicyError(SafetyCaseError, ValueError):
    """The policy file (``safety_case.toml``) is missing or invalid."""


class NeedsBuildError(SafetyCaseError):
    """Exporting the requirements with sphinx-needs failed."""
