"""The front door: one nox session per verification activity.

``nox`` alone runs the main job (the default sessions, in order): lint, type
check, the tests (which write evidence records), the evidence check, and
the documentation with the evidence in it. ``nox -s tests`` runs the tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "typecheck", "tests", "evidence", "docs"]

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
def evidence(session: nox.Session) -> None:
    """Check that every evidence record is fresh and passing (fails on stale or failing ones)."""
    _install(session, "docs")
    session.run("safety-case", "evidence", "status", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the Sphinx site with warnings as errors; it shows the evidence of the last run."""
    _install(session, "docs")
    out = BUILD / "docs" / "html"
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", str(out))
    session.log(f"Site: {out / 'index.html'}")
