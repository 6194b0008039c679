"""Tests of safety_case/sphinx/directives/bundle.py: the bundle summary in a built site.

Covers, on the pump project in one Sphinx build with ``-W``: a bundle's
page gives when and by which toolkit it was collected, the SHA-256 of its
manifest, that it is intact, where the run happened, the records per
method and verdict, the fresh, stale and failing counts against the
sources of the build, each producing tool with its versions, records, wall
time and summed test time, and the pinned tool versions; a bundle whose
record was altered after collection is reported as not intact, naming the
record; without a bundle the page says so and summarises the records of
the evidence folder, and without records either it says that too. The
same build, with a diagram width of 4 units, checks the split of a goal's
diagram: the goal's page links its away goals to the pages of the views
that develop them, which link back to the goal's page and to their needs.
"""

import hashlib
import html
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from sphinx.application import Sphinx

from safety_case.evidence import Manifest, ToolInfo, Verdict, write_record
from safety_case.policy import Policy, load_policy
from safety_case.sphinx.directives.bundle import bundle_summary

from ..conftest import write_project
from ..report._fixtures import COMPLETE_POLICY, PROJECT, SITE, pump_record

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PAGES = {
    "docs/conf.py": """
        extensions = ["safety_case.sphinx"]
        project = "mini"
        safety_case_policy_file = "../safety_case.toml"
        safety_case_diagram_width = 4
    """,
    "docs/index.rst": """
        Mini
        ====

        .. toctree::

           reqs/index
           safety_case
           traceability
           bundle
           tampered
           nobundle
    """,
    "docs/bundle.rst": """
        Bundle
        ======

        .. safety-bundle::
    """,
    "docs/tampered.rst": """
        Tampered
        ========

        .. safety-bundle::
           :bundle: build/tampered
    """,
    "docs/nobundle.rst": """
        No bundle
        =========

        .. safety-bundle::
           :bundle: build/none
    """,
}


def _bundle(folder: Path, records: list[Path]) -> str:
    """A bundle of ``records`` with its manifest; the manifest's SHA-256."""
    (folder / "records").mkdir(parents=True)
    hashes = {}
    for record in records:
        copy = folder / "records" / record.name
        copy.write_bytes(record.read_bytes())
        hashes[f"records/{record.name}"] = hashlib.sha256(copy.read_bytes()).hexdigest()
    (folder / "needs.json").write_text("{}", encoding="utf-8")
    manifest = Manifest(
        created_at=START + timedelta(hours=1),
        toolkit_version="9.9.9",
        records=hashes,
        sources={"pkg/mod.py": "0" * 64},
        needs_json_sha256=hashlib.sha256(b"{}").hexdigest(),
        requirements={"SWR_PUMP_LIMIT": "x"},
        tools={"pytest": "8.0.0", "crosshair-tool": "not installed"},
    )
    path = folder / "manifest.json"
    path.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    files = {f"docs/{k}" if k.startswith("reqs/") else k: v for k, v in PROJECT.items()}
    root = write_project(tmp_path_factory.mktemp("mini"), {**files, **SITE, **PAGES})
    policy_text = COMPLETE_POLICY.replace('requirements = "reqs"', 'requirements = "docs/reqs"')
    (root / "safety_case.toml").write_text(policy_text, encoding="utf-8")
    policy = load_policy(root / "safety_case.toml")
    evidence = policy.path(policy.evidence_dir)
    passing = pump_record(root, Verdict.PASS).model_copy(
        update={
            "started_at": START,
            "finished_at": START + timedelta(seconds=30),
            "figures": {"duration_s": 1.5},
            "environment": {"python": "3.12.1", "platform": "Linux-test"},
        }
    )
    failing = passing.model_copy(
        update={
            "id": "crosshair:pkg.mod.limit:post",
            "verdict": Verdict.FAIL,
            "tool": ToolInfo(name="crosshair", version="0.0.1"),
            "figures": {},
            "finished_at": START + timedelta(seconds=90),
        }
    )
    written = [write_record(evidence, passing), write_record(evidence, failing)]
    sha = _bundle(policy.path(policy.build_dir) / "bundle", written)
    _bundle(root / "build" / "tampered", written)
    altered = next((root / "build" / "tampered" / "records").glob("*.json"))
    altered.write_text(altered.read_text(encoding="utf-8") + "\n", "utf-8")
    out = root / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "docs", str(out)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out, sha


def _text(page: Path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.read_text("utf-8"))).split())


def test_a_bundle_is_summarised(site: tuple[Path, str]) -> None:
    out, sha = site
    text = _text(out / "bundle.html")
    assert f"manifest SHA-256 {sha}" in text
    assert "collected 2026-11-25 11:00:00 UTC by the toolkit 9.9.9" in text
    assert "is intact: its 2 records and 0 artefacts match the manifest" in text
    assert "2 records, produced between 2026-11-25 10:00:00 UTC and 2026-11-25 10:01:30" in text
    assert "python 3.12.1, platform Linux-test (2 records)" in text
    # method, pass, fail, inconclusive, total
    assert "requirements_based_test 1 1 0 2" in text
    assert "all methods 1 1 0 2" in text
    # fresh and passing, stale, fresh but failing
    assert "Fresh, failing or inconclusive 1 0 1" in text
    # tool, versions, methods, records, runs, from-to, wall time, summed duration_s
    assert "crosshair 0.0.1 requirements_based_test 1 1" in text
    assert "90.0 not recorded" in text
    assert "pytest 8 requirements_based_test 1 1" in text
    assert "30.0 1.5" in text
    assert "crosshair-tool not installed" in text


def test_an_altered_record_makes_the_bundle_not_intact(site: tuple[Path, str]) -> None:
    text = _text(site[0] / "tampered.html")
    assert "NOT intact (1 findings, listed below)" in text
    assert "record changed: records/requirements_based_test-" in text


def test_without_a_bundle_the_evidence_folder_is_summarised(site: tuple[Path, str]) -> None:
    text = _text(site[0] / "nobundle.html")
    assert "No evidence bundle at build/none yet" in text
    assert "no manifest pins them yet" in text
    assert "all methods 1 1 0 2" in text
    assert "manifest SHA-256" not in text


def test_a_narrow_diagram_width_splits_the_goal_into_linked_pages(
    site: tuple[Path, str],
) -> None:
    folder = site[0] / "safety_case"
    top = (folder / "SG_PUMP_COOL.html").read_text(encoding="utf-8")
    views = sorted(p.name for p in folder.glob("SG_PUMP_COOL__*.html"))
    assert views
    for name in views:
        assert f'xlink:href="{name}"' in top
        page = (folder / name).read_text(encoding="utf-8")
        assert '<a href="SG_PUMP_COOL.html">SG_PUMP_COOL' in page
        assert (folder / name.replace(".html", ".svg")).is_file()
    developed = "\n".join((folder / name).read_text(encoding="utf-8") for name in views)
    assert 'xlink:href="../reqs/index.html#SWR_PUMP_LIMIT"' in top + developed


def test_without_a_bundle_or_records_the_summary_says_both(tmp_path: Path) -> None:
    policy = Policy(code=("pkg",), tests=("tests",), root=tmp_path)
    found = bundle_summary(cast("Sphinx", None), policy, tmp_path / "build" / "bundle")
    text = " ".join(node.astext() for node in found)
    assert "No evidence bundle at build/bundle yet" in text
    assert "No evidence records: every verification activity lacks evidence." in text
