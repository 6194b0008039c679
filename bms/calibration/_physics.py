"""Run PyBaMM's DFN model (lumped thermal) through the calibration tests and drive cycles.

ASIL: QM (calibration and validation tool; runs offline, never in the control path).
Requirements: SWR_CAL_001, SWR_CAL_002.

PyBaMM is imported inside each function: it belongs to the ``plant`` extra,
and the BMS runs without it. Every simulation uses the Doyle-Fuller-Newman
model with a lumped thermal model, ``DFN(options={"thermal": "lumped"})``,
with the ambient and initial temperatures as PyBaMM input parameters so that
one built model serves every temperature (DESIGN.md section 7).

Completing parameter sets. A set that lacks the current-collector and
thermal parameters the lumped thermal model needs (PyBaMM's ``Prada2013``,
the A123 ANR26650M1 LiFePO4/graphite cell of Prada et al., J. Electrochem.
Soc. 160 (2013) A616) is completed as follows, and the file's
``source.notes`` repeats it:

* current collectors (thickness, electrical and thermal conductivity,
  density, specific heat) and the electrode and separator densities,
  specific heats and thermal conductivities: the values of PyBaMM's
  ``Chen2020`` set (Chen et al., J. Electrochem. Soc. 167 (2020) 080534; the
  copper and aluminium values are the handbook values of the metals:
  8960 kg/m3, 385 J/kg/K, 401 W/m/K and 2700 kg/m3, 897 J/kg/K, 237 W/m/K);
  the positive-electrode density is Chen2020's NMC value (3262 kg/m3), an
  overestimate for LFP that raises the heat capacity;
* the cell volume and cooling surface of the 26650 format (26 mm diameter,
  65 mm height, IEC 61960 designation): 3.45e-5 m3 and 6.37e-3 m2;
* the total heat transfer coefficient: 10 W/m2/K (natural convection, the
  value of PyBaMM's Chen2020 set).

Only keys that the named set lacks are added; a set that has them (Chen2020,
Ecker2015, Marquis2019...) is used unchanged.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "COMPLETION_NOTE",
    "CellTestRecord",
    "PhysicsCell",
    "pybamm_version",
]

FloatArray = npt.NDArray[np.float64]

COMPLETION_DONOR = "Chen2020"
"""The PyBaMM set whose current-collector and thermal values complete a set that lacks them."""
FORMAT_26650 = MappingProxyType(
    {"Cell volume [m3]": 3.45e-5, "Cell cooling surface area [m2]": 6.37e-3}
)
"""Geometry of the 26650 cylindrical format (26 mm x 65 mm)."""
COMPLETION_NOTE = (
    "Parameters the set lacks for the lumped thermal model were completed: current "
    "collectors and layer densities, specific heats and thermal conductivities from "
    "PyBaMM's Chen2020 set (Chen et al., J. Electrochem. Soc. 167 (2020) 080534; Cu 8960 "
    "kg/m3, 385 J/kg/K, 401 W/m/K; Al 2700 kg/m3, 897 J/kg/K, 237 W/m/K; positive electrode "
    "3262 kg/m3, 700 J/kg/K), total heat transfer coefficient 10 W/m2/K (Chen2020), and for "
    "Prada2013 (A123 ANR26650M1, Prada et al., J. Electrochem. Soc. 160 (2013) A616) the "
    "26650 format's volume 3.45e-5 m3 and cooling surface 6.37e-3 m2."
)
"""Text written to a chemistry file's ``source.notes`` when keys were completed."""
DRIVE_CYCLE_MESH = MappingProxyType({"x_n": 8, "x_s": 5, "x_p": 8, "r_n": 10, "r_p": 10})
"""Finite-volume points of the drive-cycle runs: a third of PyBaMM's default cost; on
Chen2020 the terminal voltage after 300 s of UDDS differs from the default mesh by 0.2 mV."""
_LAYERS = (
    "Negative current collector",
    "Negative electrode",
    "Separator",
    "Positive electrode",
    "Positive current collector",
)


