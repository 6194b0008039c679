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
:mod:`bms.can`). Everything is seeded and deterministic.
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

__all__ = ["OperatingPoint", "PackRig", "RigParameters"]


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
    """``driving``, ``charging`` or ``standstill``."""
    ambient_degc: float
    """Ambient (and initial cell) temperature."""
    initial_soc: float
    """Mean initial SoC of the cells."""

    def pack_current_a(self, time_s: float) -> float:
        """Demanded pack current at ``time_s`` (positive discharges) while connected."""
        if self.name == "driving":
            return (
                40.0
                + 30.0 * math.sin(2.0 * math.pi * time_s / 20.0)
                + 20.0 * math.sin(2.0 * math.pi * time_s / 3.7)
            )
        if self.name == "charging":
            return -40.0
        return 0.0


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

    @property
    def pack_voltage_v(self) -> float:
        """True pack voltage."""
        return float(np.sum(self.truth.cell_voltages_v))

    def frame(self, close_request: bool) -> ControllerInputs:
        """What the controller reads this step (before any sensor-level fault injection)."""
        pack, params = self.config.pack, self.parameters
        noise = self.rng.standard_normal(pack.series_count + pack.temperature_sensor_count + 2)
        volts = self.truth.cell_voltages_v + params.voltage_noise_v * noise[: pack.series_count]
        group = pack.series_count // pack.temperature_sensor_count
        temps = self.truth.cell_temperatures_degc[::group][: pack.temperature_sensor_count]
        temps = temps + params.temperature_noise_k * noise[pack.series_count : -2]
        currents = (
            self.current_a * (1.0 + params.shunt[0])
            + params.shunt[1]
            + params.shunt[2] * noise[-2],
            self.current_a * (1.0 + params.hall[0]) + params.hall[1] + params.hall[2] * noise[-1],
        )
        message = self.step_count % params.message_period_steps == 0
        can_rx = self._vehicle_frames(
            close_request if self.close_override is None else self.close_override
        )
        return ControllerInputs(
            time_ms=self.time_ms,
            cell_voltages_v=tuple(volts.tolist()),
            cell_temperatures_degc=tuple(temps.tolist()),
            current_a=currents,
            pack_voltage_v=self.pack_voltage_v,
            link_voltage_v=self.link_v,
            isolation_resistance_ohm=params.isolation_ohm,
            contactor_feedback=self.closed,
            can_rx=can_rx,
            fresh=FreshFlags(isolation=message),
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
        state = self.closed.model_dump()
        for name, wanted in commands.model_dump().items():
            key = f"{name}_closed"
            if state[key] == wanted:
                self.pending.pop(name, None)
                continue
            since_ms = self.pending.setdefault(name, (wanted, self.time_ms))[1]
            if self.pending[name][0] != wanted:
                self.pending[name] = (wanted, self.time_ms)
            elif self.time_ms - since_ms >= delay:
                state[key] = wanted
                self.pending.pop(name)
        self.closed = ContactorFeedbackInput(**state)

    def advance(
        self, commands: ContactorCommandOutput, welded: frozenset[str] = frozenset()
    ) -> None:
        """Apply the controller's commands and step the plant by one period."""
        period_ms = self.config.pack.protection_period_ms
        before = self.closed.model_dump()
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
        if closed.main_negative_closed and closed.main_positive_closed:
            self.link_v = pack_v
            demand = self.point.pack_current_a(self.time_ms / 1000.0)
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
        self.truth = self.simulator.step(self.current_a / self.config.pack.parallel_count, dt_s)
        self.step_count += 1
        self.time_ms += period_ms
