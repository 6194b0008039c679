"""What one contract check showed: the verdict kinds and the result of one condition.

Layer 4 (producers). Pure data; :mod:`._check` fills it from CrossHair and
:mod:`._evidence` turns it into evidence records.
"""

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ContractResult", "ContractVerdict", "Domain"]


class ContractVerdict(StrEnum):
    """The outcome of checking one postcondition, kept apart as DESIGN.md section 7 asks."""

    CONFIRMED = "confirmed"
    """CrossHair exhausted every path and the condition held on all of them."""
    NO_COUNTEREXAMPLE = "no_counterexample"
    """Paths were explored until the budget ran out and none refuted the condition."""
    COUNTEREXAMPLE = "counterexample"
    """An input that meets the preconditions breaks the condition (or makes the call raise)."""
    TIMEOUT = "timeout"
    """The budget ran out before a single path was completed: nothing was shown."""
    ERROR = "error"
    """The contract could not be checked (syntax, import, unsatisfiable precondition)."""


class Domain(StrEnum):
    """How CrossHair models the values of a function's signature."""

    EXACT = "exact"
    """Only ints, bools, enums, strings, bytes and records of them: modelled exactly."""
    REAL = "real"
    """Floats (taken as reals), arrays or types CrossHair may realize: not a proof."""


@dataclass(frozen=True)
class ContractResult:
    """The check of one postcondition of one function."""

    qualified_name: str
    """``module.qualname`` of the function."""
    condition: str
    """The postcondition's source text."""
    verdict: ContractVerdict
    """What the check showed."""
    domain: Domain
    """Whether the signature is exact (ints, enums) or real-valued (floats)."""
    detail: str
    """CrossHair's message: the failing call for a counterexample, the reason for an error."""
    elapsed_s: float
    """Wall-clock time of the check."""
    cpu_s: float
    """Process time of the check (CrossHair's budget counts process time)."""
    paths: int
    """Iterations (execution paths attempted)."""
    confirmed_paths: int
    """Paths that ran to completion with the condition holding."""
    exhausted: bool
    """Whether CrossHair reported the path space exhausted."""
    timeout_s: float
    """The per-condition budget."""
    preconditions: tuple[str, ...] = ()
    """The preconditions assumed."""
    line: int = 0
    """Line of the condition (for people; never part of an id)."""

    @property
    def strength(self) -> str:
        """What the result is worth, in the words an assessor reads."""
        if self.verdict is ContractVerdict.CONFIRMED and self.domain is Domain.EXACT:
            return "proof: confirmed over all paths on exact (integer/enum) values"
        if self.verdict is ContractVerdict.CONFIRMED:
            return (
                "confirmed over all paths with floats taken as reals: "
                "supporting evidence, not a proof"
            )
        if self.verdict is ContractVerdict.NO_COUNTEREXAMPLE:
            return "no counterexample within the budget: supporting evidence, not a proof"
        if self.verdict is ContractVerdict.COUNTEREXAMPLE:
            return "refuted: counterexample found"
        return f"nothing shown ({self.verdict.value})"
