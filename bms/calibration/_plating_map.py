"""Lithium-plating charge-current limit map from PyBaMM's DFN (``bms plating-map``).

ASIL: QM (calibration tool; runs offline, never in the control path).
Requirements: SWR_PLAT_004.

Lithium plates on the graphite (or silicon-graphite) negative electrode when
its potential against a lithium reference falls below 0 V; it falls first at
the separator, where the electrolyte current is largest. The DFN gives that
potential directly: ``phi_s - phi_e`` at the negative electrode/separator
interface, PyBaMM's variable :data:`POTENTIAL_VARIABLE`.

The map (:func:`build_plating_map`):

1. the set runs in the DFN with a lumped thermal model, as ``bms calibrate``
   runs it (:class:`~bms.calibration._physics.PhysicsCell`, the missing
   thermal parameters completed the same way, the cell clamped to the ambient
   by the calibration's 1000 W/m2/K "chamber", so that each row of the map
   belongs to its cell temperature); one model is built and solved with the
   current and the temperatures as PyBaMM inputs;
2. SoC has the chemistry file's definition, ``1 - discharged / capacity``
   from PyBaMM's 100 %, with the capacity of a C/20 discharge to the lower
   cut-off at 25 degC (what ``bms calibrate`` writes as
   ``nominal_capacity_ah``);
3. at each temperature, constant-current charges from rest at SoC 0 at a few
   C-rates (:data:`DEFAULT_C_RATES`) to SoC 1 (the upper cut-off widened by
   :data:`VOLTAGE_ALLOWANCE_V` so that the charge runs on past the set's
   cut-off; a run that stops earlier leaves the higher SoC "not reached");
   the potential is read on the SoC grid. A charge from SoC 0 carries the
   concentration gradients of the whole charge: at any SoC its potential is
   lower than that of a charge started from rest at that SoC;
4. the limit at each (temperature, SoC) is the current at which the potential,
   made non-increasing in current (:func:`monotone_in_current`; not reached
   counts as plating), crosses the margin, linear in log-current between the
   two bracketing currents (:func:`limit_current`); the table is then lowered where needed to
   be non-increasing in SoC and non-decreasing in temperature
   (:func:`monotone_limits`), which only ever lowers a limit (this table
   arithmetic is :mod:`bms.calibration._plating_limits`, pure numpy);
5. the map is then checked the way it is used (:func:`refine_limits`): at
   each temperature a charge from SoC 0 follows the map, each current held
   :data:`REFINE_STEP_S` (the State of Function's horizon) at the limit read
   at the step's start, up to the set's upper voltage cut-off (where the
   State of Function's voltage limit, the CV phase, takes over). Such a
   charge steps its current down as SoC rises,
   and the concentration gradients of the earlier, higher currents relax
   more slowly than the current falls, so its anode sits lower than a
   constant-current charge at the same current and SoC: the constant-current
   map alone is not conservative for a falling current (on Prada2013 at
   -20 degC a map-following charge fell to -4 mV against a +10 mV margin).
   Where the charge fell short of the margin, the limits around that SoC
   are lowered so that the steady potential rises by the shortfall plus
   ``REFINE_EXTRA_V`` (:func:`lowered_limits`), and the charge is run again, up to
   :data:`REFINE_PASSES` times; the map's ``source`` says what the last
   charges showed.

Hand-written because no library builds plating maps; the search over current
is a bracketing interpolation of simulated points rather than a bisection
because every point of a charge is one solve, all SoC at once.
"""

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bms.calibration._physics import (
    COMPLETION_NOTE,
    DRIVE_CYCLE_MESH,
    PhysicsCell,
    pybamm_version,
)
from bms.calibration._plating_limits import (
    limit_table,
    lowered_limits,
    margin_shortfall,
    monotone_in_current,
    monotone_limits,
    potential_on_grid,
)
from bms.cell import PlatingMap

__all__ = [
    "DEFAULT_C_RATES",
    "DEFAULT_MARGIN_V",
    "DEFAULT_TEMPERATURES_DEGC",
    "POTENTIAL_VARIABLE",
    "REFINE_PASSES",
    "REFINE_STEP_S",
    "SOC_GRID",
    "PlatingMapResult",
    "RefinePass",
    "build_plating_map",
    "current_input_simulation",
    "refine_limits",
    "refine_plating_map",
    "refinement_note",
]

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[str], None]

