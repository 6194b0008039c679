"""Tests of bms/calibration/_plating_map.py's pure parts (no PyBaMM): SWR_PLAT_004.

Covers: the note the map's source gets from the refinement's history (the
last charge per temperature, its lowest potential and the step); the C/20
capacity test runs longer when the first length does not reach the cut-off
(a set whose nominal capacity understates its electrodes', Marquis2019),
reads the capacity at the cut-off between samples, and names the cut-off,
the length and the nominal capacity when the longest does not reach it
either; a constant-current charge PyBaMM's solver gives up on counts as
plating at its current and above, at its temperature only, and is named
in the result and the map's source; a temperature whose every charge
fails makes no map and is named (PyBaMM's solves stood in by curves). The table
arithmetic is tested in ``test_plating_limits.py``; the DFN runs by
``bms plating-map`` (``test_plating_map_cli.py``) and the validation scripts.
"""

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import bms.calibration._plating_map as plating_map
from bms.calibration._plating_map import CAPACITY_TEST_HOURS, RefinePass, refinement_note

CELL: Any = SimpleNamespace(nominal_capacity_ah=1.0, min_voltage_v=3.0)  # PhysicsCell's two


def _discharge_runner(capacity_ah: float, lengths: list[float]) -> type:
    """A stand-in for the DFN runner that records the lengths it is asked to run.

    A C/20 discharge whose voltage falls linearly from 4 to 2.5 V over ``capacity_ah``,
    so that the 3.0 V cut-off lies at two thirds of it.
    """

    class Runner:
        def __init__(self, cell: Any, initial_state: float) -> None:
            assert cell is CELL
            assert initial_state == 1.0  # from the top

        def run(self, current_a: float, duration_s: float, ambient_degc: float) -> Any:
            assert ambient_degc == 25.0
            lengths.append(duration_s / 3600.0)
            t = np.linspace(0.0, duration_s, 801)
            charge = np.minimum(current_a * t / 3600.0, capacity_ah)
            voltage = 4.0 - 1.5 * charge / capacity_ah
            entries = {"Terminal voltage [V]": voltage, "Discharge capacity [A.h]": charge}
            return {name: SimpleNamespace(entries=value) for name, value in entries.items()}

    return Runner


@pytest.mark.verifies("SWR_PLAT_004")
def test_the_capacity_test_runs_longer_for_a_cell_above_its_nominal_capacity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lengths: list[float] = []
    monkeypatch.setattr(plating_map, "_ChargeRunner", _discharge_runner(1.5, lengths))
    # 1.5 Ah to 2.5 V: 3.0 V at 1.0 Ah, reached in 20 h at C/20 of the nominal 1 Ah.
    assert plating_map._capacity_ah(CELL) == pytest.approx(1.0, rel=1e-3)
    assert lengths == [CAPACITY_TEST_HOURS[0]]
    lengths.clear()
    monkeypatch.setattr(plating_map, "_ChargeRunner", _discharge_runner(2.4, lengths))
    # 3.0 V at 1.6 Ah: 32 h, beyond the first length.
    assert plating_map._capacity_ah(CELL) == pytest.approx(1.6, rel=1e-3)
    assert lengths == list(CAPACITY_TEST_HOURS)


@pytest.mark.verifies("SWR_PLAT_004", method="fault_injection")
def test_a_capacity_test_that_never_reaches_the_cut_off_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plating_map, "_ChargeRunner", _discharge_runner(9.0, []))
    with pytest.raises(ValueError, match=r"cut-off \(3 V\) in 66 h.*nominal capacity \(1 Ah\)"):
        plating_map._capacity_ah(CELL)


@pytest.mark.verifies("SWR_PLAT_004")
def test_refinement_note_reports_the_last_charges() -> None:
    assert refinement_note(10.0, []) == ""
    history = [
        RefinePass(0.0, 1, -0.004, 0.014, 3000.0),
        RefinePass(0.0, 2, 0.012, 0.0, 3300.0),
        RefinePass(25.0, 1, 0.011, 0.0, 1500.0),
    ]
    note = refinement_note(10.0, history)
    assert "10 s steps" in note
    assert "at most 2 charges per temperature" in note
    assert "up to 14.0 mV" in note
    assert "11.0 mV" in note  # the lowest of the last charges, not the first one's -4 mV


