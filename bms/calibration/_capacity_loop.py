"""The capacity estimator (AWTLS) beside the SoC filter of a validation run: dual estimation.

ASIL: QM (offline validation tool; never in the control path). Requirements: SWR_CAL_002.

:func:`bms.calibration._validation.evaluate_on_truth` runs
:class:`CapacityLoop` when its case asks for the capacity: it makes
(SoC change, charge) pairs between rest points from the filter's own
estimates and covariances, gives them to :func:`bms.estimation.awtls_update`,
and feeds the estimate back to the filter. Hand-written: the pairing and its
error model are this project's (no library pairs a Kalman filter's estimates
for total least squares).
"""

import copy
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from bms.estimation._capacity_pairs import (
    CAPACITY_UNCERTAINTY_FLOOR_PCT,
    REST_CURRENT_C_RATE,
    REST_TIME_S,
)

if TYPE_CHECKING:
    from bms.calibration._validation import ValidationCase

__all__ = ["CapacityLoop"]


class CapacityLoop:
    """Capacity (AWTLS) beside the SoC filter, fed back to it: dual estimation.

    Pairs are made between rest points only (below C/20 for ``REST_TIME_S``):
    at rest the filter's SoC leans on the OCV table, the circuit's most
    accurate part, while under load it carries the circuit's overpotential
    error. A pair is anchored at a rest point (the first one at or after
    ``capacity_start_s``, default the convergence window) and stretched to
    the last sample of every later rest at least ``capacity_segment_s``
    after it, so that it spans as much SoC as the drive gives: the error of
    a SoC difference does not grow with its span (each end is bounded by the
    filter), so the relative error of the capacity falls as the span grows.
    Once the pair spans ``capacity_pair_soc`` of SoC it is committed to the
    estimator and the next rest anchors the next pair (pairs share no end);
    an open pair is added provisionally (the estimate reported and fed back
    is the committed sums plus the open pair, and the open pair counts at
    the end of the run).

    ``x`` is the filter's SoC at the anchor minus at the rest point, with the
    variance of a difference of two correlated estimates,
    ``P(t0) + P(t1) - 2 C(t1, t0)``. The filter's errors at two times are
    strongly correlated (its residual error decays over thousands of
    seconds); leaving out ``C`` over-states that variance several times.
    ``C(t1, t0) = Phi(t1, t0) P(t0)``, ``Phi`` the filter's error
    transition, is measured by a clone of the filter started at the anchor
    from the state moved by ``h P(t0) e_soc`` and fed the same measurements:
    its lead over the filter is ``h Phi P(t0) e_soc`` (the estimate's
    sensitivity to its own earlier state is ``Phi``). ``y`` is the charge
    counted with the measured current less the filter's latest offset
    estimate times the pair's duration (the offset is constant; its latest
    estimate has seen the most data); its variance is the offset's variance
    times the duration squared plus the gain error's share of the charge,
    and the covariance of the two errors comes from the same clone (its
    offset entry) and the filter's ``P``.

    The filter has an offset state but no capacity state, and on a drive
    that mostly discharges, a wrong capacity and an offset both make the
    SoC drift with time: the filter's offset estimate takes up part of the
    capacity error it runs with, so a pair's ratio ``y / x`` leans towards
    the filter's capacity (it would confirm the prior without data). A twin
    filter run from the anchor with a 2 % larger capacity measures that lean
    ``g`` (:meth:`_self_consistent`), and the pair given to AWTLS is the one
    the filter would give if it ran with the capacity the pair implies, its
    uncertainty amplified by ``1 / (1 - g)``: honest, but weak where the
    drive cannot tell offset from capacity. The estimate becomes the
    filter's capacity scale, and its relative sigma the filter's capacity
    uncertainty.

    The clone and the twin triple the filter's cost while a pair is open;
    the controller's dual estimation (:mod:`bms.estimation._capacity_pairs`)
    runs neither: it reads the lean from the filter's considered scale error
    and leaves the correlation of the pair's SoC errors out (conservative).
    """

    _PERTURBATION = 1e-3
    """Clone's initial SoC offset as a share of the filter's SoC sigma (linear regime)."""
    _CAPACITY_STEP = 0.02
    """The twin's capacity relative to the filter's (for the pair's capacity sensitivity)."""
    _MIN_INDEPENDENCE = 0.1
    """Smallest ``1 - g`` for which a pair is used (``g``: its capacity sensitivity)."""

    def __init__(self, case: "ValidationCase", estimator: Any) -> None:
        from bms.estimation import initial_capacity_state  # noqa: PLC0415

        self.case = case
        self.estimator = estimator
        self.nominal = case.chemistry.nominal_capacity_ah
        self.committed = initial_capacity_state(
            1,
            nominal_capacity_ah=self.nominal,
            initial_sigma_ah=case.capacity_prior_sigma * self.nominal,
            soc_sigma=0.01,
            ah_sigma=0.01 * self.nominal,
            gamma=1.0,
        )
        self.state = self.committed
        self.anchor: _Anchor | None = None
        self.open_pair: _Pair | None = None
        self.updates = 0
        self.scale = 1.0
        """The filter's capacity scale (fed back)."""
        self.rest_since = 0.0
        self.pending: _Pair | None = None
        """The pair to the latest rest point, applied when that rest ends."""
        self.history: list[tuple[float, float, float]] = []

    def _self_consistent(self, pair: "_Pair", anchor: "_Anchor", duration: float) -> "_Pair | None":
        """The pair the filter would give if it ran with the capacity the pair implies.

        The pair's ratio ``r = y / x`` leans towards the capacity ``Q_f`` the
        filter runs with: ``r = Q + g (Q_f - Q)``. The twin, run from the
        anchor with ``Q_f (1 + CAPACITY_STEP)``, measures ``g = dr / dQ_f``;
        the capacity at which the filter's pair would confirm itself is ``Q* =
        (r - g Q_f) / (1 - g)``, and its uncertainty is ``r``'s amplified by
        ``1 / (1 - g)``. Returns ``None`` (no information) when ``1 - g`` is
        below ``_MIN_INDEPENDENCE`` or the pair's SoC change is not positive.
        """
        twin = anchor.twin
        if twin is None or pair.soc_change <= 0.0:
            return None
        q_f = self.scale * self.nominal
        twin_change = anchor.soc - float(twin.state.x[0, 0])
        twin_charge = anchor.measured_ah - float(twin.state.x[3, 0]) * duration / 3600.0
        if twin_change <= 0.0:
            return None
        ratio = pair.charge_ah / pair.soc_change
        sensitivity = (twin_charge / twin_change - ratio) / (self._CAPACITY_STEP * q_f)
        independence = 1.0 - sensitivity
        if not independence >= self._MIN_INDEPENDENCE:
            return None
        consistent = (ratio - sensitivity * q_f) / independence
        scale = 1.0 / independence**2
        return replace(
            pair,
            charge_ah=consistent * pair.soc_change,
            soc_change_var=pair.soc_change_var * scale,
            charge_var_ah2=pair.charge_var_ah2 * scale,
            covariance_ah=pair.covariance_ah * scale,
            sensitivity=sensitivity,
        )

    def step(self, moment: float, seen: Any, out: Any) -> None:
        """Follow one sample: advance the clone, count charge, use a rest point."""
        case = self.case
        anchor = self.anchor
        if anchor is not None:
            clone = anchor.clone
            clone.model, clone.tuning = self.estimator.model, self.estimator.tuning
            clone.step(
                seen.cell_voltages_v, seen.current_a, seen.cell_temperatures_degc, case.period_s
            )
            twin = anchor.twin
            if twin is not None:
                twin.tuning = self.estimator.tuning
                twin.step(
                    seen.cell_voltages_v,
                    seen.current_a,
                    seen.cell_temperatures_degc,
                    case.period_s,
                )
            anchor.measured_ah += seen.current_a * case.period_s / 3600.0
        if abs(seen.current_a) > REST_CURRENT_C_RATE * self.nominal:
            self.rest_since = moment
            if self.pending is not None:  # the rest ended: its last pair counts
                self._apply(self.pending)
                self.pending = None
            return
        start = case.window_s if case.capacity_start_s is None else case.capacity_start_s
        if moment - self.rest_since < REST_TIME_S or moment < start:
            return
        if anchor is None:
            self.anchor = self._anchor(moment, out)
            return
        pair = self._pair(moment, anchor, out)
        if pair is not None:
            self.pending = pair

    def _anchor(self, moment: float, out: Any) -> "_Anchor":
        """A new anchor at this rest point, with its perturbed clone."""
        p = self.estimator.state.p[:, :, 0]
        sigma = float(np.sqrt(p[0, 0]))
        h = self._PERTURBATION / sigma
        clone = copy.copy(self.estimator)
        x = self.estimator.state.x.copy()
        x[:, 0] += h * p[:, 0]
        clone.state = replace(self.estimator.state, x=x)
        twin = None
        if self.case.capacity_self_consistent:
            twin = copy.copy(self.estimator)
            twin.set_cell_scales(self.scale * (1.0 + self._CAPACITY_STEP), 1.0)
        return _Anchor(
            time_s=moment, soc=float(out.soc[0]), var=sigma * sigma, h=h, clone=clone, twin=twin
        )

    def _pair(self, moment: float, anchor: "_Anchor", out: Any) -> "_Pair | None":
        """The pair from the anchor to this rest point (None: too short or no information)."""
        duration = moment - anchor.time_s
        if duration < self.case.capacity_segment_s:
            return None
        soc = float(out.soc[0])
        p = self.estimator.state.p[:, :, 0]
        clone_x = anchor.clone.state.x[:, 0]
        # The clone's lead over the filter is h Phi(t1, t0) P(t0) e_soc: its SoC entry
        # gives cov(e_soc(t1), e_soc(t0)), its offset entry cov(e_b(t1), e_soc(t0)).
        # Clipped to Cauchy-Schwarz's |C| <= sigma(t0) sigma(t1): the difference's variance
        # stays >= (sigma(t0) - sigma(t1))^2.
        bound = math.sqrt(anchor.var * float(p[0, 0]))
        cross_soc = min(max((float(clone_x[0]) - soc) / anchor.h, -bound), bound)
        cross_bias = (float(clone_x[3]) - float(out.current_bias_a[0])) / anchor.h
        soc_change_var = max(anchor.var + float(p[0, 0]) - 2.0 * cross_soc, _MIN_SOC_CHANGE_VAR)
        hours = duration / 3600.0
        charge = anchor.measured_ah - float(out.current_bias_a[0]) * hours
        gain = self.estimator.tuning.current_gain_error_pct / 100.0
        charge_var = float(p[3, 3]) * hours**2 + (gain * charge) ** 2 + 1e-10
        # e_y = -e_b(t1) T and e_x = e_soc(t0) - e_soc(t1); clipped like awtls_update does.
        limit = _MAX_CORRELATION * math.sqrt(soc_change_var * charge_var)
        covariance = min(max(-hours * (cross_bias - float(p[0, 3])), -limit), limit)
        pair = _Pair(
            time_s=moment,
            soc_change=anchor.soc - soc,
            soc_change_var=soc_change_var,
            charge_ah=charge,
            charge_var_ah2=charge_var,
            covariance_ah=covariance if self.case.capacity_pair_covariance else 0.0,
        )
        if anchor.twin is None:
            return pair
        return self._self_consistent(pair, anchor, duration)

    def _apply(self, pair: "_Pair") -> None:
        """Add the pair to the committed sums (for good once it spans enough SoC); feed back."""
        from bms.estimation import awtls_update  # noqa: PLC0415

        self.open_pair = pair
        self.state = awtls_update(
            self.committed,
            np.array([pair.soc_change]),
            pair.charge_ah,
            pair.soc_change_var,
            pair.charge_var_ah2,
            covariance_ah=pair.covariance_ah,
        )
        if abs(pair.soc_change) >= self.case.capacity_pair_soc:
            # The next pair is anchored at the next rest, so that pairs share no end.
            self.committed, self.open_pair, self.anchor = self.state, None, None
            self.updates += 1
        capacity = float(self.state.capacity_ah[0])
        capacity_sigma = float(self.state.capacity_sigma_ah[0])
        self.history.append((pair.time_s, capacity, capacity_sigma))
        if self.case.capacity_feedback:
            self.scale = capacity / self.nominal
            self.estimator.set_cell_scales(self.scale, 1.0)
            if self.anchor is not None and self.anchor.twin is not None:
                self.anchor.twin.set_cell_scales(self.scale * (1.0 + self._CAPACITY_STEP), 1.0)
            self.estimator.tuning = replace(
                self.estimator.tuning,
                capacity_uncertainty_pct=max(
                    CAPACITY_UNCERTAINTY_FLOOR_PCT, 100.0 * capacity_sigma / capacity
                ),
            )

    def result(self, true_capacity_ah: float) -> dict[str, object]:
        """The estimate (the open pair committed) against the plant's capacity, JSON-ready."""
        if self.pending is not None:  # the run ended at rest
            self._apply(self.pending)
            self.pending = None
        pairs = self.updates + (self.open_pair is not None)
        capacity = float(self.state.capacity_ah[0])
        return {
            "capacity_estimate_ah": capacity,
            "capacity_sigma_ah": float(self.state.capacity_sigma_ah[0]),
            "capacity_true_ah": true_capacity_ah,
            "capacity_error": (capacity - true_capacity_ah) / true_capacity_ah,
            "capacity_updates": pairs,
            "capacity_last_pair": None if self.open_pair is None else self.open_pair.as_dict(),
            "capacity_history": [
                {"time_s": t, "capacity_ah": c, "sigma_ah": s} for t, c, s in self.history
            ],
        }


