"""Tests of bms/protection/_plausibility.py: what no healthy sensor reports.

Covers, for each check, a case that trips it and the boundary that does not:
wrong channel counts, NaN, infinity and out-of-range readings of cells,
temperatures and current sensors; rate of change at and beyond the limit
(and a single glitch failing one sample only); stuck cell voltage under
load (not at rest) and stuck current sensor (only while the other moves);
redundant current sensors at, just beyond, and in the warning band of their
combined accuracy; open wire near 0 V and the low/high neighbour pattern;
the stale stream reaching ``max_stale_periods``.
"""

import math

import numpy as np
import pytest

from bms.config import load_config
from bms.protection import (
    FaultId,
    Level,
    PlausibilitySample,
    PlausibilityState,
    step_plausibility,
)

CONFIG = load_config()
LIMITS = CONFIG.protection.plausibility
PERIOD_S = CONFIG.pack.protection_period_ms / 1000.0
SENSORS = CONFIG.pack.current_sensors
COMBINED_A = SENSORS[0].accuracy_a + SENSORS[1].accuracy_a


def sample(
    volts: np.ndarray | None = None,
    temps: np.ndarray | None = None,
    currents: tuple[float, ...] = (10.0, 10.0),
    fresh: tuple[bool, bool, bool] = (True, True, True),
) -> PlausibilitySample:
    return PlausibilitySample(
        cell_voltages_v=np.linspace(3.70, 3.72, 96) if volts is None else volts,
        cell_temperatures_degc=np.full(32, 25.0) if temps is None else temps,
        currents_a=np.array(currents, dtype=float),
        cells_fresh=fresh[0],
        temperatures_fresh=fresh[1],
        current_fresh=fresh[2],
    )


def levels_after(*samples: PlausibilitySample) -> dict[FaultId, tuple[Level, str]]:
    state = PlausibilityState()
    levels: dict[FaultId, tuple[Level, str]] = {}
    for one in samples:
        state, levels = step_plausibility(state, one, CONFIG)
    return levels


def cells_with(index: int, value: float, base: float = 3.7) -> np.ndarray:
    volts = np.full(96, base)
    volts[index] = value
    return volts


@pytest.mark.verifies("SWR_PROT_PLAUS_001")
def test_healthy_sample_is_normal() -> None:
    levels = levels_after(sample(), sample())
    assert all(level is Level.NORMAL for level, _ in levels.values())


