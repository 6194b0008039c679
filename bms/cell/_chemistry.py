"""The chemistry file: equivalent-circuit tables of one cell type, fitted to a physics model.

ASIL: QM(D) (estimation channel). Requirements: SWR_CELL_001, SWR_CELL_006, SWR_CELL_007,
SWR_PLAT_001.

A chemistry file is JSON written by ``bms calibrate`` (PyBaMM's DFN model fitted
to a two-RC equivalent circuit) and shipped in ``bms/cell/chemistries/``. This
module holds its pydantic model, :class:`Chemistry`: frozen, strict, no unknown
keys, with every cross-field rule of the contract checked at load time so that
the equivalent-circuit code never sees a malformed table:

* ``soc_breakpoints`` strictly increasing inside [0, 1], at least two;
* ``temperature_breakpoints_degc`` strictly increasing, at least one;
* every table (``ocv_v``, ``r0_ohm``, ``r1_ohm``, ``tau1_s``, ``r2_ohm``,
  ``tau2_s``) of shape (temperatures, SoC breakpoints) and finite;
* ``ocv_v`` non-decreasing in SoC at every temperature;
* resistances and time constants strictly positive, ``tau1_s < tau2_s``
  everywhere (the fast pair is pair 1);
* ``capacity_ah_by_temperature`` one positive value per temperature;
* ``min_voltage_v < max_voltage_v``;
* the optional ``charge`` section (:class:`ChargeCircuit`): the resistance
  tables fitted to charge steps, under the same rules as the top-level ones;
* the optional ``kinetic_current_a`` tables (:mod:`bms.cell._kinetics`), top
  level and in the ``charge`` section, > 0 (a direction without one is linear);
* the optional ``plating`` section (:class:`PlatingMap`, written by
  ``bms plating-map``): its own breakpoints strictly increasing, its limit
  table of shape (temperatures, SoC breakpoints), >= 0, non-increasing in SoC
  and non-decreasing in temperature, and its anode-potential table of shape
  (temperatures, SoC breakpoints, currents), non-increasing in current;
* the optional ``electrodes`` section (:class:`Electrodes`, written by ``bms
  calibrate``): each electrode's stoichiometry breakpoints strictly
  increasing inside [0, 1] with one potential each, its bulk stoichiometry
  at SoC 0 and 1 inside them and different, and one particle diffusion time
  (> 0) per temperature breakpoint of the file; ``circuit_fitted_with_lag``
  says whether the circuit's tables hold the lag out (the model then adds it).
"""

import math
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ChargeCircuit",
    "Chemistry",
    "ChemistrySource",
    "ElectrodePotential",
    "Electrodes",
    "FitReport",
    "PlatingMap",
    "ThermalParameters",
]

_TABLE_FIELDS = ("ocv_v", "r0_ohm", "r1_ohm", "tau1_s", "r2_ohm", "tau2_s", "kinetic_current_a")
_POSITIVE_TABLE_FIELDS = ("r0_ohm", "r1_ohm", "tau1_s", "r2_ohm", "tau2_s", "kinetic_current_a")

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Table = tuple[tuple[FiniteFloat, ...], ...]


class _ChemistryModel(BaseModel):
    """Frozen, strict, no unknown keys; field docstrings reach the docs."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        use_attribute_docstrings=True,
        validate_default=True,
    )


class ChemistrySource(_ChemistryModel):
    """Where the tables came from, so that a file can be regenerated."""

    parameter_set: Annotated[str, Field(min_length=1)]
    """PyBaMM parameter set the physics model ran with, such as ``Chen2020``."""
    pybamm_version: Annotated[str, Field(min_length=1)]
    """PyBaMM version used for the fit."""
    model: Annotated[str, Field(min_length=1)]
    """The physics model, such as ``DFN, lumped thermal``."""
    generated_by: Annotated[str, Field(min_length=1)]
    """The command that wrote the file, such as ``bms calibrate``."""
    notes: str = ""
    """Free text: completed parameters and their sources, caveats."""


class ThermalParameters(_ChemistryModel):
    """Lumped thermal model of one cell: one heat capacity, one conductance to ambient."""

    mass_kg: Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
    """Mass of one cell."""
    specific_heat_j_per_kg_k: Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
    """Specific heat capacity of the cell."""
    heat_transfer_w_per_k: Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
    """Heat conductance from the cell to ambient (h times area)."""
    entropic_coefficient_v_per_k: FiniteFloat = 0.0
    """dOCV/dT used for the reversible heat; 0 neglects it."""


class FitReport(_ChemistryModel):
    """Residuals of the fit against the physics model, in volts."""

    ocv_rmse_v: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
    """RMS error of the OCV table against the physics model's OCV test."""
    pulse_rmse_v_by_temperature: dict[str, Annotated[float, Field(ge=0.0, allow_inf_nan=False)]]
    """RMS terminal-voltage error of the pulse tests, keyed by temperature in degC."""
    max_abs_error_v: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
    """Largest absolute terminal-voltage error over every fitted test."""


