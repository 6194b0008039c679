"""The controller's estimation channel: key-on offset, SoC filter, capacity, plating cap.

ASIL: QM(D) (decomposed from the D(D) protection). Requirements: SWR_CTRL_EST_001,
SWR_CTRL_EST_002, SWR_BAL_008, SWR_SOH_005, SWR_SOH_008, SWR_SOC_008, SWR_SOC_009,
SWR_PLAT_005.

What :func:`bms.controller.controller_step` runs after the protection and
the contactor sequence: the charge counted for the plating cap's SoC bound
(:func:`account_charge`), the key-on current-offset calibration
(:func:`key_on`), every estimation period the SoC filter with the capacity
tracker (:func:`estimate`) and the plating cap of the charge limit
(:func:`cap_plating`). None of them raises: a failure marks the estimate
failed (a warning) or puts the plating cap at 0 A with its reason, so the
QM(D) channel cannot stop the D protection (freedom from interference).
Split from :mod:`bms.controller._controller`.
"""

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from bms.config import BmsConfig
from bms.contactor import ContactorState
from bms.controller._capacity import (
    calibrate_capacity_offset,
    capacity_at_filter_start,
    capacity_unknown_reason,
    follow_capacity,
    start_capacity,
)
from bms.controller._charging import (
    bleed_current,
    count_charge,
    plating_charge_limit,
    restart_bound,
    soc_upper_bound,
)
from bms.controller._inputs import ControllerInputs
from bms.controller._state import ControllerContext, ControllerState, PlatingCap
from bms.estimation import (
    ZERO_CURRENT_MIN_SAMPLES,
    EkfState,
    SocEstimate,
    SocStart,
    ZeroCurrentWindow,
    add_zero_current_sample,
    calibrate_current_offset,
    capacity_estimate_at_coldest,
    capacity_lower_bound,
    ekf_step,
    first_filter_step,
    reported_soc_sigma,
    soc_to_keep,
    zero_current_offset,
)
from bms.protection import ProtectionReport

__all__ = ["account_charge", "cap_plating", "estimate", "key_off_soc", "key_on"]


def account_charge(
    state: ControllerState, report: ProtectionReport, context: ControllerContext
) -> ControllerState:
    """Count the last protection period's charge for the SoC upper bound (with a model only).

    Implements: SWR_PLAT_005
    """
    if context.plating is None:
        return state
    config = context.config
    pack = config.pack
    return replace(
        state,
        charge_bound=count_charge(
            state.charge_bound,
            report.current_a,
            parallel_count=pack.parallel_count,
            dt_s=pack.protection_period_ms / 1000.0,
            charge_detection_a=config.protection.charge_detection_a,
        ),
    )


