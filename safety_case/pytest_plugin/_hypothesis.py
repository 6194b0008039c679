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
Statistics and settings attributes beyond the public API are read with
fallbacks, so a newer hypothesis degrades to fewer figures, never an error.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["collecting", "settings_figures"]

_PHASES = ("explicit", "reuse", "generate", "shrink")


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
        if previous is not None:
            previous(stats)

    with variable.with_value(note):
        yield figures


def settings_figures(item: pytest.Item) -> dict[str, float | int | str]:
    """The settings that repeat ``item``'s run: profile, examples, derandomize, seed, database."""
    try:
        from hypothesis import settings  # noqa: PLC0415 - only when hypothesis runs
    except ImportError:  # pragma: no cover - hypothesis is not installed
        return {}
    function = getattr(item, "obj", None)
    used: Any = getattr(function, "_hypothesis_internal_use_settings", None)
    if used is None:  # a stateful TestCase keeps its settings on the class
        used = getattr(getattr(item, "cls", None), "settings", None)
    if not isinstance(used, settings):
        used = settings.default
    explicit_seed = getattr(function, "_hypothesis_internal_use_seed", None)
    option_seed = item.config.getoption("hypothesis_seed", default=None)
    if explicit_seed is not None:
        seed = f"@seed({explicit_seed})"
    elif option_seed is not None:
        seed = f"--hypothesis-seed={option_seed}"
    elif used.derandomize:
        seed = "derandomized (fixed by the test's source)"
    else:
        seed = "random (not reproducible)"
    database = used.database
    return {
        "hypothesis_profile": settings.get_current_profile_name(),
        "max_examples": int(used.max_examples),
        "derandomize": int(bool(used.derandomize)),
        "seed": seed,
        "database": "none" if database is None else type(database).__name__,
    }