class ChargeCircuit(_ChemistryModel):
    """The circuit's resistances under charge, fitted to the charge steps of the pulse test.

    The fitted resistances linearise overpotentials that are not symmetric in
    the current's direction: near empty a discharge step drives the particle
    surfaces into the OCV's knee (a large apparent slow-pair resistance)
    while a charge step drives them away from it. A cell's circuit reads
    these resistances while its current charges it and the top-level ones
    otherwise; the time constants are the top-level ones in both directions
    (the charge steps are fitted with them), so the RC states decay the same
    way whatever the current and the voltage ``R(sign I) I`` is continuous
    through zero current: no direction needs remembering. Same shapes and
    rules as the top-level tables.

    Implements: SWR_CELL_005
    """

    r0_ohm: Table
    """Series resistance under charge; > 0."""
    r1_ohm: Table
    """Fast RC pair resistance under charge; > 0."""
    r2_ohm: Table
    """Slow RC pair resistance under charge; > 0."""
    kinetic_current_a: Table | None = None
    """Kinetic current of the series drop under charge (A, > 0); None: linear under charge."""
    pulse_rmse_v_by_temperature: dict[str, Annotated[float, Field(ge=0.0, allow_inf_nan=False)]]
    """RMS terminal-voltage error of the charge pulse tests, keyed by temperature in degC."""


class PlatingMap(_ChemistryModel):
    """Lithium-plating charge-current limit map of one cell, from the physics model.

    The negative electrode's potential against lithium at the separator
    (``phi_s - phi_e``, PyBaMM's "Negative electrode surface potential
    difference at separator interface [V]") during constant-current charges,
    and the largest charge current keeping it at or above ``margin_v``.
    Currents are magnitudes per cell, in A. Written by ``bms plating-map``.

    Implements: SWR_PLAT_001
    """

    margin_v: Annotated[float, Field(ge=0.0, le=0.5, allow_inf_nan=False)]
    """Potential the limits keep the anode at or above (default 0.010 V)."""
    temperature_breakpoints_degc: Annotated[tuple[FiniteFloat, ...], Field(min_length=1)]
    """Cell temperatures of the map, strictly increasing; outside them there is no limit."""
    soc_breakpoints: Annotated[tuple[FiniteFloat, ...], Field(min_length=2)]
    """SoC grid of the map, strictly increasing, inside [0, 1]."""
    current_breakpoints_a: Annotated[tuple[FiniteFloat, ...], Field(min_length=1)]
    """Charge currents (magnitudes, per cell) of the simulated charges, strictly increasing, > 0."""
    max_charge_current_a: Table
    """Plating-limited charge current per cell, shape (temperatures, SoC); >= 0,
    non-increasing in SoC, non-decreasing in temperature, <= the largest current breakpoint."""
    anode_potential_v: tuple[Table, ...]
    """Anode potential against lithium at the separator, shape (temperatures, SoC,
    currents); non-increasing in current."""
    source: Annotated[str, Field(min_length=1)]
    """How the map was made: command, PyBaMM version and set, model and set-up."""

    @model_validator(mode="after")
    def _consistent(self) -> "PlatingMap":
        problems = self._axis_problems()
        if not problems:
            problems = self._limit_problems() + self._potential_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _axis_problems(self) -> list[str]:
        problems = []
        soc = self.soc_breakpoints
        if soc[0] < 0.0 or soc[-1] > 1.0:
            problems.append(f"soc_breakpoints=[{soc[0]}, ..., {soc[-1]}] must lie in [0, 1]")
        currents = self.current_breakpoints_a
        if not currents[0] > 0.0:
            problems.append(f"current_breakpoints_a[0]={currents[0]} must be > 0")
        for axis_name, axis in (
            ("temperature_breakpoints_degc", self.temperature_breakpoints_degc),
            ("soc_breakpoints", soc),
            ("current_breakpoints_a", currents),
        ):
            problems += _not_increasing(axis_name, axis)
        return problems

    def _limit_problems(self) -> list[str]:
        table = self.max_charge_current_a
        shape = (len(self.temperature_breakpoints_degc), len(self.soc_breakpoints))
        if len(table) != shape[0] or any(len(row) != shape[1] for row in table):
            got = f"{len(table)} rows of lengths {sorted({len(row) for row in table})}"
            return [
                f"max_charge_current_a must have shape {shape} (temperatures, SoC "
                f"breakpoints), got {got}"
            ]
        top = self.current_breakpoints_a[-1]
        bad = _first_where(table, lambda value: not 0.0 <= value <= top)
        if bad is not None:
            return [
                f"max_charge_current_a[{bad[0]}][{bad[1]}]={table[bad[0]][bad[1]]} must lie "
                f"in [0, {top}] (the largest current breakpoint)"
            ]
        for t_index, row in enumerate(table):
            rising = _first_rising(row)
            if rising is not None:
                return [
                    f"max_charge_current_a[{t_index}][{rising + 1}]={row[rising + 1]} must be <= "
                    f"max_charge_current_a[{t_index}][{rising}]={row[rising]} "
                    "(non-increasing in SoC)"
                ]
        for t_index in range(shape[0] - 1):
            for s_index in range(shape[1]):
                colder, warmer = table[t_index][s_index], table[t_index + 1][s_index]
                if warmer < colder:
                    return [
                        f"max_charge_current_a[{t_index + 1}][{s_index}]={warmer} must be >= "
                        f"max_charge_current_a[{t_index}][{s_index}]={colder} "
                        "(non-decreasing in temperature)"
                    ]
        return []

    def _potential_problems(self) -> list[str]:
        cube = self.anode_potential_v
        shape = (
            len(self.temperature_breakpoints_degc),
            len(self.soc_breakpoints),
            len(self.current_breakpoints_a),
        )
        if len(cube) != shape[0] or any(
            len(table) != shape[1] or any(len(row) != shape[2] for row in table) for table in cube
        ):
            return [
                f"anode_potential_v must have shape {shape} (temperatures, SoC breakpoints, "
                "currents)"
            ]
        for t_index, table in enumerate(cube):
            for s_index, row in enumerate(table):
                rising = _first_rising(row)
                if rising is not None:
                    return [
                        f"anode_potential_v[{t_index}][{s_index}][{rising + 1}]={row[rising + 1]}"
                        f" must be <= anode_potential_v[{t_index}][{s_index}][{rising}]="
                        f"{row[rising]} (non-increasing in current)"
                    ]
        return []