def pybamm_version() -> str:
    """The installed PyBaMM's version."""
    import pybamm  # noqa: PLC0415

    return str(pybamm.__version__)


@dataclass(frozen=True)
class CellTestRecord:
    """A simulated test: samples of time, current, terminal voltage and temperature."""

    time_s: FloatArray
    """Sample times from the start of the test."""
    current_a: FloatArray
    """Cell current, positive on discharge."""
    voltage_v: FloatArray
    """Terminal voltage."""
    temperature_degc: FloatArray
    """Volume-averaged cell temperature."""
    discharged_ah: FloatArray
    """Charge taken out since the start (negative when charged)."""
    step: npt.NDArray[np.int64]
    """Index of the experiment step each sample belongs to (-1 for a drive cycle)."""
    extra: Mapping[str, FloatArray] = field(default_factory=dict)
    """Further PyBaMM variables a drive cycle was asked for, by name (one value per sample)."""


def _evaluate(values: Any, key: str, temperature_k: float = 298.15) -> float:
    """The parameter ``key`` of the set ``values`` as a float, evaluated in that set.

    A function of temperature is evaluated at ``temperature_k``; an expression of other
    parameters (ORegan2022's layer densities and heat capacities, of its porosity) with
    their values in the same set.
    """
    import pybamm  # noqa: PLC0415

    value = values[key]
    if callable(value):
        value = value(pybamm.Scalar(temperature_k))
    if isinstance(value, pybamm.Symbol):
        value = values.evaluate(value)
    return float(np.asarray(value).reshape(-1)[0])


