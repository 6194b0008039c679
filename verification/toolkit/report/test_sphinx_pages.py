"""The safety-case and traceability directives in a built site (without a browser).

Covers (warnings first, as sphinx-needs' doc tests): a miniature project
builds with ``-W``; the dashboard lists every module with its status and
the gate's reasons; each module has a page with its inline SVG diagram and
a standalone SVG, whose goal nodes link to their needs' anchors and whose
solutions link to their records' rows on the traceability page; the
traceability page shows the chain and writes ``traceability.json`` (valid
against the ``traceability.schema.json`` written beside it).
"""

import html
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from safety_case.evidence import Verdict, write_record
from safety_case.policy import load_policy
from safety_case.report import evidence_anchor

from ..conftest import write_project
from ._fixtures import COMPLETE_POLICY, PROJECT, SITE, pump_record

RECORD = "tests/test_mod.py::test_limit"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {f"docs/{k}" if k.startswith("reqs/") else k: v for k, v in PROJECT.items()}
    root = write_project(tmp_path_factory.mktemp("mini"), {**files, **SITE})
    policy_text = COMPLETE_POLICY.replace('requirements = "reqs"', 'requirements = "docs/reqs"')
    (root / "safety_case.toml").write_text(policy_text, encoding="utf-8")
    policy = load_policy(root / "safety_case.toml")
    write_record(policy.path(policy.evidence_dir), pump_record(root, Verdict.FAIL))
    out = root / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "docs", str(out)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return out


def test_dashboard(site: Path) -> None:
    page = (site / "safety_case.html").read_text(encoding="utf-8")
    assert "The safety case is NOT complete" in page
    assert 'href="safety_case/SG_PUMP_COOL.html"' in page
    assert 'href="safety_case/TOOL_CONFIDENCE.html"' in page
    assert "failing evidence tests/test_mod.py::test_limit (verdict fail)" in page


def test_goal_page_and_links(site: Path) -> None:
    page = (site / "safety_case" / "SG_PUMP_COOL.html").read_text(encoding="utf-8")
    assert "<svg" in page
    assert page.count('class="node') > 10
    assert 'xlink:href="../reqs/index.html#SWR_PUMP_LIMIT"' in page
    assert f'xlink:href="../traceability.html#{evidence_anchor(RECORD)}"' in page
    assert "gsn-status-failing" in html.unescape(page)  # graphviz writes "-" as &#45;
    alone = (site / "safety_case" / "SG_PUMP_COOL.svg").read_text(encoding="utf-8")
    assert alone.startswith("<svg")


def test_traceability_page_and_json(site: Path) -> None:
    page = (site / "traceability.html").read_text(encoding="utf-8")
    assert f'id="{evidence_anchor(RECORD)}"' in page
    assert "HAZ_PUMP_HOT" in page
    data = json.loads((site / "traceability.json").read_text(encoding="utf-8"))
    schema = json.loads((site / "traceability.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert [c["path"] for c in data["chains"]] == [
        ["HAZ_PUMP_HOT", "SG_PUMP_COOL", "FSR_PUMP_STOP", "TSR_PUMP_STOP", "SWR_PUMP_LIMIT"]
    ]
