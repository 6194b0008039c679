"""Benchmark of one controller step for the 96-cell reference pack, and of the closed loop.

Prints one JSON object:

* ``controller``: the median and 99th-percentile wall-clock and CPU (thread)
  time of :meth:`bms.controller.BmsController.step` over a connected,
  driving-like run (protection and the E2E receiver of ``VCU_Command`` and
  ``VCU_Crash`` every step, CAN frames every tenth step, and the SoC filter
  every tenth step when ``--chemistry`` names a shipped chemistry), and the
  headroom against the 10 ms period. Issue 4's target: a step fits many
  times over in 10 ms (``meets_target``: median CPU time at most 1 ms, a
  headroom of 10).
* ``closed_loop``: the CPU time per 10 ms step of the fault campaign's loop
  (``bms.faults.PackRig`` frame, controller step, plant step; NMC_Chen2020
  plant) split into its parts, and what that predicts for 10 hours of
  fault-free driving and charging (3.6 million steps) on one and on two
  worker processes.

The machine's load average is printed too: other jobs may share its cores
(CPU times are less disturbed than wall-clock times, but not immune).

Usage: ``python verification/bench/bench_controller.py [--steps N] [--chemistry NAME]``
"""

import argparse
import json
import math
import os
import statistics
import time

from bms.can import CrashSignal, VehicleCommand, encode_crash, encode_vehicle_command
from bms.cell import chemistry_names, load_chemistry
from bms.config import load_config
from bms.controller import BmsController, CanFrameInput, ContactorFeedbackInput, ControllerInputs
from bms.faults import OperatingPoint, PackRig

PERIOD_MS = 10
TARGET_CPU_MS = 1.0
FAULT_FREE_STEPS_10_H = 10 * 3600 * 1000 // PERIOD_MS


def _vehicle(step: int) -> tuple[CanFrameInput, ...]:
    """The vehicle's command (every 10th step) and crash (every 2nd step) frames."""
    frames = []
    if step % 10 == 0:
        frames.append(encode_vehicle_command(VehicleCommand(True, False), (step // 10) % 15))
    if step % 2 == 0:
        frames.append(encode_crash(CrashSignal(False), (step // 2) % 15))
    return tuple(
        CanFrameInput(arbitration_id=f.arbitration_id, data_hex=f.data.hex()) for f in frames
    )


def _frame(step: int, outputs_closed: bool, negative_closed: bool) -> ControllerInputs:
    """A frame of an ideal plant: the link is up while main negative is closed."""
    current_a = 40.0 + 30.0 * math.sin(step / 300.0) if outputs_closed else 0.0
    feedback = ContactorFeedbackInput(
        main_positive_closed=outputs_closed, main_negative_closed=negative_closed
    )
    return ControllerInputs(
        time_ms=step * PERIOD_MS,
        cell_voltages_v=tuple(3.7 + 0.001 * ((step + i) % 13) for i in range(96)),
        cell_temperatures_degc=tuple(25.0 + 0.01 * ((step + i) % 7) for i in range(32)),
        current_a=(current_a, current_a + 0.3),
        pack_voltage_v=355.0,
        link_voltage_v=355.0 if negative_closed else 0.0,
        isolation_resistance_ohm=2.0e6,
        contactor_feedback=feedback,
        can_rx=_vehicle(step),
    )


def _controller(steps: int, chemistry_name: str | None) -> dict[str, object]:
    chemistry = None
    if chemistry_name is not None and chemistry_name in chemistry_names():
        chemistry = load_chemistry(chemistry_name)
    controller = BmsController(load_config(), chemistry=chemistry)
    wall, cpu = [], []
    closed = negative = False
    for step in range(steps):
        frame = _frame(step, closed, negative)
        start_wall, start_cpu = time.perf_counter(), time.thread_time()
        outputs = controller.step(frame)
        cpu.append((time.thread_time() - start_cpu) * 1000.0)
        wall.append((time.perf_counter() - start_wall) * 1000.0)
        closed = outputs.contactors.main_positive
        negative = outputs.contactors.main_negative
    cpu_sorted, wall_sorted = sorted(cpu), sorted(wall)
    p99 = int(0.99 * (len(cpu) - 1))
    median_cpu = statistics.median(cpu)
    return {
        "steps": steps,
        "estimation": chemistry.name if chemistry is not None else None,
        "median_wall_ms": round(statistics.median(wall), 4),
        "p99_wall_ms": round(wall_sorted[p99], 4),
        "median_cpu_ms": round(median_cpu, 4),
        "p99_cpu_ms": round(cpu_sorted[p99], 4),
        "headroom_vs_10ms_cpu": round(PERIOD_MS / median_cpu, 1),
        "connected_at_end": closed,
        "meets_target": median_cpu <= TARGET_CPU_MS,
    }


def _closed_loop(steps: int) -> dict[str, object]:
    config = load_config()
    rig = PackRig(config, load_chemistry("NMC_Chen2020"), OperatingPoint("driving", 25.0, 0.8))
    controller = BmsController(config)
    frame_s = step_s = plant_s = 0.0
    for _ in range(steps):
        start = time.thread_time()
        frame = rig.frame(close_request=True)
        after_frame = time.thread_time()
        outputs = controller.step(frame)
        after_step = time.thread_time()
        rig.limits_a = (outputs.charge_current_limit_a, outputs.discharge_current_limit_a)
        rig.advance(outputs.contactors)
        frame_s += after_frame - start
        step_s += after_step - after_frame
        plant_s += time.thread_time() - after_step
    total_ms = (frame_s + step_s + plant_s) * 1000.0 / steps
    ten_hours_s = total_ms * FAULT_FREE_STEPS_10_H / 1000.0
    return {
        "steps": steps,
        "frame_cpu_ms": round(frame_s * 1000.0 / steps, 4),
        "controller_cpu_ms": round(step_s * 1000.0 / steps, 4),
        "plant_cpu_ms": round(plant_s * 1000.0 / steps, 4),
        "total_cpu_ms_per_step": round(total_ms, 4),
        "fault_free_10_h_cpu_min_1_worker": round(ten_hours_s / 60.0, 1),
        "fault_free_10_h_min_2_workers": round(ten_hours_s / 120.0, 1),
    }


def main() -> None:
    """Run the benchmark and print the JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--chemistry", default=None)
    args = parser.parse_args()
    print(
        json.dumps(
            {
                "benchmark": "controller_step_96_cells",
                "controller": _controller(args.steps, args.chemistry),
                "closed_loop": _closed_loop(args.steps),
                "load_average": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