POTENTIAL_VARIABLE = "Negative electrode surface potential difference at separator interface [V]"
"""PyBaMM's phi_s - phi_e at the negative electrode/separator interface (pybamm 26.10)."""
DEFAULT_TEMPERATURES_DEGC = (-20.0, -10.0, 0.0, 10.0, 25.0, 45.0, 55.0)
"""Cell temperatures of the map: issue 9's -20 to 45 degC, and 55 degC so that a cell
warmed a little above 45 degC (or its sensor's noise) stays inside the map rather
than falling back to the most conservative limit."""
DEFAULT_C_RATES = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)
"""Charge currents of the simulated charges, in multiples of the capacity per hour."""
DEFAULT_MARGIN_V = 0.010
"""Default margin: the anode stays at or above +10 mV against lithium."""
SOC_GRID = tuple(round(0.05 * k, 3) for k in range(21))
"""SoC breakpoints of the map."""
CHAMBER_HEAT_TRANSFER_W_PER_M2_K = 1000.0
"""The calibration's clamped cell (:mod:`bms.calibration._calibrate`)."""
VOLTAGE_ALLOWANCE_V = 0.5
"""The charges run up to the set's upper cut-off plus this."""
SAMPLES_PER_CHARGE = 801
"""Output points of one charge."""
_CAPACITY_TEMPERATURE_DEGC = 25.0
CAPACITY_TEST_HOURS = (22.0, 66.0)
"""Lengths of the C/20 capacity test tried in turn, h: 1.1 times the set's nominal capacity,
then 3.3 times for a set whose nominal capacity understates its electrodes' (Marquis2019:
0.68 Ah nominal, 0.87 Ah to its cut-off). The solve ends at the cut-off's event either way;
22 h first because its output grid is the one the shipped maps' capacities were read on."""
REFINE_STEP_S = 10.0
"""Hold time of each current in the map-following charges: the State of Function's horizon."""
REFINE_PASSES = 4
"""Map-following charges per temperature at most (the last one may go unverified)."""
_REFINE_SAMPLES = 5
"""Output points of each held step of a map-following charge."""
_REFINE_MAX_S = 12 * 3600.0


@dataclass(frozen=True)
class PlatingMapResult:
    """A built map and what it cost."""

    plating: PlatingMap
    """The validated map."""
    capacity_ah: float
    """Capacity that defines SoC (C/20 to the lower cut-off at 25 degC)."""
    runs: int
    """DFN solves (charges plus the capacity test)."""
    build_s: float
    """Wall time of the model build and every solve."""
    solve_s: list[float]
    """Wall time of each solve."""
    refinement: tuple["RefinePass", ...] = ()
    """The map-following charges that lowered the limits (:func:`refine_limits`)."""
    unsolved: tuple[str, ...] = ()
    """The constant-current charges PyBaMM's solver gave up on (temperature and C-rate),
    counted as plating at their current and above (the map is the more conservative)."""


class DfnSolveError(ValueError):
    """PyBaMM's solver gave up on a run: its ``SolverError``, said for the run it was."""


def _stored_cube(cube_v: FloatArray) -> FloatArray:
    """The cube for the file: non-increasing in current, unreached points set to the slab minimum.

    A point no charge reached gets the lowest potential seen at its temperature
    (a pessimistic stand-in; its limit is already 0 or bounded by a lower current).
    """
    monotone = monotone_in_current(cube_v)
    result = monotone.copy()
    for index, slab in enumerate(monotone):
        finite = slab[np.isfinite(slab)]
        floor = float(finite.min()) if finite.size else -1.0
        result[index] = np.where(np.isfinite(slab), slab, floor)
    stored: FloatArray = np.minimum.accumulate(result, axis=-1)
    return stored


def _floor(values: FloatArray, decimals: int) -> FloatArray:
    """Values rounded down (keeps every order and never raises a limit)."""
    scale = 10.0**decimals
    result: FloatArray = np.floor(values * scale) / scale
    return result


