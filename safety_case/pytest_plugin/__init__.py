"""pytest plugin: the ``verifies`` marker and evidence records from test outcomes.

Import-light on purpose (as hypothesis' plugin): this module is loaded by
every pytest run in an environment that has the toolkit installed, so it
imports nothing of the toolkit until a hook needs it.

Usage::

    @pytest.mark.verifies("SWR_PROT_001", "SWR_PROT_002")
    def test_over_voltage_latches(): ...

    pytest --safety-evidence=build/evidence
"""

from __future__ import annotations

import re
import typing

import pytest

if typing.TYPE_CHECKING:
    from safety_case.pytest_plugin._collector import EvidenceCollector  # noqa: F401

__all__ = [
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_runtest_call",
    "pytest_runtest_setup",
]

_MARKER = "verifies"
_USER_PROPERTY = "safety_case_verifies"
_HYPOTHESIS_PROPERTY = "safety_case_hypothesis"
_COLLECTOR_KEY = pytest.StashKey["EvidenceCollector"]()
_WORKER_KNOWN_IDS = "safety_case_known_ids"
_MISUSE_KEY = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Add the ``--safety-evidence`` option, and register the MC/DC plugin (its own options)."""
    from safety_case.runners.mcdc import _pytest_plugin as mcdc  # noqa: PLC0415 - pytest only

    pluginmanager.register(mcdc, "safety_case_mcdc")
    group = parser.getgroup("safety-case", "ISO 26262 evidence")
    group.addoption(
        "--safety-evidence",
        metavar="DIR",
        default=None,
        help="write one evidence record per test that carries a 'verifies' marker into DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and, when evidence is asked for, the collector."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(*ids, method='requirements_based_test'): the requirements this test "
        "verifies, and the ISO 26262-6 method it applies",
    )
    folder = config.getoption("safety_evidence")
    if folder is None or hasattr(config, "workerinput"):
        return
    from safety_case.pytest_plugin._collector import EvidenceCollector  # noqa: PLC0415

    collector = EvidenceCollector.start(config, folder)
    config.stash[_COLLECTOR_KEY] = collector
    config.pluginmanager.register(collector, "safety_case_evidence")


def _reject(item: pytest.Item, message: str) -> None:
    """Stop a run whose marker is wrong (as hypothesis rejects misused decorators).

    A usage error in the main process; an xdist worker cannot raise one
    without crashing unreported, so there the test fails with the message.
    """
    if not hasattr(item.config, "workerinput"):
        raise pytest.UsageError(message)
    item.stash[_MISUSE_KEY] = message


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a test whose ``verifies`` marker was rejected on an xdist worker."""
    if _MISUSE_KEY in item.stash:
        pytest.fail(item.stash[_MISUSE_KEY], pytrace=False)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> typing.Generator[None, None, None]:
    """Keep hypothesis' example counts and settings of a traced test for its record.

    ``trylast``: the innermost wrapper, inside hypothesis' own, whose statistics
    callback it chains to. On an xdist worker too: user properties reach the
    controller with the report.
    """
    if not any(name == _USER_PROPERTY for name, _ in item.user_properties):
        yield
        return
    from safety_case.pytest_plugin._hypothesis import collecting, settings_figures  # noqa: PLC0415

    with collecting(item) as figures:
        yield
    if figures:
        item.user_properties.append((_HYPOTHESIS_PROPERTY, settings_figures(item, figures)))


def _known_ids(config: pytest.Config) -> frozenset[str] | None:
    """Requirement ids known to this run: from the collector, or passed to an xdist worker."""
    if _COLLECTOR_KEY in config.stash:
        return config.stash[_COLLECTOR_KEY].known_ids
    worker_input = getattr(config, "workerinput", {})
    ids = worker_input.get(_WORKER_KNOWN_IDS)
    return frozenset(ids) if ids is not None else None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: typing.Any) -> None:
    """Hand the known requirement ids to each xdist worker, which collects the tests."""
    known = _known_ids(node.config)
    if known is not None:
        node.workerinput[_WORKER_KNOWN_IDS] = sorted(known)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Check every ``verifies`` marker and pass its ids to the report (xdist-safe).

    A test may carry several markers with different methods (one test can be
    both a requirements-based test and a fault injection): the ids are grouped
    by method, and each group becomes its own record.
    """
    del session
    known = _known_ids(config)
    for item in items:
        groups: dict[object, list[object]] = {}
        for marker in item.iter_markers(_MARKER):
            method = marker.kwargs.get("method", "requirements_based_test")
            groups.setdefault(method, []).extend(marker.args)
        traced = [(ids, method) for method, ids in groups.items() if ids]
        if not traced:
            continue
        problems = [_marker_problem(ids, method, known) for ids, method in traced]
        problem = next((p for p in problems if p is not None), None)
        if problem is not None:
            _reject(item, f"{item.nodeid}: {problem}")
            continue
        value = tuple((tuple(dict.fromkeys(ids)), method) for ids, method in traced)
        item.user_properties.append((_USER_PROPERTY, value))


def _marker_problem(ids: list[object], method: object, known: frozenset[str] | None) -> str | None:
    """What is wrong with one test's ``verifies`` markers, if anything."""
    from safety_case.evidence import Method  # noqa: PLC0415
    from safety_case.metamodel import ID_PATTERN  # noqa: PLC0415

    methods = [m.value for m in Method]
    if method not in methods:
        return (
            f"verifies(method={method!r}) is not an ISO 26262-6 method; valid: {', '.join(methods)}"
        )
    for requirement_id in ids:
        if not isinstance(requirement_id, str) or not re.match(ID_PATTERN, requirement_id):
            return f"verifies({requirement_id!r}) is not a requirement id (pattern {ID_PATTERN})"
        if known is not None and requirement_id not in known:
            return f"verifies({requirement_id!r}) names no known requirement"
    return None
