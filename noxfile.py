"""The front door: one nox session per verification activity.

``nox`` alone runs the main job (the default sessions, in order): lint, type
check, the tests (which write evidence records), the property and stateful
tests under the certification profile, coverage with MC/DC, the CrossHair
contracts, the static checks with the control/data-flow analysis and the
recorded reviews, the fault-injection campaign, the controller's resource
usage (each writing its records), the evidence bundle (collected, verified,
judged), the documentation with the evidence in it, and the gate.
``nox -s tests`` runs the tests. The PyBaMM validation and the benchmarks
are opt-in: they take longer than the main job's budget and their results
are committed to the docs.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import nox

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = [
    "lint", "typecheck", "tests", "properties", "coverage", "symbolic", "static", "faults",
    "resources", "evidence", "docs", "gate",
]  # fmt: skip

ROOT = Path(__file__).parent
BUILD = ROOT / "build"
EVIDENCE = BUILD / "evidence"


def _install(session: nox.Session, *extras: str) -> None:
    """Install the project (editable) with the named optional dependency groups."""
    selection = f"[{','.join(extras)}]" if extras else ""
    session.install("-e", f".{selection}")


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and format check with ruff."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type check bms, safety_case, the suites and this file with mypy --strict."""
    _install(session, "dev", "docs")
    session.run("mypy", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suites on two workers and write one evidence record per traced test."""
    _install(session, "dev", "docs")
    for stale in EVIDENCE.glob("*.json"):
        stale.unlink()
    shutil.rmtree(EVIDENCE / "artefacts", ignore_errors=True)  # logs of the last run's sessions
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
    session.run(
        "pytest",
        "-n",
        "2",
        f"--safety-evidence={EVIDENCE}",
        *session.posargs,
        env={"HYPOTHESIS_PROFILE": profile},
    )


@nox.session
def coverage(session: nox.Session) -> None:
    """Statement, branch and MC/DC coverage of bms under its tests; one record per module."""
    _install(session, "dev", "docs")
    out = BUILD / "coverage"
    data = f"--data-file={out / '.coverage'}"
    out.mkdir(parents=True, exist_ok=True)
    session.run(
        "coverage", "run", data, "--branch", "--source=bms", "-m", "pytest", "-q",
        "--mcdc=bms", f"--mcdc-report={out / 'mcdc.json'}",
        *(session.posargs or ["verification/bms"]),
        env={"HYPOTHESIS_PROFILE": "ci"},  # derandomized: the same conditions every run
    )  # fmt: skip
    session.run("coverage", "json", data, "-q", "-o", str(out / "coverage.json"))
    session.run("coverage", "html", data, "-q", "-d", str(out / "html"))
    # Gaps make failing records (the evidence session is the gate), not a failed measurement.
    session.run(
        "safety-case", "evidence", "coverage", "--mcdc", str(out / "mcdc.json"),
        "--coverage", str(out / "coverage.json"),
        "--justifications", "verification/mcdc_justifications.toml",
        success_codes=[0, 1],
    )  # fmt: skip


PROPERTY_TESTS = "verification/bms/properties"
"""Folder of the property and stateful tests; the others carry hypothesis' own marker."""


@nox.session
def properties(session: nox.Session) -> None:
    """Property and stateful tests under the certification profile (>= 1,000 examples each)."""
    _install(session, "dev", "docs")
    since = datetime.now(UTC).isoformat()
    env = {"HYPOTHESIS_PROFILE": "certification"}
    evidence = f"--safety-evidence={EVIDENCE}"
    # Everything in the properties folder (stateful machines run from plain test functions
    # there), then every other test hypothesis marks as its own.
    session.run("pytest", "-n", "2", evidence, PROPERTY_TESTS, *session.posargs, env=env)
    session.run(
        "pytest", "-n", "2", evidence, "-m", "hypothesis", f"--ignore={PROPERTY_TESTS}",
        "verification", *session.posargs, env=env,
    )  # fmt: skip
    # The records must keep example count and seed; fewer than 1,000 examples fails here.
    session.run("python", "verification/scripts/check_property_evidence.py", "--since", since)


@nox.session
def faults(session: nox.Session) -> None:
    """Fault-injection campaign on each shipped pack; one fault_injection record per requirement.

    The NMC pack (the default) with its plots, then the LFP pack: its own thresholds and
    cell, each record resting on the runs of both.
    """
    _install(session, "dev", "plant", "docs")  # the records need the requirements export
    out = BUILD / "faults"
    started = datetime.now(UTC).isoformat()
    reports = [str(out / "campaign.json"), str(out / "lfp" / "campaign.json")]
    # A missed FTTI or a false trip makes failing records (the evidence session is the gate).
    session.run(
        "bms", "faults", "--json", reports[0], "--plot", str(out), *session.posargs,
        success_codes=[0, 1],
    )  # fmt: skip
    session.run(
        "bms", "faults", "--json", reports[1], "--config", "lfp_96s", *session.posargs,
        success_codes=[0, 1],
    )  # fmt: skip
    session.run(
        "python", "verification/scripts/faults_evidence.py", *reports,
        "--evidence", str(EVIDENCE), "--started-at", started,
        success_codes=[0, 2],  # 2: failing records written; a crash (1) fails the session
    )  # fmt: skip


SYMBOLIC_MODULES = (
    "bms.can._e2e",
    "bms.control._balancing",
    "bms.control._derating",
    "bms.protection._debounce",
    "bms.protection._classify",
    "safety_case.asil",
)
"""Modules whose docstring contracts the ``symbolic`` session checks with CrossHair."""


@nox.session
def symbolic(session: nox.Session) -> None:
    """CrossHair over the contracts: one record per condition (confirmed, not refuted, refuted)."""
    _install(session, "dev", "docs")
    # A refuted or unchecked condition makes a failing or inconclusive record (the evidence
    # session is the gate), not a failed run. 3 s of CPU per condition keeps it near 2 minutes.
    session.run(
        "safety-case", "prove", "--timeout", "3",
        "--report", str(BUILD / "symbolic" / "crosshair.json"),
        *(session.posargs or SYMBOLIC_MODULES),
        success_codes=[0, 1],
    )  # fmt: skip


CONTROL_PATH = "bms.controller._controller.BmsController.step"
"""Entry point of the control path the flow analysis walks."""


@nox.session
def static(session: nox.Session) -> None:
    """Static checks, control/data-flow of the control path, and the recorded reviews."""
    _install(session, "dev", "docs")
    # Findings make failing records (the evidence session is the gate), not a failed run.
    session.run("safety-case", "evidence", "static", *session.posargs, success_codes=[0, 1])
    session.run(
        "safety-case", "evidence", "flow", "--entry", CONTROL_PATH, success_codes=[0, 1]
    )  # fmt: skip
    # Inspection records come only from reviews a person wrote (reviews/*.toml).
    session.run("safety-case", "evidence", "reviews", success_codes=[0, 1])


@nox.session
def resources(session: nox.Session) -> None:
    """Step time and memory of the controller over drive, charge and faults, against budgets."""
    _install(session, "dev", "docs")  # the record's requirement fingerprints need the export
    # A broken budget makes a failing record (the evidence session is the gate).
    session.run(
        "python", "verification/scripts/resource_usage.py", "--evidence", str(EVIDENCE),
        *session.posargs, success_codes=[0, 2],  # 2: a broken budget; a crash (1) fails
    )  # fmt: skip


@nox.session
def evidence(session: nox.Session) -> None:
    """Bundle every record with a manifest, verify it, and fail on stale or failing evidence."""
    _install(session, "docs")
    session.run("safety-case", "evidence", "collect")
    session.run("safety-case", "evidence", "verify")
    session.run("safety-case", "evidence", "status", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmark the 96-cell SoC filter: step time, real-time factor, ratio to filterpy (JSON)."""
    _install(session, "dev")
    session.run("python", "-m", "verification.bench.bench_estimator", *session.posargs)


@nox.session(default=False)
def bench_needs(session: nox.Session) -> None:
    """Benchmark safety-case check on 10,000 generated needs against the needs builder (JSON)."""
    _install(session, "docs")
    session.run("python", "verification/bench/bench_needs.py", *session.posargs)


@nox.session(default=False)
def cycles(session: nox.Session) -> None:
    """Remake bms/cycles/data from NREL FASTSim (UDDS, HWFET, 2020 Chevrolet Bolt EV)."""
    session.install("fastsim>=3.1")
    pack = ["--series", "96", "--parallel", "20", "--cell-nominal-v", "3.63"]
    session.run("python", "verification/scripts/make_cycles.py", "--out", "bms/cycles/data", *pack)


@nox.session(default=False)
def aging_data(session: nox.Session) -> None:
    """Remake bms/aging/data: NREL BLAST-Lite aging truth and the fitted model (own venv, pins)."""
    # blast-lite pins numpy < 2 through a dependency it never imports: its own venv and pins.
    session.install("blast-lite==1.1.1", "numpy<2", "scipy>=1.13", "pydantic>=2.8")
    session.run("python", "verification/scripts/make_aging_data.py", *session.posargs)


@nox.session(default=False)
def validation(session: nox.Session) -> None:
    """SoC estimator against PyBaMM's DFN: udds/hwfet x -10..45 degC x NMC/LFP, for the docs."""
    _install(session, "plant")
    session.run("python", "verification/scripts/validation_matrix.py", *session.posargs)


@nox.session(default=False)
def surface_lag(session: nox.Session) -> None:
    """The particles' surface lag model against the DFN's own electrode potentials, for the docs."""
    _install(session, "plant")
    session.run("python", "verification/scripts/surface_lag_check.py", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the Sphinx site with warnings as errors; it shows the evidence of the last run."""
    _install(session, "docs")
    out = BUILD / "docs" / "html"
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", str(out))
    session.log(f"Site: {out / 'index.html'}")


@nox.session
def gate(session: nox.Session) -> None:
    """Write the reports, then fail unless every safety goal's argument is complete."""
    _install(session, "docs")
    session.run("safety-case", "report", "--svg")
    site = str(BUILD / "docs" / "html")
    session.run("safety-case", "gate", "--require-bundle", "--site", site, *session.posargs)


@nox.session(default=False)
def bench_gsn(session: nox.Session) -> None:
    """Benchmark the safety case: this project's, and report + gate on 10,000 needs (JSON)."""
    _install(session, "docs")
    session.run("python", "verification/bench/bench_gsn.py", *session.posargs)


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Open the built site in headless Chromium: GSN diagrams render, links reach needs."""
    _install(session, "dev", "docs")
    session.run(
        "pytest",
        "-p",
        "no:xdist",
        "verification/toolkit/browser",
        *session.posargs,
        env={"SAFETY_CASE_BROWSER": "1"},
    )
