"""MC/DC tests of bms/telemetry/_from_outputs.py against SWR_TEL_001, SWR_TEL_003.

Covers the conditions the main tests leave without independent effect: a
per-cell estimate without its sigma, with sigmas of another length, or with
no finite value is logged as missing while a complete one is logged
(SWR_TEL_003); the thermal request ``heat`` is logged as ``heat`` and
``cool`` as ``cool``; a frame without current readings counts 0 A, like a
non-finite one; time with a bleeding cell adds to the balancing counter,
time without does not; :meth:`TelemetryRecorder.finish` closes a session
still open and, with none open, returns nothing; a session step without
inputs, or with no finite cell voltage or temperature, leaves the session's
extremes missing (``null``) while finite readings set them; the SoC
estimate is logged with its sigma, with an infinite sigma when the
controller gives none, and as missing without an estimate; a warning-level
fault is logged as a warning next to a fault-level one (SWR_TEL_001,
SWR_TEL_003); :class:`TelemetryTap` with a chemistry (SoC estimator
running) logs the per-cell SoC range, the weakest cell's capacity from the dual
estimation and the highest resistance factor from the filter, without one it
logs none of them, nor with the filter's state but no capacity beside it.
"""

import math

import numpy as np
import pytest

from bms.config import load_config
from bms.controller import (
    BmsController,
    ControllerOutputs,
    ControllerState,
    ControllerStatus,
    FaultReport,
)
from bms.estimation import SocFilterTuning, initial_ekf_state
from bms.telemetry import (
    Bounded,
    CellEstimates,
    PeriodicRecord,
    SessionRecord,
    TelemetryRecorder,
    TelemetryTap,
)
from bms.telemetry._from_outputs import _controller_estimates
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry
from verification.bms.unit.controller.frames import frame

CONFIG = load_config()
NAN = math.nan


def _outputs(time_ms: int = 0, **changes: object) -> ControllerOutputs:
    """A real controller answer to a healthy frame at ``time_ms``, with ``changes``."""
    outputs = BmsController(CONFIG).step(frame(time_ms))
    return outputs.model_copy(update={"time_ms": time_ms, **changes})


def _periodic(records: list[PeriodicRecord | SessionRecord]) -> PeriodicRecord:
    (record,) = records
    assert isinstance(record, PeriodicRecord)
    return record


@pytest.mark.verifies("SWR_TEL_003", method="fault_injection")
def test_incomplete_cell_estimates_are_logged_as_missing() -> None:
    values = np.array([5.0, 4.6, 4.8])
    sigmas = np.array([0.1, 0.2, 0.3])
    complete = CellEstimates(capacity_ah=values, capacity_sigma_ah=sigmas)
    record = _periodic(TelemetryRecorder().observe(frame(0), _outputs(), complete))
    assert record.capacity_ah == Bounded(value=4.6, sigma=0.2)
    incomplete = CellEstimates(
        capacity_ah=values,  # no sigma
        resistance_factor=values,
        resistance_sigma=sigmas[:2],  # another length
        plating_margin_v=np.array([NAN, NAN, NAN]),  # nothing finite
        plating_sigma_v=sigmas,
    )
    record = _periodic(TelemetryRecorder().observe(frame(0), _outputs(), incomplete))
    assert record.capacity_ah is None
    assert record.resistance_factor is None
    assert record.plating_margin_v is None


@pytest.mark.verifies("SWR_TEL_001", "SWR_TEL_003")
@pytest.mark.parametrize("request_name", ["off", "heat", "cool"])
def test_thermal_request_is_logged_by_name(request_name: str) -> None:
    outputs = _outputs(thermal_request=request_name)
    record = _periodic(TelemetryRecorder().observe(frame(0), outputs))
    assert record.thermal_request == request_name