def current_input_simulation(cell: PhysicsCell, initial_state: float) -> Any:
    """The set's DFN (lumped thermal) with the current and the temperatures as inputs.

    One built model serves every current and ambient (no rebuild per solve):
    the calibration's completed set from ``initial_state``, the voltage
    cut-offs widened by :data:`VOLTAGE_ALLOWANCE_V`, the drive-cycle mesh
    and IDAKLU. Returns a ``pybamm.Simulation``.
    """
    import pybamm  # noqa: PLC0415

    values = cell._values.copy()  # the calibration's completed set
    values.set_initial_state(initial_state)
    values.update(
        {
            "Ambient temperature [K]": "[input]",
            "Initial temperature [K]": "[input]",
            "Current function [A]": "[input]",
            "Lower voltage cut-off [V]": cell.min_voltage_v - VOLTAGE_ALLOWANCE_V,
            "Upper voltage cut-off [V]": cell.max_voltage_v + VOLTAGE_ALLOWANCE_V,
        }
    )
    return pybamm.Simulation(
        pybamm.lithium_ion.DFN(options={"thermal": "lumped"}),
        parameter_values=values,
        solver=pybamm.IDAKLUSolver(),
        var_pts=dict(DRIVE_CYCLE_MESH),
    )


class _ChargeRunner:
    """One built DFN (lumped thermal) with current and temperatures as inputs."""

    def __init__(self, cell: PhysicsCell, initial_state: float) -> None:
        import pybamm  # noqa: PLC0415 - the plant extra

        self._simulation = current_input_simulation(cell, initial_state)
        self._solver_error: type[Exception] = pybamm.SolverError

    def step(self, current_a: float, dt_s: float, ambient_degc: float) -> Any:
        """Hold a current (+ = discharge) for ``dt_s`` from where the last step ended."""
        kelvin = ambient_degc + 273.15
        try:
            return self._simulation.step(
                dt=dt_s,
                inputs={
                    "Ambient temperature [K]": kelvin,
                    "Initial temperature [K]": kelvin,
                    "Current function [A]": current_a,
                },
                save=False,
                npts=_REFINE_SAMPLES,
            )
        except self._solver_error as error:
            raise DfnSolveError(_solver_message(error)) from error

    def run(self, current_a: float, duration_s: float, ambient_degc: float) -> Any:
        """Solve a constant current (+ = discharge) for ``duration_s`` from rest."""
        kelvin = ambient_degc + 273.15
        stops = np.linspace(0.0, duration_s, SAMPLES_PER_CHARGE)
        try:
            return self._simulation.solve(
                [0.0, duration_s],
                t_interp=stops,
                inputs={
                    "Ambient temperature [K]": kelvin,
                    "Initial temperature [K]": kelvin,
                    "Current function [A]": current_a,
                },
            )
        except self._solver_error as error:
            raise DfnSolveError(_solver_message(error)) from error


def _solver_message(error: Exception) -> str:
    """The solver's reason, on one line (it joins its failures with '; ')."""
    return " ".join(str(error).split())


def _capacity_ah(cell: PhysicsCell) -> float:
    """C/20 discharge capacity from PyBaMM's 100 % to the lower cut-off at 25 degC."""
    runner = _ChargeRunner(cell, 1.0)
    current = cell.nominal_capacity_ah / 20.0
    for hours in CAPACITY_TEST_HOURS:
        try:
            solution = runner.run(current, hours * 3600.0, _CAPACITY_TEMPERATURE_DEGC)
        except DfnSolveError as error:
            raise DfnSolveError(f"the C/20 capacity test at 25 degC failed: {error}") from error
        voltage = solution["Terminal voltage [V]"].entries
        discharged = solution["Discharge capacity [A.h]"].entries
        reached = np.nonzero(voltage <= cell.min_voltage_v)[0]
        if reached.size:
            break
    else:
        raise ValueError(
            f"the C/20 capacity test never reached the lower cut-off "
            f"({cell.min_voltage_v:g} V) in {CAPACITY_TEST_HOURS[-1]:g} h: the set's "
            f"nominal capacity ({cell.nominal_capacity_ah:g} Ah) is far below its electrodes'"
        )
    index = int(reached[0])
    if index == 0:
        return float(discharged[0])
    # linear between the samples on either side of the cut-off
    v0, v1 = voltage[index - 1], voltage[index]
    q0, q1 = discharged[index - 1], discharged[index]
    return float(q0 + (q1 - q0) * (v0 - cell.min_voltage_v) / (v0 - v1))