@pytest.mark.verifies("SWR_PROT_PLAUS_001", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_PLAUS_001")
@pytest.mark.parametrize(
    ("kwargs", "fault"),
    [
        ({"volts": np.full(95, 3.7)}, FaultId.VOLTAGE_SENSOR),
        ({"volts": cells_with(3, math.nan)}, FaultId.VOLTAGE_SENSOR),
        ({"volts": cells_with(3, math.inf)}, FaultId.VOLTAGE_SENSOR),
        (
            {"volts": cells_with(3, math.nextafter(LIMITS.cell_voltage_max_v, 9))},
            FaultId.VOLTAGE_SENSOR,
        ),
        ({"volts": cells_with(3, -0.1)}, FaultId.VOLTAGE_SENSOR),
        ({"temps": np.full(31, 25.0)}, FaultId.TEMPERATURE_SENSOR),
        ({"temps": np.array([25.0] * 31 + [math.nan])}, FaultId.TEMPERATURE_SENSOR),
        (
            {"temps": np.array([25.0] * 31 + [LIMITS.temperature_max_degc + 1])},
            FaultId.TEMPERATURE_SENSOR,
        ),
        (
            {"temps": np.array([25.0] * 31 + [LIMITS.temperature_min_degc - 1])},
            FaultId.TEMPERATURE_SENSOR,
        ),
        ({"currents": (math.nan, 0.0)}, FaultId.CURRENT_SENSOR),
        ({"currents": (0.0, SENSORS[1].range_a + 1.0)}, FaultId.CURRENT_SENSOR),
        ({"currents": (0.0,)}, FaultId.CURRENT_SENSOR),
    ],
    ids=[
        "cell-count",
        "cell-nan",
        "cell-inf",
        "cell-above-range",
        "cell-negative",
        "temp-count",
        "temp-nan",
        "temp-above-range",
        "temp-below-range",
        "current-nan",
        "current-range",
        "current-count",
    ],
)
def test_implausible_readings(kwargs: dict[str, object], fault: FaultId) -> None:
    level, reason = levels_after(sample(**kwargs))[fault]  # type: ignore[arg-type]
    assert level is Level.FAULT
    assert reason


@pytest.mark.verifies("SWR_PROT_PLAUS_001")
def test_range_boundaries_are_plausible() -> None:
    volts = cells_with(3, LIMITS.cell_voltage_max_v, base=LIMITS.cell_voltage_max_v)
    temps = np.array([LIMITS.temperature_min_degc] * 16 + [LIMITS.temperature_max_degc] * 16)
    levels = levels_after(sample(volts=volts, temps=temps))
    assert levels[FaultId.VOLTAGE_SENSOR][0] is Level.NORMAL
    assert levels[FaultId.TEMPERATURE_SENSOR][0] is Level.NORMAL


@pytest.mark.verifies("SWR_PROT_PLAUS_002")
def test_cell_rate_of_change_boundary() -> None:
    limit_v = LIMITS.max_cell_voltage_rate_v_per_s * PERIOD_S
    first = cells_with(7, 3.5)
    ok = levels_after(sample(volts=first), sample(volts=cells_with(7, 3.5 + limit_v * 0.999)))
    bad = levels_after(sample(volts=first), sample(volts=cells_with(7, 3.5 + limit_v * 1.01)))
    assert ok[FaultId.VOLTAGE_SENSOR][0] is Level.NORMAL
    assert bad[FaultId.VOLTAGE_SENSOR][0] is Level.FAULT


@pytest.mark.verifies("SWR_PROT_PLAUS_002")
def test_rate_uses_time_since_last_fresh_sample() -> None:
    limit_v = LIMITS.max_cell_voltage_rate_v_per_s * PERIOD_S
    jump = cells_with(7, 3.5 + 1.5 * limit_v)
    stale = sample(volts=cells_with(7, 3.5), fresh=(False, True, True))
    levels = levels_after(sample(volts=cells_with(7, 3.5)), stale, sample(volts=jump))
    assert levels[FaultId.VOLTAGE_SENSOR][0] is Level.NORMAL


@pytest.mark.verifies("SWR_PROT_PLAUS_002", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_PLAUS_002")
def test_single_glitch_fails_one_sample_only() -> None:
    normal = cells_with(7, 3.5)
    glitch = cells_with(7, 4.9)
    state = PlausibilityState()
    results = []
    for one in (normal, glitch, normal, normal):
        state, levels = step_plausibility(state, sample(volts=one), CONFIG)
        results.append(levels[FaultId.VOLTAGE_SENSOR][0])
    assert results == [Level.NORMAL, Level.FAULT, Level.NORMAL, Level.NORMAL]


@pytest.mark.verifies("SWR_PROT_PLAUS_002")
def test_temperature_rate_of_change() -> None:
    limit = LIMITS.max_temperature_rate_degc_per_s * PERIOD_S
    base = np.full(32, 25.0)
    jump = base.copy()
    jump[4] += limit * 1.5
    levels = levels_after(sample(temps=base), sample(temps=jump))
    assert levels[FaultId.TEMPERATURE_SENSOR][0] is Level.FAULT


@pytest.mark.verifies("SWR_PROT_PLAUS_003", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_PLAUS_003")
def test_stuck_cell_under_load() -> None:
    steps = LIMITS.stuck_time_ms // CONFIG.pack.protection_period_ms
    load = (LIMITS.stuck_min_current_a, LIMITS.stuck_min_current_a)
    state = PlausibilityState()
    for step in range(steps + 1):
        volts = np.linspace(3.6, 3.7, 96) + step * 1e-5
        volts[11] = 3.65
        state, levels = step_plausibility(state, sample(volts=volts, currents=load), CONFIG)
        expected = Level.FAULT if step >= steps else Level.NORMAL
        assert levels[FaultId.VOLTAGE_SENSOR][0] is expected, step
    assert "cell 11" in levels[FaultId.VOLTAGE_SENSOR][1]


@pytest.mark.verifies("SWR_PROT_PLAUS_003")
def test_constant_cells_at_rest_are_not_stuck() -> None:
    steps = 2 * LIMITS.stuck_time_ms // CONFIG.pack.protection_period_ms
    rest = (0.3, 0.0)
    levels = levels_after(*[sample(currents=rest) for _ in range(steps)])
    assert levels[FaultId.VOLTAGE_SENSOR][0] is Level.NORMAL


@pytest.mark.verifies("SWR_PROT_PLAUS_003")
def test_stuck_current_sensor_only_while_the_other_moves() -> None:
    steps = LIMITS.stuck_time_ms // CONFIG.pack.protection_period_ms
    moving = [(5.0, 5.0 + (step % 2) * 0.1 * COMBINED_A) for step in range(steps + 2)]
    quiet = levels_after(*[sample(currents=c) for c in moving])
    assert quiet[FaultId.CURRENT_SENSOR][0] is Level.NORMAL
    swinging = [(5.0, 5.0 + (step % 10) * 0.2 * COMBINED_A) for step in range(steps + 2)]
    stuck = levels_after(*[sample(currents=c) for c in swinging])
    assert stuck[FaultId.CURRENT_SENSOR][0] is Level.FAULT
    assert SENSORS[0].name in stuck[FaultId.CURRENT_SENSOR][1]


@pytest.mark.verifies("SWR_PROT_PLAUS_004")
@pytest.mark.parametrize(
    ("difference_a", "level"),
    [
        (0.0, Level.NORMAL),
        (COMBINED_A * LIMITS.current_mismatch_warning_fraction, Level.NORMAL),
        (COMBINED_A * LIMITS.current_mismatch_warning_fraction * 1.01, Level.WARNING),
        (COMBINED_A, Level.WARNING),
        (COMBINED_A * 1.01, Level.FAULT),
    ],
)
def test_current_sensor_mismatch(difference_a: float, level: Level) -> None:
    levels = levels_after(sample(currents=(50.0, 50.0 + difference_a)))
    assert levels[FaultId.CURRENT_SENSOR_MISMATCH][0] is level


@pytest.mark.verifies("SWR_PROT_PLAUS_005")
@pytest.mark.parametrize(
    ("volts", "level"),
    [
        (cells_with(20, LIMITS.open_wire_v), Level.NORMAL),
        (cells_with(20, math.nextafter(LIMITS.open_wire_v, 0.0)), Level.FAULT),
        (cells_with(20, 0.0), Level.FAULT),
    ],
    ids=["at-threshold", "below-threshold", "zero"],
)
def test_open_wire_near_zero(volts: np.ndarray, level: Level) -> None:
    assert levels_after(sample(volts=volts))[FaultId.OPEN_WIRE][0] is level


@pytest.mark.verifies("SWR_PROT_PLAUS_005")
@pytest.mark.parametrize("index", [0, 40, 95])
def test_open_wire_pattern_low_cell_with_high_neighbour(index: int) -> None:
    drop = LIMITS.open_wire_drop_v * 1.2
    volts = np.full(96, 3.7)
    volts[index] -= drop
    neighbour = index + 1 if index < 95 else index - 1
    volts[neighbour] += drop
    level, reason = levels_after(sample(volts=volts))[FaultId.OPEN_WIRE]
    assert level is Level.FAULT
    assert f"cell {index}" in reason


@pytest.mark.verifies("SWR_PROT_PLAUS_005")
def test_low_cell_without_high_neighbour_is_not_open_wire() -> None:
    volts = np.full(96, 3.7)
    volts[40] -= LIMITS.open_wire_drop_v * 1.2
    volts[60] += LIMITS.open_wire_drop_v * 1.2
    assert levels_after(sample(volts=volts))[FaultId.OPEN_WIRE][0] is Level.NORMAL


@pytest.mark.verifies("SWR_PROT_PLAUS_006")
@pytest.mark.parametrize("group", [0, 1, 2], ids=["cells", "temperatures", "current"])
def test_stale_stream_after_max_stale_periods(group: int) -> None:
    flags = [True, True, True]
    flags[group] = False
    stale = sample(fresh=(flags[0], flags[1], flags[2]))
    before = levels_after(sample(), *[stale] * (LIMITS.max_stale_periods - 1))
    after = levels_after(sample(), *[stale] * LIMITS.max_stale_periods)
    assert before[FaultId.STALE_DATA][0] is Level.NORMAL
    assert after[FaultId.STALE_DATA][0] is Level.FAULT


@pytest.mark.verifies("SWR_PROT_PLAUS_006")
def test_one_fresh_sample_restarts_the_stale_count() -> None:
    stale = sample(fresh=(False, False, False))
    run = (
        [stale] * (LIMITS.max_stale_periods - 1)
        + [sample()]
        + [stale] * (LIMITS.max_stale_periods - 1)
    )
    assert levels_after(*run)[FaultId.STALE_DATA][0] is Level.NORMAL
