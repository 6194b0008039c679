"""pytest glue of the MC/DC measurement: ``--mcdc=PACKAGE`` and ``--mcdc-report=FILE``.

Registered by :mod:`safety_case.pytest_plugin`; imports only pytest until the
option is used. The import hook is installed in
``pytest_load_initial_conftests``, before conftests import the measured
packages (as pytest-cov starts coverage). Under pytest-xdist each worker
measures its share and sends it to the controller, which writes the report.

Usage::

    pytest --mcdc=mypkg --mcdc-report=build/mcdc.json [--mcdc-criterion=masking]
"""

from __future__ import annotations

import json
import typing

import pytest

if typing.TYPE_CHECKING:
    from safety_case.runners.mcdc._hook import McdcFinder  # noqa: F401
    from safety_case.runners.mcdc._runtime import Measurement  # noqa: F401

__all__ = [
    "pytest_addoption",
    "pytest_load_initial_conftests",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
    "pytest_testnodedown",
    "pytest_unconfigure",
]

_STATE = pytest.StashKey["tuple[Measurement, McdcFinder]"]()
_SUMMARY = pytest.StashKey[str]()
_WORKER_OUTPUT = "safety_case_mcdc"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the MC/DC options."""
    group = parser.getgroup("safety-case", "ISO 26262 evidence")
    group.addoption(
        "--mcdc",
        action="append",
        metavar="PACKAGE",
        default=[],
        help="measure MC/DC of PACKAGE (repeatable); its modules are instrumented on import",
    )
    group.addoption(
        "--mcdc-report", metavar="FILE", default=None, help="write the MC/DC report (JSON) to FILE"
    )
    group.addoption(
        "--mcdc-criterion",
        choices=("unique_cause", "masking"),
        default="unique_cause",
        help="MC/DC form the summary and the 'uncovered' lists use (default: unique_cause)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """Install the import hook before any conftest imports the measured packages."""
    del parser, args
    packages: list[str] = early_config.known_args_namespace.mcdc or []
    if not packages:
        return
    from safety_case.runners.mcdc._hook import install  # noqa: PLC0415
    from safety_case.runners.mcdc._runtime import Measurement  # noqa: PLC0415

    measurement = Measurement()
    try:
        finder = install(packages, measurement)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    early_config.stash[_STATE] = (measurement, finder)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: typing.Any, error: object) -> None:
    """Merge what an xdist worker measured."""
    del error
    state = node.config.stash.get(_STATE, None)
    output = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT)
    if state is None or output is None:
        return
    from safety_case.runners.mcdc._runtime import Measurement  # noqa: PLC0415

    state[0].merge(Measurement.from_json(json.loads(output)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Hand the worker's measurement over, or write the report on the controller."""
    config = session.config
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    measurement = state[0]
    worker_output = getattr(config, "workeroutput", None)
    if worker_output is not None:
        worker_output[_WORKER_OUTPUT] = json.dumps(measurement.to_json())
        return
    from pathlib import Path  # noqa: PLC0415

    from safety_case.runners.mcdc._report import (  # noqa: PLC0415
        Criterion,
        build_report,
        write_report,
    )

    report = build_report(measurement, Criterion(config.getoption("mcdc_criterion")))
    destination = config.getoption("mcdc_report")
    if destination:
        write_report(Path(destination), report)
    figures = report["figures"]
    criterion = report["criterion"]
    where = f"; report: {destination}" if destination else ""
    config.stash[_SUMMARY] = (
        f"MC/DC ({criterion}): {figures[f'{criterion}_covered']} of {figures['conditions']} "
        f"conditions ({figures[f'{criterion}_pct']} %) in {figures['decisions']} decisions"
        f"{where}"
    )


def pytest_terminal_summary(terminalreporter: typing.Any, config: pytest.Config) -> None:
    """One line with the MC/DC figures and where the report went."""
    summary = config.stash.get(_SUMMARY, None)
    if summary is not None:
        terminalreporter.write_sep("-", summary)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the import hook."""
    state = config.stash.get(_STATE, None)
    if state is not None:
        from safety_case.runners.mcdc._hook import uninstall  # noqa: PLC0415

        uninstall(state[1])
