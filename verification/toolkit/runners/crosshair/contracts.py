"""A tiny module of contracts whose CrossHair verdicts are known by hand (not a test module).

* ``successor_in_range``: true on ints, finite path space -> confirmed over all paths;
* ``wrong_successor``: false on ints -> a counterexample with the failing call;
* ``square_non_negative``: true on reals (NaN excluded) -> not refuted, never a proof;
* ``square_forgets_nan``: false for NaN -> a counterexample naming ``float("nan")``;
* ``slow_sum``: true, but one path outlasts the budget -> a timeout;
* ``unparsable``: a contract that is not Python -> an error.
"""

import math
from enum import IntEnum


class Colour(IntEnum):
    """An enum for the exact-domain judgement."""

    RED = 0
    GREEN = 1


def successor_in_range(counter: int) -> int:
    """The next alive counter.

    Implements: SWR_FIX_001

    pre: 0 <= counter <= 14
    post: 0 <= __return__ <= 14
    """
    return (counter + 1) % 15


def wrong_successor(counter: int) -> int:
    """The next value, claimed (wrongly) to stay below 10.

    Implements: SWR_FIX_001

    pre: 0 <= counter < 10
    post: __return__ < 10
    """
    return counter + 1


def square_non_negative(value: float) -> float:
    """The square, non-negative unless the input is NaN.

    Implements: SWR_FIX_002

    post: math.isnan(value) or __return__ >= 0.0
    """
    return value * value


def square_forgets_nan(value: float) -> float:
    """The square, claimed non-negative for every float (NaN breaks it).

    post: __return__ >= 0.0
    """
    return value * value


def slow_sum(count: int) -> int:
    """A sum that takes far longer than any budget for large counts.

    pre: count >= 0
    post: __return__ >= 0
    """
    total = 0
    for index in range(10_000_000 + count):
        total += index % 3
    return total


def unparsable(flag: bool) -> bool:
    """A contract that is not an expression.

    post: __return__ ==
    """
    return flag or math.isfinite(0.0)
