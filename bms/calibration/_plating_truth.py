"""The DFN's anode potential during a drive or a closed-loop charge: plating truth.

ASIL: QM (validation tool; runs offline, never in the control path).
Requirements: SWR_PLAT_004.

``bms validate`` reports the true minimum plating margin of its charge
phases (:func:`case_plating_margin`), and the closed-loop charge validation
steps the DFN with the current the BMS chose (:class:`ChargeTruth`). Both read
the potential :data:`~bms.calibration._plating_map.POTENTIAL_VARIABLE` that
the map is built from, so the margin the map keeps and the margin the truth
shows are the same quantity.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bms.calibration._physics import DRIVE_CYCLE_MESH, CellTestRecord, PhysicsCell, _record
from bms.calibration._plating_map import POTENTIAL_VARIABLE, current_input_simulation

__all__ = [
    "ChargeTruth",
    "TruthSample",
    "TruthTrace",
    "case_plating_margin",
    "drive_cycle_with_potential",
    "min_charge_margin",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TruthSample:
    """The DFN after one closed-loop step."""

    time_s: float
    """Time since the start."""
    soc: float
    """True SoC (chemistry-file definition)."""
    voltage_v: float
    """Terminal voltage at the end of the step."""
    temperature_degc: float
    """Volume-averaged cell temperature at the end of the step."""
    min_potential_v: float
    """Lowest anode potential against lithium at the separator during the step."""


@dataclass(frozen=True)
class TruthTrace:
    """The DFN's samples during one closed-loop step (arrays of equal length)."""

    time_s: FloatArray
    """Time since the start."""
    soc: FloatArray
    """True SoC (chemistry-file definition)."""
    voltage_v: FloatArray
    """Terminal voltage."""
    temperature_degc: FloatArray
    """Volume-averaged cell temperature."""
    potential_v: FloatArray
    """Anode potential against lithium at the separator."""


class ChargeTruth:
    """PyBaMM's DFN (lumped thermal) stepped with a current chosen between steps.

    The truth of the closed-loop charge validation: the BMS chooses each
    step's current from what it measured after the previous one. The set-up
    is :meth:`PhysicsCell.drive_cycle`'s (completed set, drive-cycle mesh, the
    set's own heat transfer so the cell warms, IDAKLU), with the current as
    an input; the potential is :data:`POTENTIAL_VARIABLE`, read at
    ``samples`` points of every step.
    """

    def __init__(
        self, parameter_set: str, capacity_ah: float, initial_soc: float, ambient_degc: float
    ) -> None:
        cell = PhysicsCell(parameter_set)
        self._simulation = current_input_simulation(
            cell, cell.initial_state_for_soc(initial_soc, capacity_ah)
        )
        self._kelvin = ambient_degc + 273.15
        self._capacity_ah = capacity_ah
        self._initial_soc = initial_soc

    def step(self, current_a: float, dt_s: float, samples: int = 4) -> TruthSample:
        """Hold ``current_a`` (+ = discharge) for ``dt_s``; the state at its end."""
        trace = self.step_trace(current_a, dt_s, samples)
        return TruthSample(
            time_s=float(trace.time_s[-1]),
            soc=float(trace.soc[-1]),
            voltage_v=float(trace.voltage_v[-1]),
            temperature_degc=float(trace.temperature_degc[-1]),
            min_potential_v=float(np.min(trace.potential_v)),
        )

    def step_trace(self, current_a: float, dt_s: float, samples: int) -> TruthTrace:
        """Hold ``current_a`` (+ = discharge) for ``dt_s``; ``samples`` evenly spaced states.

        The first sample is the step's start (under the new current), the last its end.
        """
        solution = self._simulation.step(
            dt=dt_s,
            inputs={
                "Ambient temperature [K]": self._kelvin,
                "Initial temperature [K]": self._kelvin,
                "Current function [A]": current_a,
            },
            save=False,
            npts=samples,
        )
        discharged = np.asarray(solution["Discharge capacity [A.h]"].entries, dtype=np.float64)
        return TruthTrace(
            time_s=np.asarray(solution["Time [s]"].entries, dtype=np.float64),
            soc=self._initial_soc - discharged / self._capacity_ah,
            voltage_v=np.asarray(solution["Terminal voltage [V]"].entries, dtype=np.float64),
            temperature_degc=np.asarray(
                solution["Volume-averaged cell temperature [C]"].entries, dtype=np.float64
            ),
            potential_v=np.asarray(solution[POTENTIAL_VARIABLE].entries, dtype=np.float64),
        )


