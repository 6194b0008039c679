"""The recorder: condition vectors and outcomes of every decision, gathered while code runs.

Layer 4 (producers). The instrumented code of each module calls the helpers
that :meth:`Measurement.helpers` binds to that module. One evaluation of a
decision is a frame on a stack: ``begin`` pushes it, each condition writes
its value into it, ``end`` records the vector with the outcome and pops it.
A decision evaluated inside a condition of another one (a call) pushes its
own frame above; a frame left behind by an exception is dropped when the
frame below it ends. Single-threaded by design, as a test run is; a
generator suspended in the middle of a decision may lose the values of the
conditions it evaluates after resuming (they are recorded as unevaluated).
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from safety_case.runners.mcdc._instrument import BEGIN, COND, END, KEEP, TAKE
from safety_case.runners.mcdc._model import Decision, Evaluation

__all__ = ["Measurement", "ModuleData"]


def _truth(value: object) -> bool | None:
    """``bool(value)``, or ``None`` for a value without one (a numpy array in ``x = a or arr``)."""
    try:
        return bool(value)
    except Exception:  # noqa: BLE001 - any __bool__ error means "no truth value"; never raise
        return None


@dataclass
class ModuleData:
    """Decisions of one module and the evaluations seen so far."""

    path: str
    """Source file."""
    decisions: list[Decision]
    """Decisions, by index."""
    observed: list[Counter[Evaluation]] = field(default_factory=list)
    """Per decision: how often each (vector, outcome) was seen."""
    fingerprint: str | None = None
    """Fingerprint of the source as instrumented (the module as a code unit, see
    :func:`safety_case.fingerprint.code_unit_fingerprint`), if known."""

    def __post_init__(self) -> None:
        while len(self.observed) < len(self.decisions):
            self.observed.append(Counter())

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form, for xdist transport and for the report."""
        return {
            "path": self.path,
            "fingerprint": self.fingerprint,
            "decisions": [d.to_json() for d in self.decisions],
            "observed": [
                [
                    [list(v), outcome, count]
                    for (v, outcome), count in sorted(seen.items(), key=repr)
                ]
                for seen in self.observed
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ModuleData":
        """Inverse of :meth:`to_json`."""
        observed = [
            Counter({(tuple(vector), outcome): count for vector, outcome, count in seen})
            for seen in data["observed"]
        ]
        decisions = [Decision.from_json(d) for d in data["decisions"]]
        return cls(data["path"], decisions, observed, data.get("fingerprint"))


@dataclass
class Measurement:
    """Every instrumented module of one run, by dotted name."""

    modules: dict[str, ModuleData] = field(default_factory=dict)
    """Instrumented modules."""
    _stack: list[list[Any]] = field(default_factory=list)

    def add_module(
        self, module: str, path: str, decisions: list[Decision], fingerprint: str | None = None
    ) -> ModuleData:
        """Register a freshly instrumented module (a re-import starts it afresh)."""
        data = ModuleData(path, decisions, fingerprint=fingerprint)
        self.modules[module] = data
        return data

    def merge(self, other: "Measurement") -> None:
        """Add the evaluations of ``other`` (another process of the same run)."""
        for name, theirs in other.modules.items():
            ours = self.modules.get(name)
            if ours is None:
                self.modules[name] = theirs
                continue
            for mine, seen in zip(ours.observed, theirs.observed, strict=False):
                mine.update(seen)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {name: data.to_json() for name, data in sorted(self.modules.items())}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Measurement":
        """Inverse of :meth:`to_json`."""
        return cls({name: ModuleData.from_json(d) for name, d in data.items()})

    def helpers(self, data: ModuleData) -> dict[str, Callable[..., Any]]:
        """The functions the instrumented code of one module calls, by global name."""
        helpers = _Helpers(self._stack, data)
        return {
            BEGIN: helpers.begin,
            COND: helpers.cond,
            END: helpers.end,
            KEEP: helpers.keep,
            TAKE: helpers.take,
        }


class _Helpers:
    """The recording helpers of one module, sharing the run's evaluation stack."""

    def __init__(self, stack: list[list[Any]], data: ModuleData) -> None:
        self._stack = stack
        self._sizes = [len(d.conditions) for d in data.decisions]
        self._observed = data.observed

    def begin(self, decision_id: int) -> list[Any]:
        """Open one evaluation: a frame ``[id, vector, kept operand, module]``."""
        frame: list[Any] = [decision_id, [None] * self._sizes[decision_id], None, self._observed]
        self._stack.append(frame)
        return frame

    def cond(self, decision_id: int, index: int, value: object) -> object:
        """Record condition ``index``'s value in the innermost open evaluation of the decision."""
        for frame in reversed(self._stack):
            if frame[0] == decision_id and frame[3] is self._observed:
                frame[1][index] = _truth(value)
                break
        return value

    def end(self, decision_id: int, frame: list[Any], value: object) -> object:
        """Close the evaluation (and any left open above it by an exception); record it."""
        del decision_id
        stack = self._stack
        for position in range(len(stack) - 1, -1, -1):
            if stack[position] is frame:
                del stack[position:]
                break
        outcome = _truth(value)
        if outcome is not None:
            self._observed[frame[0]][(tuple(frame[1]), outcome)] += 1
        return value

    def keep(self, value: object) -> object:
        """Keep the middle operand of a chained comparison for the next comparison."""
        self._stack[-1][2] = value
        return value

    def take(self) -> object:
        """The operand kept by :meth:`keep`."""
        return self._stack[-1][2]