class ElectrodePotential(_ChemistryModel):
    """One electrode's open-circuit potential and its particles' diffusion time.

    The bulk stoichiometry is linear in the file's SoC, from
    ``stoichiometry_at_empty`` to ``stoichiometry_at_full``; under load the
    particles' surface runs ahead of it by the diffusion lag
    (:mod:`bms.cell._surface_lag`), and the electrode's potential is read at
    the surface. Written by ``bms calibrate`` from the physics model's own
    functions and parameters (nothing is fitted).

    Implements: SWR_CELL_007
    """

    stoichiometry_breakpoints: Annotated[tuple[FiniteFloat, ...], Field(min_length=2)]
    """Lithium stoichiometry grid of ``potential_v``, strictly increasing, inside [0, 1]."""
    potential_v: tuple[FiniteFloat, ...]
    """Open-circuit potential against lithium at each stoichiometry breakpoint."""
    stoichiometry_at_empty: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    """Bulk stoichiometry at the file's SoC 0."""
    stoichiometry_at_full: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    """Bulk stoichiometry at SoC 1 (PyBaMM's 100 %)."""
    diffusion_time_s: tuple[Annotated[float, Field(gt=0.0, allow_inf_nan=False)], ...]
    """The particles' ``R^2 / D`` at each temperature breakpoint of the file."""

    @model_validator(mode="after")
    def _consistent(self) -> "ElectrodePotential":
        problems = []
        grid = self.stoichiometry_breakpoints
        if grid[0] < 0.0 or grid[-1] > 1.0:
            problems.append(
                f"stoichiometry_breakpoints=[{grid[0]}, ..., {grid[-1]}] must lie in [0, 1]"
            )
        problems += _not_increasing("stoichiometry_breakpoints", grid)
        if len(self.potential_v) != len(grid):
            problems.append(
                f"potential_v has {len(self.potential_v)} values, must have one per "
                f"stoichiometry breakpoint ({len(grid)})"
            )
        for name in ("stoichiometry_at_empty", "stoichiometry_at_full"):
            value = getattr(self, name)
            if not grid[0] <= value <= grid[-1]:
                problems.append(
                    f"{name}={value} must lie inside the stoichiometry breakpoints "
                    f"[{grid[0]}, {grid[-1]}]"
                )
        if self.stoichiometry_at_empty == self.stoichiometry_at_full:
            problems.append(
                f"stoichiometry_at_empty and stoichiometry_at_full are both "
                f"{self.stoichiometry_at_full}: the electrode must take part in the SoC"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Electrodes(_ChemistryModel):
    """Both electrodes of the cell: the OCV is ``positive - negative`` potential.

    Implements: SWR_CELL_007
    """

    negative: ElectrodePotential
    """The negative electrode (graphite in both shipped files)."""
    positive: ElectrodePotential
    """The positive electrode."""
    source: Annotated[str, Field(min_length=1)]
    """Where the potentials and diffusion times come from: PyBaMM version and set."""
    circuit_fitted_with_lag: bool = False
    """The circuit's tables were fitted with the surface lag as a known input.

    Then the lag is part of the cell model: the plant and the SoC filter add
    it to the circuit's voltage (:func:`bms.cell.cell_model`). ``False`` (a
    file fitted before): the resistances hold what they could of the lag, and
    adding it again would count it twice."""


class Chemistry(_ChemistryModel):
    """Equivalent-circuit tables of one cell type (OCV, R0, two RC pairs) and its thermal data.

    Tables have shape (len(temperature_breakpoints_degc), len(soc_breakpoints))
    and are interpolated bilinearly in (temperature, SoC), clamped at the edges.

    Implements: SWR_CELL_001
    """

    format_version: Literal[1]
    """Version of the chemistry file format; only version 1 exists."""
    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    """Registry name; equal to the file stem of a shipped file."""
    chemistry: Annotated[str, Field(min_length=1)]
    """Chemistry label: ``NMC``, ``LFP`` or another."""
    source: ChemistrySource
    """Provenance of the tables."""
    nominal_capacity_ah: Annotated[float, Field(gt=0.0, le=1000.0, allow_inf_nan=False)]
    """Capacity at 25 degC (or the nearest temperature) in a C/20 discharge."""
    min_voltage_v: Annotated[float, Field(gt=0.0, lt=10.0, allow_inf_nan=False)]
    """Lower cut-off voltage of the fitted range."""
    max_voltage_v: Annotated[float, Field(gt=0.0, lt=10.0, allow_inf_nan=False)]
    """Upper cut-off voltage of the fitted range."""
    soc_breakpoints: Annotated[tuple[FiniteFloat, ...], Field(min_length=2)]
    """SoC grid of the tables, strictly increasing, inside [0, 1]."""
    temperature_breakpoints_degc: Annotated[tuple[FiniteFloat, ...], Field(min_length=1)]
    """Temperature grid of the tables, strictly increasing."""
    ocv_v: Table
    """Open-circuit voltage; non-decreasing in SoC."""
    r0_ohm: Table
    """Series (ohmic) resistance; > 0."""
    r1_ohm: Table
    """Resistance of the fast RC pair; > 0."""
    tau1_s: Table
    """Time constant of the fast RC pair; > 0 and < ``tau2_s``."""
    r2_ohm: Table
    """Resistance of the slow RC pair; > 0."""
    tau2_s: Table
    """Time constant of the slow RC pair; > 0."""
    kinetic_current_a: Table | None = None
    """Kinetic current ``Ik`` of the series drop ``R0 Ik asinh(I / Ik)`` (A, > 0), R0 being
    its slope at zero current (:mod:`bms.cell._kinetics`); None: the linear ``R0 I``."""
    capacity_ah_by_temperature: tuple[Annotated[float, Field(gt=0.0, allow_inf_nan=False)], ...]
    """Discharge capacity at each temperature breakpoint."""
    thermal: ThermalParameters
    """Lumped thermal model."""
    fit: FitReport
    """Residuals of the fit."""
    charge: ChargeCircuit | None = None
    """Resistances under charge; None: the circuit reads the top-level ones both ways."""
    plating: PlatingMap | None = None
    """Lithium-plating charge-current limit map (``bms plating-map``); None if not made."""
    electrodes: Electrodes | None = None
    """Each electrode's potential and particle diffusion time (:mod:`bms.cell._surface_lag`);
    None: a file calibrated before they were recorded."""

    @model_validator(mode="after")
    def _consistent(self) -> "Chemistry":
        problems = self._grid_problems() + self._table_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _grid_problems(self) -> list[str]:
        problems = []
        if not self.min_voltage_v < self.max_voltage_v:
            problems.append(
                f"min_voltage_v={self.min_voltage_v} must be < max_voltage_v={self.max_voltage_v}"
            )
        soc = self.soc_breakpoints
        if soc[0] < 0.0 or soc[-1] > 1.0:
            problems.append(f"soc_breakpoints=[{soc[0]}, ..., {soc[-1]}] must lie in [0, 1]")
        for axis_name, axis in (
            ("soc_breakpoints", soc),
            ("temperature_breakpoints_degc", self.temperature_breakpoints_degc),
        ):
            problems += _not_increasing(axis_name, axis)
        count = len(self.temperature_breakpoints_degc)
        if len(self.capacity_ah_by_temperature) != count:
            problems.append(
                f"capacity_ah_by_temperature has {len(self.capacity_ah_by_temperature)} "
                f"values, must have one per temperature breakpoint ({count})"
            )
        if self.electrodes is not None:
            for side in ("negative", "positive"):
                times = getattr(self.electrodes, side).diffusion_time_s
                if len(times) != count:
                    problems.append(
                        f"electrodes.{side}.diffusion_time_s has {len(times)} values, must "
                        f"have one per temperature breakpoint ({count})"
                    )
        return problems

    def _named_tables(self, names: tuple[str, ...]) -> list[tuple[str, Table]]:
        """``names`` of the top-level tables and, where it has them, of the charge section."""
        tables = [(name, getattr(self, name)) for name in names]
        if self.charge is not None:
            tables += [
                (f"charge.{name}", getattr(self.charge, name))
                for name in names
                if name in ChargeCircuit.model_fields
            ]
        return [(name, table) for name, table in tables if table is not None]

    def _table_problems(self) -> list[str]:
        shape = (len(self.temperature_breakpoints_degc), len(self.soc_breakpoints))
        problems = []
        for name, table in self._named_tables(_TABLE_FIELDS):
            if len(table) != shape[0] or any(len(row) != shape[1] for row in table):
                got = f"{len(table)} rows of lengths {sorted({len(row) for row in table})}"
                problems.append(
                    f"{name} must have shape {shape} (temperatures, SoC breakpoints), got {got}"
                )
        return problems or self._value_problems()

    def _value_problems(self) -> list[str]:
        problems = []
        for name, table in self._named_tables(_POSITIVE_TABLE_FIELDS):
            bad = _first_where(table, lambda value: not value > 0.0)
            if bad is not None:
                problems.append(f"{name}[{bad[0]}][{bad[1]}]={table[bad[0]][bad[1]]} must be > 0")
        for row_index, row in enumerate(self.ocv_v):
            index = _first_decreasing(row)
            if index is not None:
                problems.append(
                    f"ocv_v[{row_index}][{index + 1}]={row[index + 1]} must be >= "
                    f"ocv_v[{row_index}][{index}]={row[index]} (non-decreasing in SoC)"
                )
                break
        fast_not_faster = [
            (t_index, s_index, tau1, tau2)
            for t_index, (fast, slow) in enumerate(zip(self.tau1_s, self.tau2_s, strict=True))
            for s_index, (tau1, tau2) in enumerate(zip(fast, slow, strict=True))
            if not tau1 < tau2
        ]
        if fast_not_faster:
            t_index, s_index, tau1, tau2 = fast_not_faster[0]
            problems.append(
                f"tau1_s[{t_index}][{s_index}]={tau1} must be < "
                f"tau2_s[{t_index}][{s_index}]={tau2} (pair 1 is the fast pair)"
            )
        return problems


def _not_increasing(axis_name: str, values: tuple[float, ...]) -> list[str]:
    """The problem with the first pair of ``values`` that does not increase, if any."""
    for index in range(len(values) - 1):
        if not values[index + 1] > values[index]:
            return [
                f"{axis_name}: element {index + 1} ({values[index + 1]}) must be > "
                f"element {index} ({values[index]}) (strictly increasing)"
            ]
    return []


def _first_rising(values: tuple[float, ...]) -> int | None:
    """Index ``i`` of the first pair with ``values[i + 1] > values[i]``, if any."""
    for index in range(len(values) - 1):
        if values[index + 1] > values[index]:
            return index
    return None


def _first_decreasing(values: tuple[float, ...]) -> int | None:
    """Index ``i`` of the first pair with ``values[i + 1] < values[i]``, if any."""
    for index in range(len(values) - 1):
        if values[index + 1] < values[index]:
            return index
    return None


def _first_where(
    table: tuple[tuple[float, ...], ...], predicate: Callable[[float], bool]
) -> tuple[int, int] | None:
    """(row, column) of the first element of ``table`` for which ``predicate`` holds."""
    for row_index, row in enumerate(table):
        for column_index, value in enumerate(row):
            if predicate(value) or not math.isfinite(value):
                return row_index, column_index
    return None
