"""The documentation builds without a warning and shows the foundation slice.

Covers (as sphinx-needs' doc tests, warnings first): the site builds with
``-W``; the slice page holds every need of the over-voltage chain, the
needflow diagram, the code units that implement the software requirement,
and an evidence section (a table of records or the words "evidence is
missing", never nothing).
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAIN = (
    "HAZ_OVERCHARGE_DRIVING",
    "SG_NO_OVERCHARGE",
    "FSR_OV_INTERRUPT",
    "TSR_OV_REACTION",
    "SWR_PROT_OV_001",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-b", "html", "-q", "docs", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return out


def test_slice_page_shows_chain_code_and_evidence(site: Path) -> None:
    page = (site / "slice.html").read_text(encoding="utf-8")
    for need_id in CHAIN:
        assert need_id in page
    assert "<svg" in page or ".svg" in page, "the needflow diagram is missing"
    assert "bms.protection._over_voltage.step_cell_over_voltage" in page
    assert "implements SWR_PROT_OV_001" in page
    assert "safety-evidence" in page or "evidence is missing" in page
