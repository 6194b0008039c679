"""The one-requirement project the plugin's tests run pytest in (pytester).

A requirement ``SWR_LIMIT_001``, the code unit ``pkg.mod.limit`` that
implements it, and the policy file that points the toolkit at both.
"""

from pathlib import Path

REQUIREMENT = """
Requirements
============

.. swr:: Limit
   :id: SWR_LIMIT_001
   :asil: D

   Stay below 4.25 V.
"""
POLICY = """
[safety_case]
requirements = "reqs"
code = ["pkg"]
tests = ["."]
"""
CODE = '''
def limit(value):
    """Implements: SWR_LIMIT_001"""
    return min(value, 4.25)
'''


def write_project(root: Path) -> None:
    """Write the policy, the requirement and the code under ``root``."""
    (root / "safety_case.toml").write_text(POLICY, encoding="utf-8")
    (root / "reqs").mkdir()
    (root / "reqs" / "index.rst").write_text(REQUIREMENT, encoding="utf-8")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "mod.py").write_text(CODE, encoding="utf-8")
