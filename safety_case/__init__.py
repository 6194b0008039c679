"""An ISO 26262 safety-case toolkit: metamodel, traces, evidence and checks.

Generic: nothing here names a particular product. A project configures it
with one policy file (``safety_case.toml``) and uses it through its Sphinx
extension (``safety_case.sphinx``), its pytest plugin and its CLI.
"""

from safety_case._version import __version__

__all__ = ["__version__"]