@dataclass(frozen=True)
class RefinePass:
    """One map-following charge of :func:`refine_limits` at one temperature."""

    temperature_degc: float
    """Cell temperature (the cell is clamped to it)."""
    index: int
    """Pass number, from 1."""
    min_potential_v: float
    """Lowest anode potential of the charge."""
    max_shortfall_v: float
    """Largest shortfall below the margin (0 when the charge kept it)."""
    duration_s: float
    """Length of the charge (from SoC 0 to the end of the grid, or until the limit fell to 0)."""


def _map_following_charge(  # noqa: PLR0913 - the charge's set-up
    cell: PhysicsCell,
    capacity_ah: float,
    *,
    temperature_degc: float,
    soc_grid: Sequence[float],
    limits_a: FloatArray,
    step_s: float,
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """A charge from SoC 0 whose current, held ``step_s``, is the map's limit at its start.

    The cell is clamped to ``temperature_degc`` as in the map's charges; the
    limit is read linearly in SoC at the true SoC at the start of each step,
    as the State of Function reads it. The charge ends where the terminal
    voltage reaches the set's upper cut-off: beyond it the State of
    Function's voltage limit (the CV phase) sets the current, not the map, and
    a charge held at the map's current would drive the electrode past full
    (its samples there are left out). Returns every kept sample's SoC,
    current and potential, and the duration.
    """
    runner = _ChargeRunner(cell, cell.initial_state_for_soc(0.0, capacity_ah))
    grid = np.asarray(soc_grid, dtype=np.float64)
    end = float(grid[-1]) - 1e-3
    socs: list[FloatArray] = []
    currents: list[FloatArray] = []
    potentials: list[FloatArray] = []
    soc, elapsed = 0.0, 0.0
    # loop-bound: each pass advances elapsed by step_s (else it breaks), up to _REFINE_MAX_S
    while soc < end and elapsed < _REFINE_MAX_S:
        current = float(np.interp(soc, grid, limits_a))
        if current <= 1e-3:
            break
        try:
            solution = runner.step(-current, step_s, temperature_degc)
        except DfnSolveError as error:
            raise DfnSolveError(
                f"the map-following charge at {temperature_degc:g} degC failed at SoC "
                f"{soc:.3f} ({current:.3g} A): {error}"
            ) from error
        trace = -np.asarray(solution["Discharge capacity [A.h]"].entries) / capacity_ah
        below = np.asarray(solution["Terminal voltage [V]"].entries) <= cell.max_voltage_v
        potential = np.asarray(solution[POTENTIAL_VARIABLE].entries, dtype=np.float64)
        socs.append(trace[below])
        currents.append(np.full(int(below.sum()), current))
        potentials.append(potential[below])
        reached = float(solution["Time [s]"].entries[-1])
        if not below.all() or reached < elapsed + step_s - 1e-6:  # upper cut-off or event
            elapsed = reached
            break
        soc, elapsed = float(trace[-1]), reached
    if not socs or not any(part.size for part in socs):
        empty = np.zeros(0)
        return empty, empty, empty, 0.0
    return np.concatenate(socs), np.concatenate(currents), np.concatenate(potentials), elapsed


def refine_limits(  # noqa: PLR0913 - the map's parts and the refinement's settings
    cell: PhysicsCell,
    capacity_ah: float,
    *,
    temperatures_degc: Sequence[float],
    soc_grid: Sequence[float],
    currents_a: Sequence[float],
    cube_v: FloatArray,
    limits_a: FloatArray,
    margin_v: float,
    step_s: float = REFINE_STEP_S,
    passes: int = REFINE_PASSES,
    progress: Progress | None = None,
) -> tuple[FloatArray, list[RefinePass]]:
    """Limits lowered until a charge that follows them keeps the margin (see the module doc).

    ``cube_v`` is the stored (monotone, finite) potential cube of the
    constant-current charges. At each temperature, up to ``passes`` charges
    follow the row's limits (:func:`_map_following_charge`); after each one
    that breaks the margin, the row is lowered where it fell short
    (:func:`margin_shortfall`, :func:`lowered_limits`) and made
    non-increasing in SoC again; the next pass checks the lowered row. The
    table is then made monotone (:func:`monotone_limits`). Only ever lowers
    a limit.

    Implements: SWR_PLAT_004
    """
    report = progress or (lambda _message: None)
    table = np.asarray(limits_a, dtype=np.float64).copy()
    history: list[RefinePass] = []
    for t_index, temperature in enumerate(temperatures_degc):
        for index in range(1, passes + 1):
            soc, _current, potential, duration = _map_following_charge(
                cell,
                capacity_ah,
                temperature_degc=temperature,
                soc_grid=soc_grid,
                limits_a=table[t_index],
                step_s=step_s,
            )
            if soc.size == 0:
                break
            seen = margin_shortfall(soc_grid, soc, potential, margin_v)
            lowest = float(potential.min())
            history.append(
                RefinePass(float(temperature), index, lowest, float(seen.max()), duration)
            )
            report(
                f"{temperature:g} degC, map-following charge {index}: lowest {lowest * 1000:.1f} mV"
            )
            if lowest >= margin_v:
                break
            lowered = lowered_limits(currents_a, cube_v[t_index], seen, table[t_index])
            table[t_index] = np.minimum.accumulate(lowered)
    return monotone_limits(table), history


def build_plating_map(  # noqa: PLR0913 - the map's settings
    parameter_set: str,
    *,
    temperatures_degc: Sequence[float] = DEFAULT_TEMPERATURES_DEGC,
    margin_v: float = DEFAULT_MARGIN_V,
    c_rates: Sequence[float] = DEFAULT_C_RATES,
    soc_grid: Sequence[float] = SOC_GRID,
    refine_passes: int = REFINE_PASSES,
    progress: Progress | None = None,
) -> PlatingMapResult:
    """Simulate the charges and build the validated map (see the module doc).

    Args:
        parameter_set: a PyBaMM lithium-ion parameter set.
        temperatures_degc: cell temperatures, strictly increasing.
        margin_v: the potential the limits keep, >= 0.
        c_rates: charge C-rates of the simulated charges, strictly increasing.
        soc_grid: SoC breakpoints.
        refine_passes: map-following charges per temperature at most
            (:func:`refine_limits`); 0 keeps the constant-current limits.
        progress: called with a message after each solve.

    Raises:
        ValueError: unknown set, bad settings, or a map the model rejects.
    """
    temperatures = [float(value) for value in temperatures_degc]
    if sorted(set(temperatures)) != temperatures or not temperatures:
        raise ValueError(f"temperatures {temperatures} must be strictly increasing")
    if not 0.0 <= margin_v <= 0.5:
        raise ValueError(f"margin {margin_v} V must lie in [0, 0.5] V")
    rates = [float(value) for value in c_rates]
    if sorted(set(rates)) != rates or not rates or rates[0] <= 0.0:
        raise ValueError(f"C-rates {rates} must be positive and strictly increasing")
    report = progress or (lambda _message: None)
    started = time.perf_counter()
    cell = PhysicsCell(parameter_set)
    cell.set_heat_transfer(CHAMBER_HEAT_TRANSFER_W_PER_M2_K)
    capacity = _capacity_ah(cell)
    report(f"{parameter_set}: capacity {capacity:.3f} Ah at 25 degC")
    runner = _ChargeRunner(cell, cell.initial_state_for_soc(0.0, capacity))
    currents = [rate * capacity for rate in rates]
    cube = np.full((len(temperatures), len(soc_grid), len(currents)), np.nan)
    solve_s: list[float] = []
    unsolved: list[str] = []
    for t_index, temperature in enumerate(temperatures):
        for c_index, (rate, current) in enumerate(zip(rates, currents, strict=True)):
            tick = time.perf_counter()
            try:
                solution = runner.run(-current, 1.01 * 3600.0 / rate, temperature)
            except DfnSolveError:  # not reached anywhere: plating, this current and above
                unsolved.append(f"{temperature:g} degC at {rate:g}C")
                report(f"{temperature:g} degC, {rate:g}C: the DFN's solver gave up")
                continue
            finally:
                solve_s.append(time.perf_counter() - tick)
            soc = -solution["Discharge capacity [A.h]"].entries / capacity
            potential = solution[POTENTIAL_VARIABLE].entries
            cube[t_index, :, c_index] = potential_on_grid(
                np.maximum.accumulate(soc), potential, soc_grid
            )
            report(f"{temperature:g} degC, {rate:g}C")
    empty = [
        f"{t:g} degC" for t, slab in zip(temperatures, cube, strict=True) if np.isnan(slab).all()
    ]
    if empty:
        raise DfnSolveError(
            f"PyBaMM's solver gave up on every charge at {', '.join(empty)}: no map there "
            "(leave the temperature out, or try other --c-rates)"
        )
    limits = limit_table(currents, cube, margin_v)
    stored = _stored_cube(cube)
    history: list[RefinePass] = []
    if refine_passes > 0:
        limits, history = refine_limits(
            cell,
            capacity,
            temperatures_degc=temperatures,
            soc_grid=soc_grid,
            currents_a=currents,
            cube_v=stored,
            limits_a=limits,
            margin_v=margin_v,
            passes=refine_passes,
            progress=report,
        )
    notes = f" {COMPLETION_NOTE}" if cell.completed_keys else ""
    if unsolved:
        notes += (
            " Charges PyBaMM's solver gave up on, counted as plating at their current and "
            f"above: {', '.join(unsolved)}."
        )
    document = {
        "margin_v": margin_v,
        "temperature_breakpoints_degc": temperatures,
        "soc_breakpoints": [float(value) for value in soc_grid],
        "current_breakpoints_a": _floor(np.asarray(currents), 6).tolist(),
        "max_charge_current_a": _floor(limits, 4).tolist(),
        "anode_potential_v": _floor(stored, 5).tolist(),
        "source": (
            f"bms plating-map: PyBaMM {pybamm_version()} set {parameter_set}, DFN with lumped "
            f"thermal model, cell clamped to the ambient ({CHAMBER_HEAT_TRANSFER_W_PER_M2_K:g} "
            f"W/m2/K), constant-current charges from rest at SoC 0 at {rates} C "
            f"({capacity:.4f} Ah, C/20 at 25 degC); potential: {POTENTIAL_VARIABLE}."
            f"{refinement_note(REFINE_STEP_S, history)}{notes}"
        ),
    }
    plating = PlatingMap.model_validate_json(json.dumps(document))
    return PlatingMapResult(
        plating=plating,
        capacity_ah=capacity,
        runs=len(solve_s) + 1,
        build_s=time.perf_counter() - started,
        solve_s=solve_s,
        refinement=tuple(history),
        unsolved=tuple(unsolved),
    )


def refinement_note(step_s: float, history: Sequence[RefinePass]) -> str:
    """The sentence a map's ``source`` gets for its map-following refinement ('' without)."""
    if not history:
        return ""
    last: dict[float, RefinePass] = {}
    for record in history:
        last[record.temperature_degc] = record
    shortfall = max(record.max_shortfall_v for record in history)
    lowest = min(record.min_potential_v for record in last.values())
    return (
        f" Limits then lowered by map-following charges ({step_s:g} s steps, each at the "
        f"limit at its start; at most {max(r.index for r in history)} charges per "
        "temperature were needed): "
        f"shortfall below the margin up to {shortfall * 1000:.1f} mV; lowest potential of "
        f"the last charge over the temperatures {lowest * 1000:.1f} mV."
    )


def refine_plating_map(  # noqa: PLR0913 - the map and the refinement's settings
    parameter_set: str,
    plating: PlatingMap,
    capacity_ah: float,
    *,
    step_s: float = REFINE_STEP_S,
    passes: int = REFINE_PASSES,
    progress: Progress | None = None,
) -> tuple[PlatingMap, list[RefinePass]]:
    """An existing map of ``parameter_set`` with its limits refined by :func:`refine_limits`.

    ``capacity_ah`` is the capacity that defines the map's SoC (the chemistry
    file's ``nominal_capacity_ah``). The cell is set up as in
    :func:`build_plating_map`; the potential cube is the map's own.

    Raises:
        ValueError: unknown set, or a map the model rejects.
    """
    cell = PhysicsCell(parameter_set)
    cell.set_heat_transfer(CHAMBER_HEAT_TRANSFER_W_PER_M2_K)
    limits, history = refine_limits(
        cell,
        capacity_ah,
        temperatures_degc=plating.temperature_breakpoints_degc,
        soc_grid=plating.soc_breakpoints,
        currents_a=plating.current_breakpoints_a,
        cube_v=np.asarray(plating.anode_potential_v, dtype=np.float64),
        limits_a=np.asarray(plating.max_charge_current_a, dtype=np.float64),
        margin_v=plating.margin_v,
        step_s=step_s,
        passes=passes,
        progress=progress,
    )
    document = json.loads(plating.model_dump_json())
    document["max_charge_current_a"] = _floor(limits, 4).tolist()
    document["source"] = plating.source + refinement_note(step_s, history)
    return PlatingMap.model_validate_json(json.dumps(document)), history
