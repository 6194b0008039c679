"""Tests of bms/memory/_capacity_store.py and the controller's restore from it: SWR_SOH_006.

Covers: a tracker's sums saved and loaded give back the same state to the
bit; the sums are saved with the capacity's walk since their last pair
(SWR_SOH_007); the pair open at key-off is not saved and the resumed tracker has none
(no pair spans a power cycle); a version 1 file, which kept it, is read
without it; the write is atomic (no temporary file is left, an unwritable
place raises the store's error naming the file); a file that is not JSON,
misses a field, has a NaN or a non-positive capacity, one value too few, an
open pair (version 5 has none), another schema version or another cell
count is refused with
the file and the field named; a controller given the loaded sums starts its
tracker from them and its SoC filter with their capacities and
uncertainty; and ``bms replay --capacity`` saves the sums at the end of one
replay and starts the next from them, refuses a bad file with exit 2, and
needs ``--chemistry``. SWR_SOH_008: without a capacity file the replay says
the pack is of unknown age, the controller warns ``capacity_unknown`` and
the saved estimate is the unknown-age prior; with ``--new-pack`` it starts
from the configured capacities with the tuning's 3 % and does not warn.
SWR_SOH_009: the record keeps when it was saved and first written, and a
tracker resumed after days parked has its 3-sigma bound grown by the calendar fade. SWR_SOC_008:
the key-off SoC is kept (one out of [0, 1] is not saved) with its scale sensitivity
(``beta``, to the bit; a replay keeps the filter's), parked with the self-discharge
bound, cleared by a key-on (and by a replay as it starts, so one that never
finishes leaves none), refused when malformed (a ``beta`` without a SoC or of
another length too), and unused without times; a version 3 file keeps its SoC
without a ``beta``. SWR_SOC_010: the cells whose cycle started unsure are kept
with the SoC, through the parking, cleared with it, refused without a SoC or
of another length, and a version 4 file has none.
"""

import json
import math
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bms.cell import load_chemistry
from bms.cli import ExitCode, main
from bms.config import load_config
from bms.controller import BmsController
from bms.estimation import (
    SELF_DISCHARGE_PER_DAY,
    CalendarWalk,
    CapacityState,
    CapacityTracker,
    SocStart,
    initial_capacity_state,
)
from bms.estimation._capacity_pairs import PairAnchor
from bms.memory import CapacityStoreError, clear_soc, load_capacity, save_capacity
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry
from verification.bms.unit.controller.frames import frame

CONFIG = load_config()
CELLS = CONFIG.pack.series_count


def _state(cells: int = CELLS) -> CapacityState:
    state = initial_capacity_state(
        cells, nominal_capacity_ah=5.0, initial_sigma_ah=0.15, soc_sigma=0.01, ah_sigma=0.05,
        gamma=0.99,
    )  # fmt: skip
    rng = np.random.default_rng(1)
    return replace(
        state,
        c=state.c * rng.uniform(0.9, 1.1, state.c.shape),
        capacity_ah=rng.uniform(4.4, 4.8, cells),
        capacity_sigma_ah=rng.uniform(0.05, 0.08, cells),
    )


def _kept(state: CapacityState, anchor: PairAnchor | None = None) -> CapacityTracker:
    """A tracker with ``state`` committed and ``anchor`` open."""
    return CapacityTracker(committed=state, estimate=state, anchor=anchor)


def _anchor(cells: int = CELLS) -> PairAnchor:
    rng = np.random.default_rng(2)
    return PairAnchor(
        time_s=1234.0, soc=rng.uniform(0.2, 0.9, cells), soc_var=rng.uniform(1e-5, 1e-4, cells),
        sensitivity=rng.normal(0.0, 0.1, cells), charge_ah=rng.uniform(-2.0, 2.0, cells),
        hours=np.full(cells, 0.75),
    )  # fmt: skip


