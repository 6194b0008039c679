"""Tests of ``bms replay --history`` (bms/cli/_replay_history.py) against SWR_AGE_005.

Covers: a new pack's first replay starts the history at 0 s with the run's
rows; the next replay, two days later by the capacity file's save time,
adds a park row as long as the days parked, at the kept SoC, and its own
rows, contiguous, which ``bms prognosis`` reads; a run without a pair adds
no capacity; the capacity the run's pairs measured is written for the cell
whose estimate is lowest, in % of nominal, and one outside a history's
range is not; the refusals (exit 2, files named): no ``--capacity``, a pack
of unknown age, a history without its capacity file and the other way
round, a history that does not parse (line and field named).
"""

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bms.aging import HistoryRow, load_history
from bms.cell import load_chemistry
from bms.cli import ExitCode, main
from bms.cli._replay_history import _measured
from bms.estimation import awtls_update, initial_capacity_state
from verification.bms.unit.controller.frames import frame

CHEMISTRY = "NMC_Chen2020"


def _replay(tmp_path: Path, *extra: str) -> int:
    inputs, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    if not inputs.exists():
        lines = (frame(i * 10, current_a=(4.0, 4.0)).model_dump_json() for i in range(500))
        inputs.write_text("\n".join(lines) + "\n")
    return main(["replay", "--inputs", str(inputs), "--out", str(out), *extra])


def _files(tmp_path: Path) -> list[str]:
    capacity, history = tmp_path / "capacity.json", tmp_path / "history.csv"
    return ["--chemistry", CHEMISTRY, "--capacity", str(capacity), "--history", str(history)]


def _park_the_pack(capacity: Path, days: float) -> None:
    """Move the capacity file's save times back: as if parked ``days`` since."""
    raw = json.loads(capacity.read_text())
    for key in ("saved_at", "first_saved_at"):
        raw[key] = (datetime.fromisoformat(raw[key]) - timedelta(days=days)).isoformat()
    capacity.write_text(json.dumps(raw))


@pytest.mark.verifies("SWR_AGE_005")
def test_replays_append_their_runs_and_the_park_between(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _replay(tmp_path, *_files(tmp_path), "--new-pack") == ExitCode.OK
    first = load_history(tmp_path / "history.csv").rows
    assert first[0].start_s == 0.0
    assert first[-1].end_s == pytest.approx(5.0)
    assert first[-1].efc > 0.0
    assert "no capacity measured" in capsys.readouterr().err
    _park_the_pack(tmp_path / "capacity.json", 2.0)
    kept_soc = json.loads((tmp_path / "capacity.json").read_text())["soc"]
    assert _replay(tmp_path, *_files(tmp_path)) == ExitCode.OK
    assert "parked 2.00 d before" in capsys.readouterr().err
    rows = load_history(tmp_path / "history.csv").rows
    assert rows[: len(first)] == first
    park = rows[len(first)]
    assert park.end_s - park.start_s == pytest.approx(2 * 86400.0, abs=60.0)
    assert (park.efc, park.dod_pct, park.c_rate) == (0.0, 0.0, 0.0)
    assert park.soc_mean_pct == pytest.approx(100 * float(np.mean(kept_soc)))
    assert rows[-1].end_s - rows[-1].start_s == pytest.approx(5.0)
    assert all(r.capacity_pct is None for r in rows)
    code = main(["prognosis", "--history", str(tmp_path / "history.csv")])
    assert code == ExitCode.OK
    assert "age 2 d" in capsys.readouterr().out


@pytest.mark.verifies("SWR_AGE_005", method="fault_injection")
def test_a_history_that_cannot_continue_is_refused_naming_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.csv"
    without_capacity = ["--chemistry", CHEMISTRY, "--new-pack", "--history", str(history)]
    assert _replay(tmp_path, *without_capacity) == ExitCode.USAGE
    assert "--history needs --capacity" in capsys.readouterr().err
    assert _replay(tmp_path, *_files(tmp_path)) == ExitCode.USAGE
    assert "starts with a new pack" in capsys.readouterr().err
    assert _replay(tmp_path, *_files(tmp_path), "--new-pack") == ExitCode.OK
    capsys.readouterr()
    capacity = tmp_path / "capacity.json"
    saved = capacity.read_text()
    history.rename(tmp_path / "elsewhere.csv")
    assert _replay(tmp_path, *_files(tmp_path)) == ExitCode.USAGE
    assert f"{history} is missing" in capsys.readouterr().err
    assert capacity.read_text() == saved  # refused before the kept SoC is cleared
    (tmp_path / "elsewhere.csv").rename(history)
    history.write_text(history.read_text().replace(",25.0,", ",hot,", 1))
    assert _replay(tmp_path, *_files(tmp_path)) == ExitCode.USAGE
    assert "history.csv:2: temperature_degc" in capsys.readouterr().err
    assert capacity.read_text() == saved
    capacity.unlink()
    assert _replay(tmp_path, *_files(tmp_path), "--new-pack") == ExitCode.USAGE
    assert "capacity.json is missing" in capsys.readouterr().err
    assert not capacity.exists()


def _row() -> HistoryRow:
    return HistoryRow(
        start_s=0.0, end_s=3600.0, temperature_degc=25.0, soc_mean_pct=50.0,
        dod_pct=40.0, efc=0.4, c_rate=0.5,
    )  # fmt: skip


@pytest.mark.verifies("SWR_AGE_005")
def test_the_weakest_cells_pairs_give_the_rows_capacity() -> None:
    chemistry = load_chemistry(CHEMISTRY)
    nominal = chemistry.nominal_capacity_ah
    start = initial_capacity_state(
        3, nominal_capacity_ah=nominal, initial_sigma_ah=0.03 * nominal,
        soc_sigma=0.01, ah_sigma=0.01 * nominal,
    )  # fmt: skip
    end = start
    truth = np.array([1.0, 0.9, 0.95]) * nominal  # cell 1 is the weakest
    for change in (0.5, 0.6, 0.7, 0.4):
        end = awtls_update(end, np.full(3, change), truth * change, 1e-6, 1e-8)
    row, text = _measured(_row(), start, end, chemistry)
    assert row.capacity_pct == pytest.approx(90.0, abs=0.05)
    assert row.capacity_sigma_pct is not None
    assert 0.0 < row.capacity_sigma_pct < 0.5
    assert text.startswith("cell 1's pairs measured 90.0")
    same, text = _measured(_row(), end, end, chemistry)
    assert same == _row()
    assert "no capacity measured" in text
    odd = awtls_update(start, np.full(3, 0.5), np.full(3, 0.9 * nominal), 1e-6, 1e-8)
    kept, text = _measured(_row(), start, odd, chemistry)  # 180 %: no cell has that
    assert kept == _row()
    assert text.endswith("outside a history's range, not written")
