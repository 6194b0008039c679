"""Hypothesis' run statistics of one test, as figures of its evidence record.

Layer 5 (face). Hypothesis reports each run's statistics (the test cases
of every phase, why generation stopped) through the dynamic variable
:data:`hypothesis.statistics.collector`, which its own pytest plugin sets to
print ``--hypothesis-show-statistics``. :func:`collecting` chains a
callback onto it for the duration of one test call (the previous callback
still runs) and sums what it receives; :func:`settings_figures` adds what
is needed to repeat the run: the profile, ``max_examples``, ``derandomize``,
the seed and the example database. Stateful tests
(``RuleBasedStateMachine.TestCase``) report through the same variable.

The settings recorded are those each run applied, not those the test
declares: a state machine run from a plain test function
(``run_state_machine_as_test(Machine, settings=...)``, or
``TestX = Machine.TestCase``) carries its settings on an inner function
that pytest never sees, so the declared settings would be the profile's.
The callback reads the applied settings from the engine that reports
(hypothesis' ``ConjectureRunner.settings``, found on the caller's frame),
else the cap from the reason the run stopped (``settings.max_examples=N``);
only when neither is found are the declared settings recorded, and the
figure ``settings_source`` says which. With several runs in one test,
``max_examples`` is the smallest cap applied and the example counts add up.
Statistics and settings attributes beyond the public API are read with
fallbacks, so a newer hypothesis degrades to fewer figures, never an error.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

__all__ = ["collecting", "settings_figures"]

_PHASES = ("explicit", "reuse", "generate", "shrink")
_STOPPED_AT_CAP = re.compile(r"settings\.max_examples=(\d+)")
"""How hypothesis words a run that stopped at its cap (``ExitReason.max_examples``)."""
_FRAMES_UP = 6
"""Frames searched above the statistics callback for the engine that reports."""
SOURCE_RUN = "applied by the run"
SOURCE_STOP_REASON = "cap read from the reason the run stopped"
SOURCE_DECLARED = "declared on the test (the run's settings were not found)"


def _add_statistics(figures: dict[str, float | int | str], stats: dict[str, Any]) -> None:
    """Add one run's test-case counts to ``figures`` (several runs in one test add up)."""
    statuses: Counter[str] = Counter()
    generated = 0
    for phase in _PHASES:
        cases = stats.get(f"{phase}-phase", {}).get("test-cases", [])
        statuses.update(str(case.get("status", "")) for case in cases)
        if phase == "generate":
            generated += sum(1 for case in cases if case.get("status") == "valid")
    runs = int(figures.get("hypothesis_runs", 0)) + 1
    figures["hypothesis_runs"] = runs
    figures["examples_run"] = int(figures.get("examples_run", 0)) + sum(statuses.values())
    figures["examples_valid"] = int(figures.get("examples_valid", 0)) + statuses["valid"]
    figures["examples_generated_valid"] = int(figures.get("examples_generated_valid", 0)) + (
        generated
    )
    invalid = statuses["invalid"] + statuses["overrun"]
    figures["examples_invalid"] = int(figures.get("examples_invalid", 0)) + invalid
    figures["examples_failing"] = int(figures.get("examples_failing", 0)) + statuses["interesting"]
    stopped = str(stats.get("stopped-because", "") or "")
    if stopped:
        figures["stopped_because"] = stopped


def _reporting_settings() -> Any:
    """The settings of the engine whose statistics are being reported, or ``None``.

    Hypothesis calls the statistics callback from the engine's caller, which
    holds the engine (``runner``, a ``ConjectureRunner`` with ``.settings``).
    """
    try:
        from hypothesis import settings  # noqa: PLC0415 - only when hypothesis runs
    except ImportError:  # pragma: no cover - hypothesis is not installed
        return None
    frame = inspect.currentframe()
    try:
        for _ in range(_FRAMES_UP):
            if frame is None:
                return None
            applied = getattr(frame.f_locals.get("runner"), "settings", None)
            if isinstance(applied, settings):
                return applied
            frame = frame.f_back
        return None
    finally:
        del frame  # no reference cycle through the frames


def _add_settings(figures: dict[str, float | int | str], stats: dict[str, Any]) -> None:
    """Add one run's applied cap, ``derandomize`` and database to ``figures``."""
    applied = _reporting_settings()
    if applied is not None:
        cap = int(applied.max_examples)
        source = SOURCE_RUN
        derandomize = int(bool(applied.derandomize))
        figures["derandomize"] = min(int(figures.get("derandomize", 1)), derandomize)
        database = applied.database
        figures["database"] = "none" if database is None else type(database).__name__
    else:
        found = _STOPPED_AT_CAP.search(str(stats.get("stopped-because", "") or ""))
        if found is None:
            return
        cap, source = int(found.group(1)), SOURCE_STOP_REASON
    previous = figures.get("max_examples")
    figures["max_examples"] = cap if previous is None else min(int(previous), cap)
    if figures.get("settings_source") != SOURCE_STOP_REASON:
        figures["settings_source"] = source


@contextlib.contextmanager
def collecting(item: pytest.Item) -> Iterator[dict[str, float | int | str]]:
    """Collect the statistics of every hypothesis run inside this ``with`` block."""
    del item
    figures: dict[str, float | int | str] = {}
    try:
        from hypothesis.statistics import collector  # noqa: PLC0415 - only when hypothesis runs
    except ImportError:  # pragma: no cover - hypothesis is not installed
        yield figures
        return
    variable: Any = collector  # typed DynamicVariable[None] by hypothesis; holds a callback
    previous = variable.value

    def note(stats: Any) -> None:
        if isinstance(stats, dict):
            _add_statistics(figures, stats)
            _add_settings(figures, stats)
        if previous is not None:
            previous(stats)

    with variable.with_value(note):
        yield figures


def settings_figures(
    item: pytest.Item, measured: Mapping[str, float | int | str] | None = None
) -> dict[str, float | int | str]:
    """The settings that repeat ``item``'s run: profile, examples, derandomize, seed, database.

    ``measured``: the figures :func:`collecting` gathered; the settings the
    runs applied (``max_examples``, ``derandomize``, ``database``) win over
    those the test declares, and the result holds ``measured`` as well.
    """
    measured = {} if measured is None else measured
    try:
        from hypothesis import settings  # noqa: PLC0415 - only when hypothesis runs
    except ImportError:  # pragma: no cover - hypothesis is not installed
        return dict(measured)
    function = getattr(item, "obj", None)
    used: Any = getattr(function, "_hypothesis_internal_use_settings", None)
    if used is None:  # a stateful TestCase keeps its settings on the class
        used = getattr(getattr(item, "cls", None), "settings", None)
    if not isinstance(used, settings):
        used = settings.default
    database = used.database
    declared: dict[str, float | int | str] = {
        "hypothesis_profile": settings.get_current_profile_name(),
        "max_examples": int(used.max_examples),
        "derandomize": int(bool(used.derandomize)),
        "database": "none" if database is None else type(database).__name__,
        "settings_source": SOURCE_DECLARED,
    }
    figures = {**declared, **measured}
    explicit_seed = getattr(function, "_hypothesis_internal_use_seed", None)
    option_seed = item.config.getoption("hypothesis_seed", default=None)
    if explicit_seed is not None:
        figures["seed"] = f"@seed({explicit_seed})"
    elif option_seed is not None:
        figures["seed"] = f"--hypothesis-seed={option_seed}"
    elif figures["derandomize"]:
        figures["seed"] = "derandomized (fixed by the test's source)"
    else:
        figures["seed"] = "random (not reproducible)"
    return figures