@pytest.mark.verifies("SWR_TEL_003", method="fault_injection")
@pytest.mark.parametrize(
    ("current_a", "logged_a"), [((), 0.0), ((NAN, 0.0), 0.0), ((-12.5, -12.5), -12.5)]
)
def test_missing_current_counts_as_zero(current_a: tuple[float, ...], logged_a: float) -> None:
    recorder = TelemetryRecorder()
    recorder.observe(frame(0), _outputs(0))
    record = _periodic(recorder.observe(frame(1000, current_a=current_a), _outputs(1000)))
    assert record.pack_current_a == logged_a
    assert record.counters.charge_in_ah == pytest.approx(-logged_a / 3600.0)
    assert record.counters.charge_out_ah == 0.0


@pytest.mark.verifies("SWR_TEL_003")
def test_only_time_with_a_bleeding_cell_counts_as_balancing() -> None:
    bleeding = (True,) + (False,) * 95
    recorder = TelemetryRecorder()
    recorder.observe(frame(0), _outputs(0))
    idle = _periodic(recorder.observe(frame(1000), _outputs(1000)))
    assert idle.counters.balancing_s == 0.0
    busy = _periodic(recorder.observe(frame(2000), _outputs(2000, balancing=bleeding)))
    assert busy.counters.balancing_s == 1.0
    assert busy.balancing_cells == 1


@pytest.mark.verifies("SWR_TEL_003")
def test_finish_closes_an_open_session_only() -> None:
    recorder = TelemetryRecorder()
    assert recorder.finish() == []
    recorder.observe(frame(0), _outputs(0, status=ControllerStatus.CONNECTED))
    recorder.observe(frame(500, current_a=(8.0, 8.0)), _outputs(500, status="connected"))
    (summary,) = recorder.finish()
    assert isinstance(summary, SessionRecord)
    assert (summary.start_ms, summary.end_ms, summary.session) == (0, 500, "drive")
    assert recorder.finish() == []


@pytest.mark.verifies("SWR_TEL_003", method="fault_injection")
def test_session_without_finite_readings_has_missing_extremes() -> None:
    connected = ControllerStatus.CONNECTED
    recorder = TelemetryRecorder()
    recorder.observe(None, _outputs(0, status=connected))
    nan_frame = frame(10, cell_voltages_v=(NAN,) * 96, cell_temperatures_degc=(NAN,) * 32)
    recorder.observe(nan_frame, _outputs(10, status=connected))
    (blind,) = recorder.observe(frame(20), _outputs(20))
    assert isinstance(blind, SessionRecord)
    assert blind.cell_voltage_min_v is None
    assert blind.cell_voltage_max_v is None
    assert blind.temperature_min_degc is None
    assert blind.temperature_max_degc is None
    recorder.observe(frame(30), _outputs(30, status=connected))
    (seeing,) = recorder.finish()
    assert isinstance(seeing, SessionRecord)
    assert seeing.cell_voltage_min_v == pytest.approx(3.7)
    assert seeing.temperature_max_degc == 25.0


@pytest.mark.verifies("SWR_TEL_003")
@pytest.mark.parametrize(
    ("soc", "sigma", "logged"),
    [
        (0.55, 0.02, Bounded(value=0.55, sigma=0.02)),
        (0.55, None, Bounded(value=0.55, sigma=math.inf)),
        (None, None, None),
    ],
)
def test_soc_is_logged_with_its_sigma(
    soc: float | None, sigma: float | None, logged: Bounded | None
) -> None:
    outputs = _outputs(soc=soc, soc_sigma=sigma)
    record = _periodic(TelemetryRecorder().observe(frame(0), outputs))
    assert record.soc == logged