_MIN_SOC_CHANGE_VAR = 1e-10
"""Floor of a SoC difference's variance (the clone's difference is rounded at ~1e-12)."""
_MAX_CORRELATION = 0.99
"""Largest magnitude of a pair's error correlation passed on (as awtls_update clips it)."""


@dataclass
class _Anchor:
    """Start of the open pair: the filter at a rest point and its perturbed clone."""

    time_s: float
    soc: float
    var: float
    h: float
    """The clone's state is the filter's plus ``h P e_soc``."""
    clone: Any
    twin: Any
    """The filter from the anchor on with its capacity times ``1 + _CAPACITY_STEP``, or None."""
    measured_ah: float = 0.0
    """Charge counted with the measured current since the anchor."""


@dataclass(frozen=True)
class _Pair:
    """One (SoC change, charge) pair with its variances."""

    time_s: float
    soc_change: float
    soc_change_var: float
    charge_ah: float
    charge_var_ah2: float
    covariance_ah: float
    sensitivity: float = 0.0
    """``dr / dQ_f``: how far the pair's ratio follows the filter's capacity (0: not at all)."""

    def as_dict(self) -> dict[str, float]:
        """JSON-ready values."""
        return {
            "time_s": self.time_s,
            "soc_change": self.soc_change,
            "soc_change_sigma": math.sqrt(self.soc_change_var),
            "charge_ah": self.charge_ah,
            "charge_sigma_ah": math.sqrt(self.charge_var_ah2),
            "correlation": self.covariance_ah
            / math.sqrt(self.soc_change_var * self.charge_var_ah2),
            "capacity_sensitivity": self.sensitivity,
        }
