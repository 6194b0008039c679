"""Tests of verification/scripts/resource_usage.py with test doubles and a short real run.

Covers: a stepper whose memory stays constant shows no growth and passes
every budget; one that keeps what it is given grows and fails
``no_memory_growth``; one that spends 6 ms of CPU on every estimation step
breaks the 5 ms worst-step budget while its other steps stay fast (the
split by estimation step shows it, and the run it is in is named); one
whose outputs differ between replays fails ``deterministic_replay``; the
real controller on a short closed-loop drive replays deterministically and
counts one estimation step in ten; the LFP drive runs the flat OCV's
costliest estimation path (every cell keeping the plateau's floor from its
unknown start, the lag's slope in the Jacobian) and replays
deterministically; the capacity-update run starts from a controller holding
a pair, which its steps add to the capacity estimate (the solve finished
within the run), and replays deterministically.
"""

import time
from itertools import count
from typing import cast

from bms.config import load_config, shipped_pack_path
from bms.controller import ControllerInputs, ControllerOutputs
from bms.faults import OperatingPoint

from ._scripts import load_script

resource_usage = load_script("resource_usage")

FRAMES = cast("tuple[ControllerInputs, ...]", tuple(range(60)))
OUTPUTS = cast("tuple[ControllerOutputs, ...]", tuple(range(60)))
RUN = resource_usage.Run("drive", FRAMES, OUTPUTS)
BUDGETS = resource_usage.Budgets()


class _Echo:
    """Returns its input: constant memory, deterministic, fast."""

    def step(self, inputs: object) -> object:
        return inputs


class _Hoarder(_Echo):
    """Keeps 4 KiB per step: memory grows linearly."""

    def __init__(self) -> None:
        self.kept: list[bytes] = []

    def step(self, inputs: object) -> object:
        self.kept.append(bytes(4096))
        return inputs


class _SlowEstimation(_Echo):
    """Spends 6 ms of CPU on every tenth step (an estimation step over its 5 ms budget)."""

    def step(self, inputs: object) -> object:
        if cast("int", inputs) % 10 == 0:
            end = time.thread_time() + 0.006
            while time.thread_time() < end:
                pass
        return inputs


class _Drifting(_Echo):
    """Answers differently on each call."""

    calls = count()

    def step(self, inputs: object) -> object:
        del inputs
        return next(self.calls)


def _judge(stepper: type) -> dict[str, bool]:
    timing = resource_usage.measure_time(stepper, [RUN], 2, 10)
    memory = resource_usage.measure_memory(stepper, [RUN])
    return cast("dict[str, bool]", resource_usage.judge(timing, memory, BUDGETS))


def test_constant_memory_fast_deterministic_stepper_passes() -> None:
    assert all(_judge(_Echo).values())
    memory = resource_usage.measure_memory(_Echo, [RUN])
    assert abs(memory["growth_kib"]) < 1.0


def test_growing_memory_fails() -> None:
    memory = resource_usage.measure_memory(_Hoarder, [RUN])
    assert memory["growth_kib"] >= 39 * 4  # steps 21 to 59, 4 KiB each
    assert _judge(_Hoarder)["no_memory_growth"] is False


def test_slow_estimation_steps_break_the_worst_step_budget() -> None:
    timing = resource_usage.measure_time(_SlowEstimation, [RUN], 2, 10)
    assert timing["estimation_steps"] == 6
    assert timing["worst_cpu_ms"] >= 6.0
    assert timing["worst_cpu_ms_estimation_steps"] >= 6.0
    assert timing["worst_cpu_ms_other_steps"] < 1.0
    checks = _judge(_SlowEstimation)
    assert checks["worst_within_budget"] is False
    assert checks["no_memory_growth"] is True


def test_the_run_with_the_worst_step_is_named() -> None:
    runs = [
        resource_usage.Run("fast", FRAMES, OUTPUTS, _Echo),
        resource_usage.Run("slow", FRAMES, OUTPUTS, _SlowEstimation),
        resource_usage.Run("fast again", FRAMES, OUTPUTS, _Echo),
    ]
    assert resource_usage.measure_time(_Echo, runs, 1, 10)["worst_run_index"] == 1


def test_outputs_that_differ_between_replays_fail() -> None:
    assert _judge(_Drifting)["deterministic_replay"] is False


def test_real_controller_replays_deterministically() -> None:
    config = load_config()
    run = resource_usage._closed_loop(config, OperatingPoint("driving", 25.0, 0.8), 30, "drive")
    timing = resource_usage.measure_time(lambda: resource_usage._controller(config), [run], 1, 10)
    assert timing["deterministic_replay"] == 1
    assert (timing["steps"], timing["estimation_steps"]) == (30, 3)


def test_the_capacity_update_run_adds_its_pair_on_the_measured_path() -> None:
    config = load_config()
    start = resource_usage._pending_pair_state(config)
    assert start.capacity is not None
    assert start.capacity.tracker.pending is not None
    run = resource_usage._closed_loop(
        config, OperatingPoint("driving", 25.0, 0.8), 70, "capacity update", start
    )
    assert run.make is not None
    controller = run.make()
    for frame in run.frames:
        controller.step(frame)
    capacity = controller.state.capacity
    assert capacity is not None
    tracker = capacity.tracker
    assert tracker.pending is None
    assert tracker.update is None  # the solve spread over six estimation steps has ended
    assert tracker.estimate is not start.capacity.tracker.estimate
    timing = resource_usage.measure_time(lambda: resource_usage._controller(config), [run], 1, 10)
    assert timing["deterministic_replay"] == 1


def test_the_lfp_drive_runs_the_plateau_floor_path() -> None:
    config = load_config(shipped_pack_path(resource_usage.FLAT_PACK))
    point = OperatingPoint("driving", 25.0, 0.8)
    run = resource_usage._closed_loop(
        config, point, 40, "drive (LFP)", chemistry=resource_usage.FLAT_CHEMISTRY
    )
    assert run.make is not None
    controller = run.make()
    for frame in run.frames:
        controller.step(frame)
    state = controller.state
    assert state.capacity is not None
    flat = state.capacity.model.tables.ocv_median_slope_v < state.capacity.tuning.flat_ocv_slope_v
    assert flat  # the lag's slope in H by default (SocFilterTuning.surface_lag_slope)
    assert state.estimator is not None
    assert state.estimator.plateau_bound is not None
    assert state.estimator.plateau_bound.all()
    replayed = run.make()  # from the pack and chemistry it was recorded with
    assert replayed.config is config
    assert replayed.chemistry is not None
    assert replayed.chemistry.name == resource_usage.FLAT_CHEMISTRY
    timing = resource_usage.measure_time(lambda: resource_usage._controller(config), [run], 1, 10)
    assert timing["deterministic_replay"] == 1
