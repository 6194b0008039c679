"""Closed-loop test rig: the equivalent-circuit pack plant, its sensors, contactors and link.

ASIL: QM (a verification tool: the fault-injection campaign's plant; the BMS
never imports it). Requirements: SWR_CTRL_FAULTS_001.

Wraps :class:`bms.plant.PackSimulator` (one cell of the chemistry per series
position; the pack current is divided by the parallel count) with what a
controller sees: cell voltages with noise, one temperature sensor per group
of cells, two current sensors with their own gain, offset and noise (inside
their configured accuracy), the pack voltage, a DC link charged through the
precharge resistor or the main contactor and discharged actively when open,
contactor feedback that follows the coil command after a mechanical delay,
an isolation monitor reading every 100 ms, and the vehicle's E2E-protected
CAN frames as the bus delivers them (``VCU_Command`` every 100 ms,
``VCU_Crash`` every 20 ms, each with its alive counter and CRC-8, encoded by
:mod:`bms.can`). Runs of the ``drive_charge`` usage follow a mission
(:class:`MissionProfile`): drive, park, charge constant current then
constant voltage to the end of charge, rest while the BMS balances, with the
vehicle's thermal system following the BMS's thermal request and the
commanded cells bleeding. Everything is seeded and deterministic.
"""

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from bms.can import (
    CrashSignal,
    VehicleCommand,
    encode_crash,
    encode_vehicle_command,
    next_counter,
    protected_message,
)
from bms.cell import Chemistry
from bms.config import BmsConfig
from bms.controller import (
    COMMAND_MESSAGE,
    CRASH_MESSAGE,
    CanFrameInput,
    ContactorCommandOutput,
    ContactorFeedbackInput,
    ControllerInputs,
    FreshFlags,
)
from bms.plant import PackSimulator, PackSpread

__all__ = ["MISSION", "MissionProfile", "OperatingPoint", "PackRig", "RigParameters"]


_FRESH = FreshFlags()
"""Every group fresh: a step with an isolation reading."""
_ISOLATION_NOT_FRESH = FreshFlags(isolation=False)
"""A step between two isolation readings."""


@cache
def _command_frame(close_request: bool, counter: int) -> CanFrameInput:
    """The vehicle's ``VCU_Command`` (30 distinct frames: encoded once each)."""
    command = VehicleCommand(close_request=close_request, reset_request=False)
    frame = encode_vehicle_command(command, counter)
    return CanFrameInput(arbitration_id=frame.arbitration_id, data_hex=frame.data.hex())


@cache
def _crash_frame(crash_detected: bool, counter: int) -> CanFrameInput:
    """The airbag controller's ``VCU_Crash`` (30 distinct frames: encoded once each)."""
    frame = encode_crash(CrashSignal(crash_detected), counter)
    return CanFrameInput(arbitration_id=frame.arbitration_id, data_hex=frame.data.hex())


@dataclass(frozen=True)
class OperatingPoint:
    """How the vehicle uses the pack in a run."""

    name: str
    """``driving``, ``charging``, ``standstill`` or ``drive_charge`` (the mission of
    :class:`MissionProfile`: drive, park, charge to the end of charge, rest)."""
    ambient_degc: float
    """Ambient (and initial cell) temperature."""
    initial_soc: float
    """Mean initial SoC of the cells."""

    def pack_current_a(self, time_s: float) -> float:
        """Demanded pack current at ``time_s`` (positive discharges) while connected."""
        if self.name in {"driving", MISSION}:
            return (
                40.0
                + 30.0 * math.sin(2.0 * math.pi * time_s / 20.0)
                + 20.0 * math.sin(2.0 * math.pi * time_s / 3.7)
            )
        if self.name == "charging":
            return -40.0
        return 0.0


MISSION = "drive_charge"
"""The usage of a fault-free mission: drive, park, charge CC-CV to the end of charge, rest."""


