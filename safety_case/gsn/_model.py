"""The GSN argument as data (GSN Community Standard version 3).

Layer 4 (producers). Elements (goal, strategy, solution, context,
assumption, justification, away goal) live in modules and are joined by two
relations, SupportedBy and InContextOf. Every element that can be judged
carries a :class:`Status`; the model holds no colours nor shapes (the
renderer picks them), only what the argument says and how far it stands.

The model is permissive on purpose: a dangling relation or a cycle can be
built, so that :mod:`safety_case.gsn._checks` can report it as a finding
instead of a validation traceback. ASIL: tool for ASIL D development
(ISO 26262-8:2018 clause 11).
"""

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Argument",
    "Assumption",
    "AwayGoal",
    "BaseElement",
    "Context",
    "Element",
    "Goal",
    "InContextOf",
    "Justification",
    "Module",
    "Solution",
    "Status",
    "Strategy",
    "SupportedBy",
    "worst",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Status(StrEnum):
    """How far an element of the argument stands, from best to worst."""

    SUPPORTED = "supported"
    """Developed down to fresh, passing evidence."""
    UNDEVELOPED = "undeveloped"
    """Explicitly left undeveloped (GSN's hollow diamond): the argument is incomplete."""
    MISSING_EVIDENCE = "missing evidence"
    """A method the requirement calls for has no evidence record."""
    STALE = "stale"
    """Evidence exists but its sources changed since the run; it counts as missing."""
    FAILING = "failing"
    """Evidence exists, is fresh and does not pass (fail or inconclusive)."""


_SEVERITY = {status: rank for rank, status in enumerate(Status)}


def worst(statuses: "Iterator[Status] | list[Status] | tuple[Status, ...]") -> Status:
    """The worst of ``statuses`` (supported when there are none)."""
    result = Status.SUPPORTED
    for status in statuses:
        if _SEVERITY[status] > _SEVERITY[result]:
            result = status
    return result


class BaseElement(_Frozen):
    """What every GSN element has: a kind, an id, a statement and the need it speaks about."""

    kind: str
    """Which element this is (each subclass fixes it)."""
    id: Annotated[str, Field(min_length=1)]
    """Identifier, unique within its module (such as ``G_SWR_X``)."""
    text: str
    """The statement, as GSN writes it inside the shape."""
    need_id: str | None = None
    """The requirement this element speaks about, for its link."""


class Goal(BaseElement):
    """A claim (GSN goal): drawn as a rectangle."""

    kind: Literal["goal"] = "goal"
    """Discriminator."""
    status: Status = Status.SUPPORTED
    """The worst status below this goal."""
    undeveloped: bool = False
    """Explicitly marked undeveloped (drawn with a diamond)."""


class Strategy(BaseElement):
    """How a goal is broken into sub-goals: drawn as a parallelogram."""

    kind: Literal["strategy"] = "strategy"
    """Discriminator."""
    status: Status = Status.SUPPORTED
    """The worst status below this strategy."""
    undeveloped: bool = False
    """Explicitly marked undeveloped."""


class Solution(BaseElement):
    """An item of evidence (GSN solution): drawn as a circle."""

    kind: Literal["solution"] = "solution"
    """Discriminator."""
    status: Status
    """Supported when the record is fresh and passing; else failing or stale."""
    record_id: str | None = None
    """Id of the evidence record this solution is, if it is one."""
    document: str | None = None
    """Path (relative to the project root) of a document solution, when not a record."""
    reason: str = ""
    """Why the status is not supported (stale reasons, the verdict)."""


class Context(BaseElement):
    """Context of a claim (rounded rectangle): a hazard, a safe state, a time."""

    kind: Literal["context"] = "context"
    """Discriminator."""


class Assumption(BaseElement):
    """An assumption a claim rests on (oval marked A)."""

    kind: Literal["assumption"] = "assumption"
    """Discriminator."""


class Justification(BaseElement):
    """Why a claim or strategy is acceptable (oval marked J)."""

    kind: Literal["justification"] = "justification"
    """Discriminator."""


class AwayGoal(BaseElement):
    """A goal developed in another module, referenced here."""

    kind: Literal["away_goal"] = "away_goal"
    """Discriminator."""
    module: str
    """Id of the module that develops the goal."""
    goal: str
    """Id of the goal in that module."""
    status: Status = Status.SUPPORTED
    """Status of the referenced goal, copied when the argument is generated."""


Element = Annotated[
    Goal | Strategy | Solution | Context | Assumption | Justification | AwayGoal,
    Field(discriminator="kind"),
]
"""Any GSN element."""


class SupportedBy(_Frozen):
    """``source`` is supported by ``target`` (solid arrow)."""

    source: str
    """Id of the goal or strategy."""
    target: str
    """Id of the goal, strategy, solution or away goal."""


class InContextOf(_Frozen):
    """``source`` is in the context of ``target`` (hollow arrow)."""

    source: str
    """Id of the goal or strategy."""
    target: str
    """Id of the context, assumption or justification."""


class Module(_Frozen):
    """One GSN module: a self-contained argument with a single root goal."""

    id: Annotated[str, Field(min_length=1)]
    """Module identifier (a safety goal's id, or a shared module's name)."""
    title: str
    """What the module argues."""
    elements: tuple[Element, ...]
    """Elements, root first."""
    supported_by: tuple[SupportedBy, ...] = ()
    """SupportedBy relations."""
    in_context_of: tuple[InContextOf, ...] = ()
    """InContextOf relations."""

    def element(self, element_id: str) -> Element | None:
        """The element with ``element_id``, or ``None``."""
        return next((e for e in self.elements if e.id == element_id), None)

    @property
    def root(self) -> Element | None:
        """The first element (the module's top goal when well formed)."""
        return self.elements[0] if self.elements else None

    @property
    def status(self) -> Status:
        """Status of the root goal (supported for an empty module)."""
        root = self.root
        if isinstance(root, Goal | Strategy | AwayGoal):
            return root.status
        return Status.SUPPORTED


class Argument(_Frozen):
    """The whole safety case: one module per safety goal, plus shared modules."""

    modules: tuple[Module, ...]
    """Modules, safety goals first."""

    def module(self, module_id: str) -> Module | None:
        """The module with ``module_id``, or ``None``."""
        return next((m for m in self.modules if m.id == module_id), None)

    def counts(self) -> dict[str, int]:
        """How many goals are undeveloped and solutions missing, failing or stale, overall.

        A method goal without any record is undeveloped *and* missing
        evidence; it counts as missing evidence only.
        """
        counts = {status.value: 0 for status in Status if status is not Status.SUPPORTED}
        for module in self.modules:
            for element in module.elements:
                if isinstance(element, Solution) and element.status is not Status.SUPPORTED:
                    counts[element.status.value] += 1
                elif isinstance(element, Goal) and element.undeveloped:
                    key = (
                        Status.MISSING_EVIDENCE
                        if element.status is Status.MISSING_EVIDENCE
                        else Status.UNDEVELOPED
                    )
                    counts[key.value] += 1
        return counts