def _cell_temperatures(inputs: ControllerInputs, cells: int) -> npt.NDArray[np.float64]:
    """Each cell's temperature from its sensor (sensors spread evenly; NaN when none)."""
    sensors = np.asarray(inputs.cell_temperatures_degc, dtype=np.float64)
    if sensors.size == 0:
        return np.full(cells, np.nan)
    temps: npt.NDArray[np.float64] = sensors[(np.arange(cells) * sensors.size) // cells]
    return temps


def cap_plating(
    state: ControllerState,
    inputs: ControllerInputs,
    config: BmsConfig,
    cap: PlatingCap,
    offset_a: float,
) -> ControllerState:
    """The plating cap of the charge limit, after the SoC filter's step (QM(D): never raises).

    Implements: SWR_PLAT_005

    The SoC upper bound is the larger of the filter's 3-sigma bound and the
    coulomb-counted bound (each sample off by up to ``offset_a``, the current
    sensors' accuracy per cell; the charge over each cell's capacity
    estimate at its coldest, with the start's and the capacity's 3-sigma
    excursions combined, which holds for an aged cell too); without a valid
    estimate the SoC is NaN, which gives the map's smallest limit with its
    reason.
    """
    pack = config.pack
    cells = pack.series_count
    try:
        ekf = None if state.estimation_failed else state.estimator
        if ekf is None:
            soc = sigma = np.full(cells, np.nan)
        else:
            soc, sigma = ekf.x[0], reported_soc_sigma(ekf)
        bound = restart_bound(state.charge_bound, soc, sigma)
        capacity = state.capacity
        if capacity is None:
            estimated = lowest = np.full(cells, np.nan)
        else:
            tables = capacity.model.tables
            estimated = capacity_estimate_at_coldest(capacity.tracker.estimate, tables)
            lowest = capacity_lower_bound(capacity.tracker.estimate, tables)
        upper = soc_upper_bound(
            bound, cells, capacity_ah=estimated, capacity_lower_ah=lowest, offset_a=offset_a
        )
        limit_a, reason = plating_charge_limit(
            cap.tables,
            soc=soc,
            soc_sigma=sigma,
            temperature_degc=_cell_temperatures(inputs, cells),
            soc_upper=upper,
            parallel_count=pack.parallel_count,
        )
        return replace(state, charge_bound=bound, plating_charge_a=limit_a, plating_reason=reason)
    except Exception as error:  # noqa: BLE001 - the QM(D) estimate must not stop the D protection
        reason = f"the plating estimate failed ({type(error).__name__}): charge limited to 0 A"
        return replace(state, plating_charge_a=0.0, plating_reason=reason)


def estimate(
    state: ControllerState,
    inputs: ControllerInputs,
    report: ProtectionReport,
    context: ControllerContext,
) -> ControllerState:
    """Run the SoC filter when its period has come (QM(D): a failure only warns).

    The filter is told each cell's balancing current commanded in the previous step, and
    runs with each cell's capacity estimate, which follows it (dual estimation).

    Implements: SWR_CTRL_EST_001, SWR_BAL_008, SWR_SOH_005, SWR_SOH_008
    """
    config = context.config
    every = config.pack.estimation_period_ms // config.pack.protection_period_ms
    if context.model is None or (state.step - 1) % every != 0:
        return state
    cells = config.pack.series_count
    try:
        volts = np.asarray(inputs.cell_voltages_v, dtype=np.float64)
        sensors = np.asarray(inputs.cell_temperatures_degc, dtype=np.float64)
        if volts.size != cells or sensors.size == 0:
            return replace(state, estimation_failed=True)
        temps = sensors[(np.arange(cells) * sensors.size) // cells]
        # Implements SWR_BAL_008: the balancing command in force when the voltages were sampled.
        bleed_a = bleed_current(
            state.balancing.bleeding,
            inputs.cell_voltages_v,
            resistance_ohm=config.control.balancing.resistance_ohm,
            parallel_count=config.pack.parallel_count,
            max_voltage_v=config.protection.plausibility.cell_voltage_max_v,
        )
        capacity = state.capacity
        if capacity is None:
            capacity = start_capacity(context.model, context.tuning, cells, context.stored_capacity)
        offset = state.pending_offset
        if offset is not None:  # Implements SWR_CTRL_EST_002: the key-on offset, once
            capacity = calibrate_capacity_offset(capacity, offset.offset_a, offset.sigma_a)
        cell_current_a = report.current_a / config.pack.parallel_count
        dt_s = config.pack.estimation_period_ms / 1000.0
        model, tuning = capacity.model, capacity.tuning

        def step(ekf: EkfState) -> tuple[EkfState, SocEstimate]:
            if offset is not None:
                ekf = calibrate_current_offset(ekf, offset.offset_a, offset.sigma_a)
            return ekf_step(
                model, tuning, ekf, cell_voltages_v=volts, current_a=cell_current_a,
                cell_temperatures_degc=temps, dt_s=dt_s, bleed_current_a=bleed_a,
            )  # fmt: skip

        # Implements SWR_SOC_008, SWR_SOC_009: the power cycle's first step from the kept
        # SoC unless the voltage refutes it, else from the unknown SoC.
        if state.estimator is None:
            first = first_filter_step(
                step, context.stored_soc, cells, tuning, constants=context.filter_constants
            )
            ekf, estimate, from_memory, soc_reason = (
                first.ekf, first.estimate, first.from_memory, first.dropped
            )  # fmt: skip
            capacity = capacity_at_filter_start(capacity, soc_from_memory=from_memory)
        else:
            ekf, estimate = step(state.estimator)
            from_memory, soc_reason = state.soc_from_memory, state.soc_memory_reason
        # Implements SWR_SOH_005: the capacity's pairs from the filter, fed back to it.
        capacity, ekf = follow_capacity(
            capacity, ekf, current_a=cell_current_a, bleed_current_a=bleed_a, dt_s=dt_s
        )
        reason = state.capacity_reason  # it changes only with the estimate (a committed pair)
        if (
            state.capacity is None
            or capacity.tracker.estimate is not state.capacity.tracker.estimate
        ):
            reason = capacity_unknown_reason(
                capacity, context.tuning, remembered=context.stored_capacity is not None
            )
        return replace(
            state,
            estimator=ekf,
            capacity=capacity,
            soc=float(np.mean(estimate.soc)),
            soc_sigma=float(np.max(estimate.soc_sigma)),
            estimation_failed=False,
            pending_offset=None,
            soc_from_memory=from_memory,
            soc_memory_reason=soc_reason,
            capacity_reason=reason,
        )
    except Exception:  # noqa: BLE001 - the QM(D) estimator must not stop the D protection
        return replace(state, estimation_failed=True)


def key_off_soc(state: ControllerState) -> SocStart | None:
    """Each cell's SoC, sigma and ``beta`` to keep at key-off (None: no valid state to keep).

    ``beta`` (:func:`bms.estimation.soc_to_keep`) is read with the tuning the filter ran
    with last, the capacity estimate's.

    Implements: SWR_SOC_008
    """
    ekf = state.estimator
    if ekf is None or state.capacity is None or state.estimation_failed:
        return None
    return soc_to_keep(ekf, state.capacity.tuning)


def key_on(
    state: ControllerState, was_open: bool, report: ProtectionReport, context: ControllerContext
) -> ControllerState:
    """The key-on offset calibration: sample the current while open, conclude on leaving open.

    A mean within the sensor's accuracy goes to the SoC filter at the next
    estimation step; one beyond it is refused and warned about until the next
    key-on; too few samples (a close request at once) change nothing.

    Implements: SWR_CTRL_EST_002
    """
    is_open = state.contactors.state is ContactorState.OPEN
    if context.model is None or not (is_open or was_open):
        return state
    pack = context.config.pack
    if is_open:
        sample = report.current_a / pack.parallel_count
        return replace(state, key_on=add_zero_current_sample(state.key_on, sample))
    found = zero_current_offset(
        state.key_on,
        accuracy_a=context.cell_current_accuracy_a,
        noise_floor_a=context.tuning.current_noise_a,
    )
    if found.samples < ZERO_CURRENT_MIN_SAMPLES:
        return replace(state, key_on=ZeroCurrentWindow())
    usable = found if found.reason is None else None
    return replace(
        state, key_on=ZeroCurrentWindow(), pending_offset=usable, offset_reason=found.reason
    )