@pytest.mark.verifies("SWR_TEL_001", "SWR_TEL_003")
def test_fault_levels_are_logged() -> None:
    faults = (
        FaultReport(
            fault="cell_over_voltage", level="warning", latched=False, reaction="warn",
            reason="4.21 V > 4.20 V",
        ),
        FaultReport(
            fault="cell_under_voltage", level="fault", latched=True, reaction="open_contactors",
            reason="2.40 V < 2.50 V",
        ),
    )  # fmt: skip
    record = _periodic(TelemetryRecorder().observe(frame(0), _outputs(faults=faults)))
    assert [(f.fault, f.level, f.latched) for f in record.faults] == [
        ("cell_over_voltage", "warning", False),
        ("cell_under_voltage", "fault", True),
    ]
    assert record.counters.fault_onsets == 2


@pytest.mark.verifies("SWR_TEL_003")
def test_tap_logs_cell_soc_capacity_and_resistance_when_the_estimator_runs() -> None:
    with_estimator = TelemetryTap(CONFIG, chemistry=synthetic_chemistry())
    without = TelemetryTap(CONFIG)
    for tap in (with_estimator, without):
        tap.step(frame(0))
    (estimated,) = with_estimator.records
    (plain,) = without.records
    assert isinstance(estimated, PeriodicRecord)
    assert isinstance(plain, PeriodicRecord)
    assert estimated.cell_soc is not None
    assert 0.0 <= estimated.cell_soc.min <= estimated.cell_soc.max <= 1.0
    assert plain.cell_soc is None
    # The capacity from the controller's dual estimation (no capacity memory: the unknown-age
    # prior, 85 % of the nominal), the resistance from its filter.
    assert estimated.capacity_ah is not None
    nominal = synthetic_chemistry().nominal_capacity_ah
    assert estimated.capacity_ah.value == pytest.approx(0.85 * nominal)
    assert estimated.capacity_ah.sigma > 0.0
    # The State of Health bounds the true capacity: the estimate's sigma and the current
    # sensor's 0.5 % gain (a fixed factor in every counted capacity) in quadrature.
    health = estimated.state_of_health
    assert health is not None
    assert health.value == pytest.approx(estimated.capacity_ah.value / nominal)
    gain = SocFilterTuning().current_gain_error_pct / 100.0
    expected = math.hypot(estimated.capacity_ah.sigma / nominal, gain * health.value)
    assert health.sigma == pytest.approx(expected)
    assert health.sigma > estimated.capacity_ah.sigma / nominal
    assert estimated.resistance_factor is not None
    assert estimated.resistance_factor.value == pytest.approx(1.0, abs=0.05)
    assert plain.capacity_ah is None
    assert plain.state_of_health is None
    assert plain.resistance_factor is None
    assert with_estimator.dropped == without.dropped == 0


@pytest.mark.verifies("SWR_TEL_003")
def test_no_cell_estimates_without_the_capacity_beside_the_filter() -> None:
    # The controller sets both in the same estimation step; a state with the filter's alone
    # (restored by hand) logs no per-cell estimates rather than half of them.
    filtered = ControllerState(estimator=initial_ekf_state(4, 0.5, 0.1, SocFilterTuning()))
    assert _controller_estimates(filtered) is None
    assert _controller_estimates(ControllerState()) is None


@pytest.mark.verifies("SWR_TEL_003")
def test_a_state_of_health_only_with_a_configured_capacity_above_zero() -> None:
    # MC/DC of ``configured_ah is not None and configured_ah > 0.0``: each condition false
    # alone gives no State of Health, both true give one; the capacity is logged either way.
    tap = TelemetryTap(CONFIG, chemistry=synthetic_chemistry())
    tap.step(frame(0))
    nominal = synthetic_chemistry().nominal_capacity_ah
    without = _controller_estimates(tap.state)
    zero = _controller_estimates(tap.state, 0.0)
    configured = _controller_estimates(tap.state, nominal)
    assert without is not None
    assert zero is not None
    assert configured is not None
    assert without.health is None
    assert without.health_sigma is None
    assert zero.health is None
    assert configured.health is not None
    assert configured.capacity_ah is not None
    np.testing.assert_allclose(configured.health, configured.capacity_ah / nominal)
    for estimates in (without, zero, configured):
        assert estimates.capacity_ah is not None