class PhysicsCell:
    """One PyBaMM parameter set in the DFN lumped-thermal model, with its built models cached.

    Args:
        parameter_set: a PyBaMM parameter-set name (``pybamm.parameter_sets``).

    Raises:
        ValueError: if PyBaMM has no such set (the message lists the known ones), or the
            set lacks parameters of the DFN (a half-cell, a composite electrode).
    """

    def __init__(self, parameter_set: str) -> None:
        import pybamm  # noqa: PLC0415

        known = sorted(pybamm.parameter_sets.keys())
        if parameter_set not in known:
            raise ValueError(
                f"unknown PyBaMM parameter set {parameter_set!r} (known: {', '.join(known)})"
            )
        self.parameter_set = parameter_set
        """The PyBaMM parameter-set name."""
        self._thermodynamic_capacity_ah: float | None = None
        self.completed_keys: tuple[str, ...] = ()
        """Keys added from the donor set (empty when the set was complete)."""
        self._values = self._complete(pybamm.ParameterValues(parameter_set))
        needed = pybamm.lithium_ion.DFN(options={"thermal": "lumped"}).get_parameter_info()
        lacking = sorted(key for key in needed if key not in self._values.keys())  # noqa: SIM118
        if lacking:
            raise ValueError(
                f"PyBaMM parameter set {parameter_set!r} lacks {len(lacking)} parameters of the "
                f"DFN bms runs (a full cell, one active material per electrode, lumped "
                f"thermal), first {lacking[0]!r}: a half-cell or a composite electrode does "
                "not fit it"
            )
        self.min_voltage_v = float(self._values["Lower voltage cut-off [V]"])
        """Lower cut-off voltage of the set."""
        self.max_voltage_v = float(self._values["Upper voltage cut-off [V]"])
        """Upper cut-off voltage of the set."""
        self.nominal_capacity_ah = float(self._values["Nominal cell capacity [A.h]"])
        """The set's nominal capacity (C-rates refer to it)."""

    def _complete(self, values: Any) -> Any:
        """Add the lumped thermal model's missing keys from the donor set (see module doc)."""
        import pybamm  # noqa: PLC0415

        donor = pybamm.ParameterValues(COMPLETION_DONOR)
        wanted = [*FORMAT_26650, "Total heat transfer coefficient [W.m-2.K-1]"]
        for layer in _LAYERS:
            wanted += [
                f"{layer} density [kg.m-3]",
                f"{layer} specific heat capacity [J.kg-1.K-1]",
                f"{layer} thermal conductivity [W.m-1.K-1]",
            ]
        for side in ("Negative", "Positive"):
            wanted += [
                f"{side} current collector thickness [m]",
                f"{side} current collector conductivity [S.m-1]",
            ]
        missing = [key for key in wanted if key not in values.keys()]  # noqa: SIM118 - not a dict
        if missing:
            additions = {key: FORMAT_26650.get(key, donor[key]) for key in missing}
            values.update(additions, check_already_exists=False)
            self.completed_keys = tuple(missing)
        return values

    def thermal_summary(self) -> dict[str, float]:
        """Mass, specific heat and heat conductance to ambient of the lumped cell.

        Computed from the layers' thicknesses, densities and specific heats
        (volume-averaged over the electrode stack, as PyBaMM's lumped model
        does) times the cell volume; the conductance is the heat transfer
        coefficient times the cooling surface.
        """
        values = self._values
        thickness = [float(values[f"{layer} thickness [m]"]) for layer in _LAYERS]
        density = [_evaluate(values, f"{layer} density [kg.m-3]") for layer in _LAYERS]
        heat = [
            _evaluate(values, f"{layer} specific heat capacity [J.kg-1.K-1]") for layer in _LAYERS
        ]
        total = sum(thickness)
        rho = sum(t * d for t, d in zip(thickness, density, strict=True)) / total
        rho_c = sum(t * d * c for t, d, c in zip(thickness, density, heat, strict=True)) / total
        volume = float(values["Cell volume [m3]"])
        conductance = _evaluate(values, "Total heat transfer coefficient [W.m-2.K-1]") * float(
            values["Cell cooling surface area [m2]"]
        )
        return {
            "mass_kg": rho * volume,
            "specific_heat_j_per_kg_k": rho_c / rho,
            "heat_transfer_w_per_k": conductance,
        }

    def initial_state_for_soc(self, soc: float, nominal_capacity_ah: float) -> float:
        """PyBaMM's initial state of charge for a chemistry file's SoC.

        A chemistry file's SoC is ``1 - discharged / nominal_capacity_ah`` from
        PyBaMM's 100 % (see :mod:`bms.calibration._calibrate`); PyBaMM's own
        state runs linearly in stoichiometry over its thermodynamic capacity
        between the OCV limits, computed here from the negative electrode's
        concentrations at 0 % and 100 %.
        """
        capacity_ah = self._thermodynamic_capacity()
        return float(np.clip(1.0 - (1.0 - soc) * nominal_capacity_ah / capacity_ah, 0.0, 1.0))

    def electrodes(
        self, nominal_capacity_ah: float, temperatures_degc: list[float]
    ) -> dict[str, Any]:
        """The chemistry file's ``electrodes`` section (:mod:`bms.calibration._electrodes`)."""
        from bms.calibration._electrodes import electrode_section  # noqa: PLC0415

        source = (
            f"PyBaMM {pybamm_version()} set {self.parameter_set}: each electrode's OCP "
            "function and particle R^2/D"
        )
        return electrode_section(
            self._values,
            self._thermodynamic_capacity(),
            nominal_capacity_ah,
            temperatures_degc,
            source,
        )

    def _thermodynamic_capacity(self) -> float:
        """:meth:`_capacity_between_ocv_limits`, computed once (until :meth:`age`)."""
        if self._thermodynamic_capacity_ah is None:
            self._thermodynamic_capacity_ah = self._capacity_between_ocv_limits()
        return self._thermodynamic_capacity_ah

    def _capacity_between_ocv_limits(self) -> float:
        """PyBaMM's charge between its 0 % and 100 % states (negative electrode)."""
        key = "Initial concentration in negative electrode [mol.m-3]"
        full = self._values.set_initial_state(1.0, inplace=False)
        empty = self._values.set_initial_state(0.0, inplace=False)
        values = self._values
        volume = (
            _evaluate(values, "Negative electrode active material volume fraction")
            * float(values["Negative electrode thickness [m]"])
            * float(values["Electrode height [m]"])
            * float(values["Electrode width [m]"])
            * float(values["Number of electrodes connected in parallel to make a cell"])
        )
        faraday = 96485.33212
        return abs(_evaluate(full, key) - _evaluate(empty, key)) * volume * faraday / 3600.0

    def age(self, capacity_fraction: float) -> None:
        """Age the cell to ``capacity_fraction`` of its capacity by loss of electrode area.

        Every later run uses an electrode width (and nominal capacity) scaled
        by ``capacity_fraction``: the cell loses that share of its active area
        on both electrodes alike (loss of active material with the
        stoichiometry windows kept), so its capacity scales by the fraction,
        its OCV against the normalised charge is unchanged (the chemistry
        file's OCV table still holds) and its resistances rise by the inverse
        fraction (the same current over a smaller area), the two symptoms of
        ageing that SoH estimation must see. The simplest ageing a parameter
        set expresses without a degradation model.

        Raises:
            ValueError: unless ``0 < capacity_fraction <= 1``.
        """
        if not 0.0 < capacity_fraction <= 1.0:
            raise ValueError(f"capacity_fraction={capacity_fraction} must be in (0, 1]")
        width = float(self._values["Electrode width [m]"])
        self._values.update(
            {
                "Electrode width [m]": width * capacity_fraction,
                "Nominal cell capacity [A.h]": self.nominal_capacity_ah * capacity_fraction,
            }
        )
        self.nominal_capacity_ah *= capacity_fraction
        self._thermodynamic_capacity_ah = None

    def set_heat_transfer(self, coefficient_w_per_m2_k: float) -> None:
        """Set the total heat transfer coefficient of every later run (a climate chamber)."""
        self._values.update({"Total heat transfer coefficient [W.m-2.K-1]": coefficient_w_per_m2_k})

    def _input_values(self, min_voltage_v: float, max_voltage_v: float) -> Any:
        """The parameter values with temperatures as inputs and the cut-offs widened."""
        values = self._values.copy()
        values.update(
            {
                "Ambient temperature [K]": "[input]",
                "Initial temperature [K]": "[input]",
                "Lower voltage cut-off [V]": min_voltage_v,
                "Upper voltage cut-off [V]": max_voltage_v,
            }
        )
        return values

    def run_experiment(
        self,
        steps: list[str],
        ambient_degc: float,
        initial_soc: float | str,
        period_s: float,
        voltage_window_v: tuple[float, float],
    ) -> CellTestRecord:
        """Run a list of PyBaMM experiment steps at an ambient temperature.

        Args:
            steps: PyBaMM experiment step strings.
            ambient_degc: ambient and initial cell temperature.
            initial_soc: PyBaMM's initial state of charge (fraction or ``"x V"``).
            period_s: output period.
            voltage_window_v: model cut-offs (wider than the steps' own limits).

        Returns:
            The samples of every step, in order.
        """
        import pybamm  # noqa: PLC0415

        kelvin = ambient_degc + 273.15
        model = pybamm.lithium_ion.DFN(options={"thermal": "lumped"})
        # PyBaMM's experiments control the ambient temperature themselves and
        # refuse it as an input parameter: set it on the experiment, and the
        # initial temperature in the values (one build per temperature).
        experiment = pybamm.Experiment(steps, period=f"{period_s:g} seconds", temperature=kelvin)
        values = self._input_values(*voltage_window_v)
        values.update({"Ambient temperature [K]": kelvin, "Initial temperature [K]": kelvin})
        simulation = pybamm.Simulation(model, experiment=experiment, parameter_values=values)
        solution = simulation.solve(initial_soc=initial_soc)
        return _record(solution)

    def drive_cycle(  # noqa: PLR0913 - a profile, its conditions and two output options
        self,
        time_s: FloatArray,
        current_a: FloatArray,
        ambient_degc: float,
        initial_soc: float,
        *,
        output_s: FloatArray | None = None,
        extra_variables: tuple[str, ...] = (),
    ) -> CellTestRecord:
        """Run a current profile (linear between samples) from rest at ``initial_soc``.

        The profile becomes a PyBaMM linear interpolant (the current ramps
        between samples; the record's ``current_a`` is what the cell really
        carried, so a sensor model fed from the record stays consistent); the
        solver reports at the samples and at ``output_s`` (for example every
        0.1 s), and stops early if a voltage limit 0.1 V beyond the
        set's is crossed (the record then ends there). ``initial_soc`` is PyBaMM's.
        ``extra_variables``: PyBaMM variables of one value per time (for example an
        electrode's X-averaged potential) to keep in the record's ``extra``.
        """
        import pybamm  # noqa: PLC0415

        if time_s.ndim != 1 or time_s.shape != current_a.shape or time_s.size < 2:
            raise ValueError("time_s and current_a must be 1-D, of equal length >= 2")
        values = self._values.copy()
        # the initial state first: PyBaMM's initial-state solve wants no unset inputs
        values.set_initial_state(initial_soc)
        values.update(
            {
                "Ambient temperature [K]": "[input]",
                "Initial temperature [K]": "[input]",
                "Lower voltage cut-off [V]": self.min_voltage_v - 0.1,
                "Upper voltage cut-off [V]": self.max_voltage_v + 0.1,
            }
        )
        current = pybamm.Interpolant(time_s, current_a, pybamm.t, interpolator="linear")
        values.update({"Current function [A]": current})
        model = pybamm.lithium_ion.DFN(options={"thermal": "lumped"})
        solver = pybamm.IDAKLUSolver()
        simulation = pybamm.Simulation(
            model, parameter_values=values, solver=solver, var_pts=dict(DRIVE_CYCLE_MESH)
        )
        kelvin = ambient_degc + 273.15
        stops = time_s if output_s is None else np.union1d(time_s, output_s)
        solution = simulation.solve(
            [float(time_s[0]), float(time_s[-1])],
            t_interp=stops,
            inputs={"Ambient temperature [K]": kelvin, "Initial temperature [K]": kelvin},
        )
        record = _record(solution)
        if not extra_variables:
            return record
        extra = {name: np.asarray(solution[name].entries, np.float64) for name in extra_variables}
        return replace(record, extra=extra)


def _record(solution: Any) -> CellTestRecord:
    """The samples of a PyBaMM solution (every sub-solution of an experiment, in order)."""
    steps = getattr(solution, "cycles", None)
    parts = []
    sub_solutions = [s for cycle in steps for s in cycle.steps] if steps else [solution]
    for index, part in enumerate(sub_solutions):
        parts.append(
            (
                part["Time [s]"].entries,
                part["Current [A]"].entries,
                part["Terminal voltage [V]"].entries,
                part["Volume-averaged cell temperature [C]"].entries,
                part["Discharge capacity [A.h]"].entries,
                np.full(part["Time [s]"].entries.shape, index if steps else -1, dtype=np.int64),
            )
        )
    columns = [np.concatenate([p[k] for p in parts]) for k in range(6)]
    return CellTestRecord(
        time_s=columns[0].astype(np.float64),
        current_a=columns[1].astype(np.float64),
        voltage_v=columns[2].astype(np.float64),
        temperature_degc=columns[3].astype(np.float64),
        discharged_ah=columns[4].astype(np.float64),
        step=columns[5].astype(np.int64),
    )
