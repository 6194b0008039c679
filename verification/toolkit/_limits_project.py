"""A two-module miniature project for the staleness tests: one edit, exactly its evidence stale.

``pkg.high`` has a traced function, an untraced helper and a module-level
constant; ``pkg.low`` one traced function; each implements its own ASIL D
requirement.
"""

REQUIREMENTS = """
Requirements
============

.. swr:: High limit
   :id: SWR_HIGH_001
   :asil: D

   High.

.. swr:: Low limit
   :id: SWR_LOW_001
   :asil: D

   Low.
"""
HIGH = '''"""High side."""

LIMIT_V = 4.25


def _over(value: float, enabled: bool) -> bool:
    return enabled and value > LIMIT_V


def high(value: float, enabled: bool) -> float:
    """Implements: SWR_HIGH_001"""
    if _over(value, enabled):
        return LIMIT_V
    return value
'''
LOW = '''"""Low side."""


def low(value: float, enabled: bool) -> float:
    """Implements: SWR_LOW_001"""
    if enabled and value < 2.5:
        return 2.5
    return value
'''