@dataclass(frozen=True)
class MissionProfile:
    """The ``drive_charge`` mission of one drive (from power-up), and the vehicle around it.

    Drive (the driving profile) for ``drive_s``; park (close request dropped,
    no current) for ``park_s``; plug in and charge: constant current
    ``charge_current_a`` (never above the BMS's charge limit) until the
    highest true cell voltage reaches the end-of-charge voltage (the
    chemistry's maximum, at most the over-voltage warning tier minus
    ``cv_margin_v``), then constant voltage: the charger's integrator lowers
    its current to hold that voltage, and the charge ends once it is below
    ``cutoff_a`` at the end-of-charge voltage; then rest with the contactors
    open (the BMS balances at rest) until the drive's end. Throughout, the
    vehicle's thermal system follows the BMS's thermal request (the cells
    exchange heat with a coolant at ``heater_degc`` or ``chiller_degc``
    instead of the ambient), and each bleeding group discharges at
    ``bleed_current_a``.
    """

    drive_s: float = 600.0
    """Driving time from power-up."""
    park_s: float = 60.0
    """Parking time between the drive and the charge."""
    charge_current_a: float = 80.0
    """Constant-current phase (pack current magnitude; 0.8 C on the 100 Ah pack)."""
    cv_margin_v: float = 0.02
    """End-of-charge voltage below the over-voltage warning tier, at least."""
    cutoff_a: float = 5.0
    """The charge ends when the constant-voltage current falls below this (C/20)."""
    cv_gain_a_per_v: float = 100.0
    """Charger integrator: current change per step and per volt of error."""
    cv_band_v: float = 0.005
    """The charge can end only with the highest cell within this of the end-of-charge voltage."""
    heater_degc: float = 30.0
    """Coolant temperature while the BMS requests heating."""
    chiller_degc: float = 15.0
    """Coolant temperature while the BMS requests cooling."""
    bleed_current_a: float = 0.2
    """Balancing current of one bleeding series group (shared by its parallel cells; the
    balancing benchmark's value)."""


@dataclass(frozen=True)
class RigParameters:
    """Physical parameters of the rig outside the cells (values of a typical 400 V pack)."""

    precharge_resistor_ohm: float = 50.0
    """Precharge resistor."""
    link_capacitance_f: float = 0.003
    """DC link capacitance (time constant with the resistor: 150 ms)."""
    active_discharge_tau_s: float = 0.015
    """Time constant of the link's active discharge when disconnected."""
    contactor_delay_ms: int = 20
    """Mechanical delay of every contactor, closing and opening (< configured opening time)."""
    voltage_noise_v: float = 0.002
    """Cell voltage noise, rms."""
    temperature_noise_k: float = 0.02
    """Temperature noise, rms (filtered NTC channel)."""
    shunt: tuple[float, float, float] = (0.001, 0.05, 0.05)
    """Shunt gain error, offset (A) and noise (A rms)."""
    hall: tuple[float, float, float] = (0.003, -0.3, 0.2)
    """Hall sensor gain error, offset (A) and noise (A rms)."""
    isolation_ohm: float = 2.0e6
    """Healthy insulation resistance."""
    message_period_steps: int = 10
    """Vehicle messages and isolation readings arrive every this many steps."""
    mission: MissionProfile = field(default_factory=MissionProfile)
    """The ``drive_charge`` mission (only runs of that usage follow it)."""