@pytest.mark.verifies("SWR_SOH_006")
def test_no_pair_spans_a_power_cycle(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    state = _state()
    save_capacity(path, _kept(state, _anchor()), pairs=3)
    assert "open_pair" not in json.loads(path.read_text())
    resumed = load_capacity(path, CELLS).tracker()
    assert resumed.anchor is None  # the next rest point after the convergence window anchors
    assert np.array_equal(resumed.committed.capacity_ah, state.capacity_ah)
    assert resumed.pending is None


@pytest.mark.verifies("SWR_SOH_006", "SWR_SOH_007")
def test_the_sums_are_saved_with_the_walk_since_their_last_pair(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    state = _state()
    save_capacity(path, replace(_kept(state), walk_share=1e-4), pairs=2)
    loaded = load_capacity(path, CELLS).state()
    assert np.array_equal(loaded.capacity_ah, state.capacity_ah)
    grown = state.capacity_sigma_ah**2 + 1e-4 * state.capacity_ah**2
    assert loaded.capacity_sigma_ah**2 == pytest.approx(grown, rel=1e-12)
    assert np.all(loaded.c < state.c)  # the sums faded with it


@pytest.mark.verifies("SWR_SOH_006")
def test_a_version_1_file_is_read_without_its_open_pair(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    state = _state()
    save_capacity(path, _kept(state), pairs=4)
    raw = json.loads(path.read_text())
    raw["schema_version"] = 1
    raw["open_pair"] = {
        "soc": [0.5] * CELLS, "soc_var": [1e-4] * CELLS, "sensitivity": [0.0] * CELLS,
        "charge_ah": [0.0] * CELLS, "hours": [0.0] * CELLS,
    }  # fmt: skip
    path.write_text(json.dumps(raw))
    record = load_capacity(path, CELLS)
    assert record.schema_version == 5
    assert record.pairs == 4
    assert np.array_equal(record.state().c, state.c)
    assert record.tracker().anchor is None


@pytest.mark.verifies("SWR_SOH_006")
def test_saved_sums_load_back_to_the_bit(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    state = _state()
    save_capacity(path, _kept(state), pairs=7)
    record = load_capacity(path, CELLS)
    loaded = record.state()
    assert record.pairs == 7
    assert np.array_equal(loaded.c, state.c)
    assert np.array_equal(loaded.capacity_ah, state.capacity_ah)
    assert np.array_equal(loaded.capacity_sigma_ah, state.capacity_sigma_ah)
    assert (loaded.k, loaded.gamma) == (state.k, state.gamma)
    assert list(tmp_path.iterdir()) == [path]  # the temporary file was renamed


@pytest.mark.verifies("SWR_SOH_006", method="fault_injection")
def test_an_unwritable_place_raises_the_stores_error(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "capacity.json"
    with pytest.raises(CapacityStoreError, match="cannot write"):
        save_capacity(path, _kept(_state()), pairs=0)


def _edited(tmp_path: Path, edit: str) -> Path:
    path = tmp_path / "capacity.json"
    save_capacity(path, _kept(_state()), pairs=1)
    raw = json.loads(path.read_text())
    if edit == "missing":
        del raw["k"]
    elif edit == "nan":
        raw["capacity_ah"][3] = float("nan")
    elif edit == "negative":
        raw["capacity_sigma_ah"][0] = -1.0
    elif edit == "short":
        raw["capacity_ah"] = raw["capacity_ah"][:-1]
    elif edit == "version":
        raw["schema_version"] = 6
    elif edit == "open":  # version 5 has no open pair
        raw["open_pair"] = {"soc": [0.5] * CELLS}
    elif edit == "half_times":
        raw["saved_at"] = "2026-11-27T08:00:00Z"
    elif edit == "naive_time":
        raw["saved_at"] = raw["first_saved_at"] = "2026-11-27T08:00:00"
    elif edit == "times_reversed":
        raw["saved_at"], raw["first_saved_at"] = "2026-01-01T00:00:00Z", "2026-11-27T00:00:00Z"
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.verifies("SWR_SOH_006", method="fault_injection")
@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ("missing", "field 'k'"),
        ("nan", "capacity_ah must be finite"),
        ("negative", "capacity_sigma_ah must be finite and > 0"),
        ("short", f"capacity_ah has {CELLS - 1} values for {CELLS} cells"),
        ("version", "field 'schema_version'"),
        ("open", "field 'open_pair'"),
        ("half_times", "saved_at and first_saved_at are given together"),
        ("naive_time", "field 'saved_at'"),
        ("times_reversed", "first_saved_at is after saved_at"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_field(
    tmp_path: Path, edit: str, named: str
) -> None:
    path = _edited(tmp_path, edit)
    with pytest.raises(CapacityStoreError) as raised:
        load_capacity(path, CELLS)
    assert str(path) in str(raised.value)
    assert named in str(raised.value)


@pytest.mark.verifies("SWR_SOH_006", method="fault_injection")
def test_a_file_for_another_pack_or_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    save_capacity(path, _kept(_state(8)), pairs=1)
    with pytest.raises(CapacityStoreError, match=f"field 'cells': 8 cells, the pack has {CELLS}"):
        load_capacity(path, CELLS)
    path.write_text("{not json")
    with pytest.raises(CapacityStoreError, match="cannot read"):
        load_capacity(path, CELLS)


@pytest.mark.verifies("SWR_SOH_006")
def test_a_controller_starts_its_tracker_and_filter_from_the_stored_sums() -> None:
    chemistry = synthetic_chemistry()
    state = _state()
    state = replace(state, capacity_ah=state.capacity_ah / 5.0 * chemistry.nominal_capacity_ah)
    controller = BmsController(CONFIG, chemistry=chemistry, capacity=_kept(state))
    controller.step(frame(0))
    capacity = controller.state.capacity
    assert capacity is not None
    assert capacity.tracker.committed is state
    assert capacity.tracker.anchor is None
    assert np.allclose(
        capacity.model.capacity_scale * chemistry.nominal_capacity_ah, state.capacity_ah
    )
    relative = float(np.max(state.capacity_sigma_ah / state.capacity_ah))
    assert capacity.tuning.capacity_uncertainty_pct == pytest.approx(100.0 * relative)


def _replay(tmp_path: Path, *extra: str) -> int:
    inputs, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inputs.write_text("".join(frame(i * 10).model_dump_json() + "\n" for i in range(20)))
    return main(["replay", "--inputs", str(inputs), "--out", str(out), *extra])


@pytest.mark.verifies("SWR_SOH_006")
def test_replay_saves_the_sums_and_the_next_replay_starts_from_them(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    chemistry = ["--chemistry", "NMC_Chen2020"]
    assert _replay(tmp_path, *chemistry, "--capacity", str(path)) == ExitCode.OK
    first = load_capacity(path, CELLS)
    # Edit the saved estimate: the next replay must start from the file, not the chemistry.
    raw = json.loads(path.read_text())
    raw["capacity_ah"] = [0.9 * c for c in raw["capacity_ah"]]
    raw["pairs"] = 4
    path.write_text(json.dumps(raw))
    assert _replay(tmp_path, *chemistry, "--capacity", str(path)) == ExitCode.OK
    second = load_capacity(path, CELLS)
    assert second.pairs == 4  # no pair in 0.2 s: the count carries over
    assert np.allclose(second.capacity_ah, 0.9 * np.array(first.capacity_ah))


@pytest.mark.verifies("SWR_SOH_006", method="fault_injection")
def test_replay_refuses_a_bad_capacity_file_and_one_without_chemistry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _edited(tmp_path, "nan")
    code = _replay(tmp_path, "--chemistry", "NMC_Chen2020", "--capacity", str(path))
    assert code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert f"{path}: field" in err
    assert "Traceback" not in err
    assert _replay(tmp_path, "--capacity", str(path)) == ExitCode.USAGE
    assert "needs --chemistry" in capsys.readouterr().err


@pytest.mark.verifies("SWR_SOH_008")
def test_replay_without_a_capacity_file_says_the_pack_is_of_unknown_age(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "capacity.json"
    assert _replay(tmp_path, "--chemistry", "NMC_Chen2020", "--capacity", str(path)) == 0
    assert "no capacity file: the pack is of unknown age" in capsys.readouterr().err
    outputs = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert all(any(f["fault"] == "capacity_unknown" for f in step["faults"]) for step in outputs)
    nominal = load_chemistry("NMC_Chen2020").nominal_capacity_ah
    assert np.allclose(load_capacity(path, CELLS).capacity_ah, 0.85 * nominal)


@pytest.mark.verifies("SWR_SOH_008")
def test_replay_of_a_new_pack_starts_from_the_configured_capacities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "capacity.json"
    code = _replay(tmp_path, "--chemistry", "NMC_Chen2020", "--capacity", str(path), "--new-pack")
    assert code == ExitCode.OK
    assert "unknown age" not in capsys.readouterr().err
    outputs = (tmp_path / "out.jsonl").read_text()
    assert "capacity_unknown" not in outputs
    record = load_capacity(path, CELLS)
    nominal = load_chemistry("NMC_Chen2020").nominal_capacity_ah
    assert np.allclose(record.capacity_ah, nominal)
    assert np.allclose(record.capacity_sigma_ah, 0.03 * nominal)
    assert _replay(tmp_path, "--new-pack") == ExitCode.USAGE
    assert "--new-pack needs --chemistry" in capsys.readouterr().err


NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
WALK = CalendarWalk(scale_pct=0.5, exponent=0.5)


@pytest.mark.verifies("SWR_SOH_009")
def test_a_record_keeps_when_it_was_saved_and_first_written(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    first = NOW - timedelta(days=100)
    save_capacity(path, _kept(_state()), pairs=2, now=NOW, first_saved_at=first)
    record = load_capacity(path, CELLS)
    assert (record.saved_at, record.first_saved_at) == (NOW, first)
    save_capacity(path, _kept(_state()), pairs=2, now=NOW)  # a new file starts the clock
    assert load_capacity(path, CELLS).first_saved_at == NOW
    save_capacity(path, _kept(_state()), pairs=2)  # no clock: no times
    assert load_capacity(path, CELLS).saved_at is None


@pytest.mark.verifies("SWR_SOH_009")
def test_a_parked_pack_resumes_with_its_bound_grown_by_the_calendar_fade(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    state = _state()
    save_capacity(path, _kept(state), pairs=2, now=NOW, first_saved_at=NOW - timedelta(days=100))
    record = load_capacity(path, CELLS)
    parked = record.tracker(NOW + timedelta(days=21), WALK).committed
    share = 0.005 * (math.sqrt(121.0) - math.sqrt(100.0))
    grown = state.capacity_sigma_ah + share * state.capacity_ah / 3.0
    assert parked.capacity_sigma_ah == pytest.approx(grown, rel=1e-9)
    assert np.array_equal(parked.capacity_ah, state.capacity_ah)
    with pytest.raises(ValueError, match="no time zone"):
        record.tracker(datetime(2026, 12, 1), WALK)  # a naive time
    # At key-on the same day, with the clock set back, or without a walk: nothing added.
    for now in (None, NOW, NOW - timedelta(days=3)):
        assert np.array_equal(record.tracker(now, WALK).committed.c, state.c)
    assert np.array_equal(record.tracker(NOW + timedelta(days=21)).committed.c, state.c)
    # A younger file lets a parked day cost more (calendar fade is fastest when new).
    young = record.model_copy(update={"first_saved_at": NOW - timedelta(days=1)})
    week = NOW + timedelta(days=7)
    assert np.all(
        young.tracker(week, WALK).committed.capacity_sigma_ah
        > record.tracker(week, WALK).committed.capacity_sigma_ah
    )


@pytest.mark.verifies("SWR_SOH_009")
def test_a_version_2_file_has_no_times_and_resumes_without_a_walk(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    state = _state()
    save_capacity(path, _kept(state), pairs=3, now=NOW)
    raw = json.loads(path.read_text())
    raw["schema_version"] = 2
    del raw["saved_at"], raw["first_saved_at"]
    path.write_text(json.dumps(raw))
    record = load_capacity(path, CELLS)
    assert record.schema_version == 5
    assert record.saved_at is None
    assert record.parked_days(NOW) is None
    assert np.array_equal(record.tracker(NOW + timedelta(days=300), WALK).committed.c, state.c)


@pytest.mark.verifies("SWR_SOH_009")
def test_replay_saves_the_times_and_the_next_replay_counts_the_days_parked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "capacity.json"
    chemistry = ["--chemistry", "NMC_Chen2020", "--capacity", str(path), "--new-pack"]
    before = datetime.now(UTC)
    assert _replay(tmp_path, *chemistry) == ExitCode.OK
    first = load_capacity(path, CELLS)
    assert first.saved_at is not None
    assert before <= first.saved_at <= datetime.now(UTC)
    assert first.first_saved_at == first.saved_at
    # Pretend the file was saved ten days ago, its first save a year before that.
    raw = json.loads(path.read_text())
    raw["saved_at"] = (first.saved_at - timedelta(days=10)).isoformat()
    raw["first_saved_at"] = (first.saved_at - timedelta(days=375)).isoformat()
    path.write_text(json.dumps(raw))
    capsys.readouterr()
    assert _replay(tmp_path, *chemistry) == ExitCode.OK
    assert "parked 10.00 days" in capsys.readouterr().err
    second = load_capacity(path, CELLS)
    assert second.first_saved_at == first.saved_at - timedelta(days=375)
    assert np.all(np.array(second.capacity_sigma_ah) > np.array(first.capacity_sigma_ah))


@pytest.mark.verifies("SWR_SOC_008")
def test_the_key_off_soc_is_kept_and_parked_and_a_key_on_clears_it(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    soc = np.linspace(0.3, 0.9, CELLS)
    sigma = np.full(CELLS, 0.01)
    beyond = SocStart(np.concatenate([[1.0 + 1e-9], soc[1:]]), sigma)
    with pytest.raises(CapacityStoreError, match=r"not saved: .*soc must be in"):
        save_capacity(path, _kept(_state()), pairs=1, now=NOW, soc=beyond)
    beta = np.linspace(-0.5, 1.0, CELLS)
    kept = SocStart(soc, sigma, beta)
    save_capacity(path, _kept(_state()), pairs=1, now=NOW, soc=kept)
    record = load_capacity(path, CELLS)
    start = record.soc_start(NOW + timedelta(days=2))
    assert start is not None
    assert np.array_equal(start.soc, soc)
    assert start.scale_sensitivity is not None
    assert np.array_equal(start.scale_sensitivity, beta)  # to the bit, through the parking
    assert start.sigma == pytest.approx(np.sqrt(sigma**2 + (2 * SELF_DISCHARGE_PER_DAY) ** 2))
    assert record.soc_start(NOW - timedelta(days=1)) is None  # a clock set back
    clear_soc(path, record)
    cleared = load_capacity(path, CELLS)
    assert cleared.soc is None
    assert cleared.soc_scale_sensitivity is None
    assert cleared.soc_start(NOW) is None
    kept_fields = ("soc", "soc_sigma", "soc_scale_sensitivity")
    restored = {name: getattr(record, name) for name in kept_fields}
    assert cleared.model_copy(update=restored) == record
    # Without the times how long it stood is unknown: no start either.
    save_capacity(path, _kept(_state()), pairs=1, soc=kept)
    assert load_capacity(path, CELLS).soc_start(NOW) is None


@pytest.mark.verifies("SWR_SOC_008", "SWR_SOH_006")
def test_a_version_3_file_keeps_its_soc_without_a_scale_sensitivity(tmp_path: Path) -> None:
    path = tmp_path / "capacity.json"
    soc, sigma = np.linspace(0.3, 0.9, CELLS), np.full(CELLS, 0.01)
    save_capacity(path, _kept(_state()), pairs=1, now=NOW, soc=SocStart(soc, sigma))
    raw = json.loads(path.read_text())
    assert raw["soc_scale_sensitivity"] is None  # a start without it saves none
    raw["schema_version"] = 3
    del raw["soc_scale_sensitivity"]
    path.write_text(json.dumps(raw))
    start = load_capacity(path, CELLS).soc_start(NOW)
    assert start is not None
    assert np.array_equal(start.soc, soc)
    assert start.scale_sensitivity is None  # the filter starts uncorrelated, as version 3 did


@pytest.mark.verifies("SWR_SOC_010")
def test_the_plateau_cells_are_kept_with_the_soc_and_a_version_4_file_has_none(
    tmp_path: Path,
) -> None:
    path = tmp_path / "capacity.json"
    soc, sigma = np.linspace(0.3, 0.9, CELLS), np.full(CELLS, 0.01)
    plateau = np.arange(CELLS) % 3 == 0
    save_capacity(path, _kept(_state()), pairs=1, now=NOW, soc=SocStart(soc, sigma, None, plateau))
    record = load_capacity(path, CELLS)
    start = record.soc_start(NOW + timedelta(days=1))
    assert start is not None
    assert start.plateau_bound is not None
    assert np.array_equal(start.plateau_bound, plateau)  # through the parking too
    clear_soc(path, record)
    assert load_capacity(path, CELLS).soc_plateau_bound is None  # a key-on clears them too
    save_capacity(path, _kept(_state()), pairs=1, now=NOW, soc=SocStart(soc, sigma, None, plateau))
    raw = json.loads(path.read_text())
    raw["schema_version"] = 4
    del raw["soc_plateau_bound"]
    path.write_text(json.dumps(raw))
    old = load_capacity(path, CELLS).soc_start(NOW)
    assert old is not None
    assert old.plateau_bound is None  # its sigma alone decides, as version 4 did


@pytest.mark.verifies("SWR_SOC_008", method="fault_injection")
@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ({"soc": [0.5] * CELLS}, "soc and soc_sigma are given together"),
        ({"soc": [0.5] * (CELLS - 1), "soc_sigma": [0.01] * (CELLS - 1)}, f"{CELLS} values"),
        ({"soc": [1.5] * CELLS, "soc_sigma": [0.01] * CELLS}, "soc must be in [0, 1]"),
        ({"soc": [0.5] * CELLS, "soc_sigma": [0.0] * CELLS}, "soc_sigma must be finite and > 0"),
        ({"soc_scale_sensitivity": [0.1] * CELLS}, "soc_scale_sensitivity is given only with soc"),
        (
            {"soc": [0.5] * CELLS, "soc_sigma": [0.01] * CELLS, "soc_scale_sensitivity": [0.1]},
            f"soc_scale_sensitivity must be {CELLS} finite values",
        ),
        ({"soc_plateau_bound": [True] * CELLS}, "soc_plateau_bound is given only with soc"),
        (
            {"soc": [0.5] * CELLS, "soc_sigma": [0.01] * CELLS, "soc_plateau_bound": [True]},
            f"soc_plateau_bound must have {CELLS} values",
        ),
    ],
)
def test_a_malformed_soc_is_refused_naming_it(
    tmp_path: Path, edit: dict[str, object], named: str
) -> None:
    path = tmp_path / "capacity.json"
    save_capacity(path, _kept(_state()), pairs=1, now=NOW)
    path.write_text(json.dumps({**json.loads(path.read_text()), **edit}))
    with pytest.raises(CapacityStoreError, match=re.escape(named)):
        load_capacity(path, CELLS)


@pytest.mark.verifies("SWR_SOC_008")
def test_replay_keeps_the_soc_at_its_end_and_clears_it_when_it_starts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "capacity.json"
    chemistry = ["--chemistry", "NMC_Chen2020", "--capacity", str(path), "--new-pack"]
    assert _replay(tmp_path, *chemistry) == ExitCode.OK
    first = load_capacity(path, CELLS)
    assert first.soc is not None
    assert first.soc_sigma is not None
    assert first.soc_scale_sensitivity is not None  # the filter's beta, kept beside it
    assert any(value != 0.0 for value in first.soc_scale_sensitivity)
    # A replay that cannot finish (its output cannot be written) has already cleared it.
    blocked = tmp_path / "missing" / "out.jsonl"
    inputs = tmp_path / "in.jsonl"
    code = main(["replay", "--inputs", str(inputs), "--out", str(blocked), *chemistry])
    assert code == ExitCode.USAGE
    assert load_capacity(path, CELLS).soc is None


@pytest.mark.verifies("SWR_SOC_008", method="fault_injection")
def test_replay_that_cannot_clear_the_kept_soc_stops_before_the_drive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "capacity.json"
    chemistry = ["--chemistry", "NMC_Chen2020", "--capacity", str(path), "--new-pack"]
    assert _replay(tmp_path, *chemistry) == ExitCode.OK
    (tmp_path / "capacity.json.tmp").mkdir()  # the atomic write's temporary file cannot be made
    capsys.readouterr()
    assert _replay(tmp_path, *chemistry) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert f"{path}: cannot write" in err
    assert "Traceback" not in err
    assert load_capacity(path, CELLS).soc is not None  # the file is as it was