def drive_cycle_with_potential(
    cell: PhysicsCell,
    time_s: FloatArray,
    current_a: FloatArray,
    ambient_degc: float,
    initial_state: float,
) -> tuple[CellTestRecord, FloatArray]:
    """:meth:`PhysicsCell.drive_cycle`'s run, also giving the anode potential of each sample.

    The same set-up (completed set, drive-cycle mesh, IDAKLU, cut-offs 0.1 V
    beyond the set's, ``initial_state`` in PyBaMM's terms), so that
    ``bms validate`` gets its truth and the potential from one solve;
    :data:`POTENTIAL_VARIABLE` is read at the record's samples.
    """
    import pybamm  # noqa: PLC0415

    if time_s.ndim != 1 or time_s.shape != current_a.shape or time_s.size < 2:
        raise ValueError("time_s and current_a must be 1-D, of equal length >= 2")
    values = cell._values.copy()  # the calibration's completed set
    values.set_initial_state(initial_state)
    values.update(
        {
            "Ambient temperature [K]": "[input]",
            "Initial temperature [K]": "[input]",
            "Lower voltage cut-off [V]": cell.min_voltage_v - 0.1,
            "Upper voltage cut-off [V]": cell.max_voltage_v + 0.1,
            "Current function [A]": pybamm.Interpolant(
                time_s, current_a, pybamm.t, interpolator="linear"
            ),
        }
    )
    simulation = pybamm.Simulation(
        pybamm.lithium_ion.DFN(options={"thermal": "lumped"}),
        parameter_values=values,
        solver=pybamm.IDAKLUSolver(),
        var_pts=dict(DRIVE_CYCLE_MESH),
    )
    kelvin = ambient_degc + 273.15
    solution = simulation.solve(
        [float(time_s[0]), float(time_s[-1])],
        t_interp=time_s,
        inputs={"Ambient temperature [K]": kelvin, "Initial temperature [K]": kelvin},
    )
    potential = np.asarray(solution[POTENTIAL_VARIABLE].entries, dtype=np.float64)
    return _record(solution), potential


def min_charge_margin(current_a: FloatArray, potential_v: FloatArray) -> float | None:
    """Lowest anode potential over the samples where the cell charges (current < 0).

    None when the cell never charges.

    Implements: SWR_PLAT_004
    """
    charging = current_a < 0.0
    if not np.any(charging):
        return None
    return float(np.min(potential_v[charging]))


def case_plating_margin(case: Any, directory: Path | None = None) -> float | None:
    """The truth's lowest anode potential while charging, for a ``bms validate`` case.

    ``case`` is a :class:`bms.calibration._validation.ValidationCase`; the DFN
    is set up as its truth is (:func:`~bms.calibration._validation.simulate_truth`:
    the set, the ageing, the initial SoC, the repeated cycle) and run by
    :func:`drive_cycle_with_potential`. The result is stored in
    ``directory/<truth_key>.plating.json`` (the truth's own key) and reused
    when present. None when the cell never charges.

    Implements: SWR_PLAT_004
    """
    from bms.calibration._validation import truth_key  # noqa: PLC0415 - avoids a cycle

    path = None if directory is None else directory / f"{truth_key(case)}.plating.json"
    if path is not None and path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))["plating_min_margin_v"]
        return None if stored is None else float(stored)
    cycle = case.cycle.repeated(case.repeat)
    cell = PhysicsCell(case.parameter_set)
    if case.capacity_fraction != 1.0:
        cell.age(case.capacity_fraction)
    start = cell.initial_state_for_soc(
        case.initial_soc, case.chemistry.nominal_capacity_ah * case.capacity_fraction
    )
    record, potential = drive_cycle_with_potential(
        cell, cycle.time_s - cycle.time_s[0], cycle.current_a, case.ambient_degc, start
    )
    margin = min_charge_margin(record.current_a, potential)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"plating_min_margin_v": margin}) + "\n", encoding="utf-8")
    return margin