@dataclass
class PackRig:
    """The plant around the controller; :meth:`frame` then :meth:`advance` each step."""

    config: BmsConfig
    """The pack configuration (counts and period)."""
    chemistry: Chemistry
    """The cell type the plant simulates."""
    point: OperatingPoint
    """Usage of the run."""
    seed: int = 0
    """Seed of every random draw."""
    parameters: RigParameters = field(default_factory=RigParameters)
    """Physical parameters."""

    def __post_init__(self) -> None:
        """Build the plant at rest with every contactor open."""
        pack = self.config.pack
        self.simulator = PackSimulator(
            self.chemistry,
            pack.series_count,
            spread=PackSpread(capacity_pct=2.0, resistance_pct=3.0, initial_soc_pct=1.0),
            initial_soc=self.point.initial_soc,
            ambient_degc=self.point.ambient_degc,
            seed=self.seed,
        )
        self.rng = np.random.default_rng(self.seed + 1)
        self.step_count = 0
        self.time_ms = 0
        self.link_v = 0.0
        self.current_a = 0.0
        self.closed = ContactorFeedbackInput()
        self.pending: dict[str, tuple[bool, int]] = {}
        self.truth = self.simulator.measure(0.0)
        self.override_current_a: float | None = None
        """A demanded pack current that replaces the operating point's (fault injection)."""
        self.limits_a = (0.0, 0.0)
        """The BMS's last (charge, discharge) current limits, which the vehicle obeys."""
        self.crash_detected = False
        """What the airbag controller sends in ``VCU_Crash`` (fault injection)."""
        self.close_override: bool | None = None
        """A close request that replaces the campaign's (``None``: no override)."""
        self.dropped: frozenset[str] = frozenset()
        """Contactors that drop out (open whatever their coil command; fault injection)."""
        self.counters = (0, 0)
        """Alive counters of the next ``VCU_Command`` and ``VCU_Crash``."""
        self.thermal_request = "off"
        """The BMS's last thermal request (``off``, ``heat``, ``cool``; missions follow it)."""
        self.bleeding: tuple[bool, ...] = ()
        """The BMS's last balancing command, one flag per series group (missions bleed)."""
        self.phase = "drive"
        """Phase of the mission: ``drive``, ``park``, ``charge`` or ``rest``."""
        self.charger_a = 0.0
        """Current the charger delivers while connected (magnitude)."""
        self.end_of_charge_ms: int | None = None
        """When the mission's charge ended (CV current below the cut-off)."""
        self.end_of_charge_v = min(
            self.chemistry.max_voltage_v,
            self.config.protection.cell_voltage.over_warning_v
            - self.parameters.mission.cv_margin_v,
        )
        """The mission's constant-voltage target for the highest cell."""
        self.peak_cell_v = float(self.truth.cell_voltages_v.max())
        """Highest true cell voltage so far."""

    @property
    def pack_voltage_v(self) -> float:
        """True pack voltage."""
        return float(self.truth.cell_voltages_v.sum())

    def frame(self, close_request: bool) -> ControllerInputs:
        """What the controller reads this step (before any sensor-level fault injection)."""
        pack, params = self.config.pack, self.parameters
        noise = self.rng.standard_normal(pack.series_count + pack.temperature_sensor_count + 2)
        volts = self.truth.cell_voltages_v + params.voltage_noise_v * noise[: pack.series_count]
        group = pack.series_count // pack.temperature_sensor_count
        temps = self.truth.cell_temperatures_degc[::group][: pack.temperature_sensor_count]
        temps = temps + params.temperature_noise_k * noise[pack.series_count : -2]
        currents = (
            float(
                self.current_a * (1.0 + params.shunt[0])
                + params.shunt[1]
                + params.shunt[2] * noise[-2]
            ),
            float(
                self.current_a * (1.0 + params.hall[0])
                + params.hall[1]
                + params.hall[2] * noise[-1]
            ),
        )
        message = self.step_count % params.message_period_steps == 0
        if self.point.name == MISSION:  # the mission decides when the vehicle connects
            close_request = self.phase in {"drive", "charge"}
        can_rx = self._vehicle_frames(
            close_request if self.close_override is None else self.close_override
        )
        # model_construct: every field is given and of its declared type (plain ints, floats,
        # bools and the rig's own models), so the 130-float validation is skipped (speed only).
        return ControllerInputs.model_construct(
            time_ms=self.time_ms,
            cell_voltages_v=tuple(volts.tolist()),
            cell_temperatures_degc=tuple(temps.tolist()),
            current_a=currents,
            pack_voltage_v=self.pack_voltage_v,
            link_voltage_v=self.link_v,
            isolation_resistance_ohm=params.isolation_ohm,
            contactor_feedback=self.closed,
            can_rx=can_rx,
            fresh=_FRESH if message else _ISOLATION_NOT_FRESH,
        )

    def _vehicle_frames(self, close_request: bool) -> tuple[CanFrameInput, ...]:
        """The vehicle's frames due this step, each at its DBC period, counters advanced."""
        period_ms = self.config.pack.protection_period_ms
        command_every = max(protected_message(COMMAND_MESSAGE).period_ms // period_ms, 1)
        crash_every = max(protected_message(CRASH_MESSAGE).period_ms // period_ms, 1)
        command_counter, crash_counter = self.counters
        frames: list[CanFrameInput] = []
        if self.step_count % command_every == 0:
            frames.append(_command_frame(close_request, command_counter))
            command_counter = next_counter(command_counter)
        if self.step_count % crash_every == 0:
            frames.append(_crash_frame(self.crash_detected, crash_counter))
            crash_counter = next_counter(crash_counter)
        self.counters = (command_counter, crash_counter)
        return tuple(frames)

    def _mechanics(self, commands: ContactorCommandOutput) -> None:
        """Each contactor follows its coil command after the mechanical delay."""
        delay = self.parameters.contactor_delay_ms
        closed = self.closed
        state = {
            "main_positive": closed.main_positive_closed,
            "main_negative": closed.main_negative_closed,
            "precharge": closed.precharge_closed,
        }
        wanted_by_name = (
            ("main_positive", commands.main_positive),
            ("main_negative", commands.main_negative),
            ("precharge", commands.precharge),
        )
        changed = False
        for name, wanted in wanted_by_name:  # loop-bound: three contactors
            if state[name] == wanted:
                self.pending.pop(name, None)
                continue
            since_ms = self.pending.setdefault(name, (wanted, self.time_ms))[1]
            if self.pending[name][0] != wanted:
                self.pending[name] = (wanted, self.time_ms)
            elif self.time_ms - since_ms >= delay:
                state[name] = wanted
                changed = True
                self.pending.pop(name)
        if changed:  # a new feedback model only when a contact moved (speed only)
            self.closed = ContactorFeedbackInput(
                main_positive_closed=state["main_positive"],
                main_negative_closed=state["main_negative"],
                precharge_closed=state["precharge"],
            )

    def advance(
        self, commands: ContactorCommandOutput, welded: frozenset[str] = frozenset()
    ) -> None:
        """Apply the controller's commands and step the plant by one period."""
        period_ms = self.config.pack.protection_period_ms
        before = self.closed.model_dump() if welded else {}
        self._mechanics(commands)
        if welded:  # a welded contactor that was closed stays closed whatever its command
            state = self.closed.model_dump()
            for name in welded:
                state[f"{name}_closed"] = state[f"{name}_closed"] or before[f"{name}_closed"]
            self.closed = ContactorFeedbackInput(**state)
        if self.dropped:  # a contactor that drops out is open whatever its coil command
            state = self.closed.model_dump()
            for name in self.dropped:
                state[f"{name}_closed"] = False
            self.closed = ContactorFeedbackInput(**state)
        dt_s = period_ms / 1000.0
        pack_v = self.pack_voltage_v
        closed = self.closed
        params = self.parameters
        connected = closed.main_negative_closed and closed.main_positive_closed
        if connected:
            self.link_v = pack_v
            demand = self._demand_a()
            charge_limit_a, discharge_limit_a = self.limits_a
            self.current_a = min(max(demand, -charge_limit_a), discharge_limit_a)
            if self.override_current_a is not None:  # a fault: the vehicle ignores the limits
                self.current_a = self.override_current_a
        elif closed.main_negative_closed and closed.precharge_closed:
            tau_s = params.precharge_resistor_ohm * params.link_capacitance_f
            self.current_a = (pack_v - self.link_v) / params.precharge_resistor_ohm
            self.link_v += (pack_v - self.link_v) * (1.0 - math.exp(-dt_s / tau_s))
        else:
            self.current_a = 0.0
            self.link_v *= math.exp(-dt_s / params.active_discharge_tau_s)
        cell_a = self.current_a / self.config.pack.parallel_count
        if self.point.name == MISSION:
            self._step_mission(cell_a, dt_s, connected=connected)
        else:
            self.truth = self.simulator.step(cell_a, dt_s)
        self.step_count += 1
        self.time_ms += period_ms

    def _demand_a(self) -> float:
        """What the vehicle (or the charger) draws while connected; positive discharges."""
        if self.point.name != MISSION or self.phase == "drive":
            return self.point.pack_current_a(self.time_ms / 1000.0)
        return -self.charger_a if self.phase == "charge" else 0.0

    def _step_mission(self, cell_a: float, dt_s: float, *, connected: bool) -> None:
        """Step a mission's plant (coolant, bleeding) and its phase and charger."""
        mission, pack = self.parameters.mission, self.config.pack
        coolant = {"heat": mission.heater_degc, "cool": mission.chiller_degc}
        self.simulator.ambient_degc = coolant.get(self.thermal_request, self.point.ambient_degc)
        if len(self.bleeding) == pack.series_count and any(self.bleeding):
            bleed = np.asarray(self.bleeding, dtype=np.float64) * (
                mission.bleed_current_a / pack.parallel_count
            )
            self.truth = self.simulator.step(cell_a, dt_s, bleed)
        else:
            self.truth = self.simulator.step(cell_a, dt_s)
        highest_v = float(self.truth.cell_voltages_v.max())
        self.peak_cell_v = max(self.peak_cell_v, highest_v)
        time_s = (self.time_ms + pack.protection_period_ms) / 1000.0
        if self.phase == "drive" and time_s >= mission.drive_s:
            self.phase = "park"
        elif self.phase == "park" and time_s >= mission.drive_s + mission.park_s:
            self.phase, self.charger_a = "charge", 0.0
        elif self.phase == "charge" and connected:
            wanted = self.charger_a + mission.cv_gain_a_per_v * (self.end_of_charge_v - highest_v)
            ceiling = min(mission.charge_current_a, self.limits_a[0])
            self.charger_a = min(max(wanted, 0.0), max(ceiling, 0.0))
            at_voltage = highest_v >= self.end_of_charge_v - mission.cv_band_v
            if at_voltage and self.charger_a < mission.cutoff_a:
                self.phase, self.end_of_charge_ms = "rest", self.time_ms + pack.protection_period_ms