class _ChargesRunner:
    """A stand-in for the DFN runner's charges, which gives up on ``failing`` (degC, A).

    SoC 0 to 1 over the hour at 1C, the anode potential 0.2 V less 0.1 V per ampere.
    """

    failing: frozenset[tuple[float, float]] = frozenset()

    def __init__(self, cell: Any, initial_state: float) -> None:
        assert cell is CELL
        assert initial_state == 0.0  # from SoC 0

    def run(self, current_a: float, duration_s: float, ambient_degc: float) -> Any:
        if (ambient_degc, -current_a) in self.failing:
            raise plating_map.DfnSolveError("IDA_CONV_FAIL: convergence test failures")
        t = np.linspace(0.0, duration_s, 201)
        charge = current_a * t / 3600.0  # negative: charging
        potential = np.full(t.size, 0.2 + 0.1 * current_a)
        entries = {"Discharge capacity [A.h]": charge, plating_map.POTENTIAL_VARIABLE: potential}
        return {name: SimpleNamespace(entries=value) for name, value in entries.items()}


def _charges_only(monkeypatch: pytest.MonkeyPatch, failing: set[tuple[float, float]]) -> None:
    """``build_plating_map`` on the stand-in charges: no PyBaMM, a 1 Ah cell."""
    monkeypatch.setattr(CELL, "set_heat_transfer", lambda _w: None, raising=False)
    monkeypatch.setattr(CELL, "initial_state_for_soc", lambda _soc, _ah: 0.0, raising=False)
    monkeypatch.setattr(CELL, "completed_keys", (), raising=False)
    monkeypatch.setattr(plating_map, "PhysicsCell", lambda _name: CELL)
    monkeypatch.setattr(plating_map, "_capacity_ah", lambda _cell: 1.0)
    monkeypatch.setattr(plating_map, "pybamm_version", lambda: "test")
    runner = type("Runner", (_ChargesRunner,), {"failing": frozenset(failing)})
    monkeypatch.setattr(plating_map, "_ChargeRunner", runner)


@pytest.mark.verifies("SWR_PLAT_004", method="fault_injection")
def test_a_charge_the_solver_gives_up_on_counts_as_plating_and_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def build() -> Any:
        return plating_map.build_plating_map(
            "Stand-in",
            temperatures_degc=[0.0, 25.0],
            margin_v=0.01,
            c_rates=[0.5, 1.0, 1.5],
            refine_passes=0,
        )

    _charges_only(monkeypatch, set())
    whole = build()
    assert whole.unsolved == ()
    assert np.array(whole.plating.max_charge_current_a).min() == pytest.approx(1.5)  # 0.05 V
    _charges_only(monkeypatch, {(0.0, 1.0)})
    gave_up = build()
    assert gave_up.unsolved == ("0 degC at 1C",)
    limits = np.array(gave_up.plating.max_charge_current_a)
    assert limits[0].max() <= 0.5 + 1e-9  # 1C and above count as plating at 0 degC
    assert limits[1].min() == pytest.approx(1.5)  # 25 degC keeps its limits
    assert "gave up on, counted as plating at their current and above: 0 degC at 1C" in (
        gave_up.plating.source
    )


@pytest.mark.verifies("SWR_PLAT_004", method="fault_injection")
def test_a_temperature_whose_every_charge_fails_is_named_and_no_map_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _charges_only(monkeypatch, {(0.0, 0.5), (0.0, 1.0)})
    with pytest.raises(plating_map.DfnSolveError, match="every charge at 0 degC"):
        plating_map.build_plating_map(
            "Stand-in", temperatures_degc=[0.0, 25.0], c_rates=[0.5, 1.0], refine_passes=0
        )
