"""NEES consistency of the SoC filter: Monte-Carlo runs on one truth against the chi-square band.

ASIL: QM (validation tool; runs offline, never in the control path).
Requirements: SWR_CAL_002.

A filter is consistent when its errors are as large as its covariance says.
The test is Bar-Shalom, Li and Kirubarajan's (*Estimation with Applications
to Tracking and Navigation*, Wiley 2001, section 5.4.2): over ``M``
independent runs the average normalised estimation error squared of an
``n``-dimensional error at one time step, ``(1/M) sum e' P^-1 e``, follows a
chi-square law with ``M n`` degrees of freedom divided by ``M``; an honest
filter keeps it inside the two-sided 95 % band at about 95 % of the time
steps. Above the band the filter is over-confident (its bound too small),
below it pessimistic (its bound larger than its errors).

The runs share the truth (one DFN run is minutes) and draw what the filter
takes as random (:func:`bms.calibration._filter_runs.prior_draws`): the
initial SoC guess from its initial covariance around the truth, the cell's
capacity and resistance deviation from its priors, and each cell voltage
and temperature its own noise (the filter is vectorised over cells, so
``M`` runs are ``M`` columns of one filter). The current is one
measurement, as a pack has one current sensor; its fixed offset and gain
error are the case's, the same in every run. The test is therefore of the
filter on this case's truth: the equivalent circuit's own error against the
physics is the same in every run and shows as a bias that no number of runs
averages away. Besides the NEES, the runs' largest error and their share of
samples inside three sigma say whether any start from the prior leaves the
filter wrong and over-confident (a filter stuck on a plateau is).
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["NeesConsistency", "nees_band", "nees_consistency"]

FloatArray = npt.NDArray[np.float64]

BAND_PROBABILITY = 0.95
"""Two-sided probability of the chi-square band."""


@dataclass(frozen=True)
class NeesConsistency:
    """How often the runs' average NEES lies inside, below and above its chi-square band."""

    runs: int
    """Monte-Carlo runs ``M``."""
    band: tuple[float, float]
    """The 95 % band of the average NEES of ``M`` runs (scalar SoC error)."""
    inside_fraction: float
    """Share of the scored time steps with the average NEES inside the band (0.95 if honest)."""
    below_fraction: float
    """Share below the band: the bound larger than the errors (pessimistic)."""
    above_fraction: float
    """Share above the band: the bound smaller than the errors (over-confident)."""
    mean_nees: float
    """Time mean of the runs' average NEES (1 for an honest filter)."""
    max_abs_error: float
    """Largest absolute SoC error of any run at a scored time step."""
    bound_coverage: float
    """Share of the runs' scored samples with the truth inside three sigma."""

    def as_dict(self) -> dict[str, object]:
        """The figures as JSON-ready values (keys prefixed ``nees_``)."""
        return {
            "nees_runs": self.runs,
            "nees_band": list(self.band),
            "nees_inside_band": self.inside_fraction,
            "nees_below_band": self.below_fraction,
            "nees_above_band": self.above_fraction,
            "nees_ensemble_mean": self.mean_nees,
            "nees_runs_max_abs_error": self.max_abs_error,
            "nees_runs_bound_coverage": self.bound_coverage,
        }


def nees_band(runs: int, dimension: int = 1) -> tuple[float, float]:
    """The two-sided 95 % band of the average NEES of ``runs`` runs of a ``dimension``-state error.

    Raises:
        ValueError: for fewer than one run or state.
    """
    from scipy.stats import chi2  # noqa: PLC0415 - the plant extra

    if runs < 1 or dimension < 1:
        raise ValueError(f"runs={runs} and dimension={dimension} must be >= 1")
    freedom = runs * dimension
    tail = (1.0 - BAND_PROBABILITY) / 2.0
    low, high = chi2.ppf([tail, 1.0 - tail], freedom)
    return float(low) / runs, float(high) / runs


def nees_consistency(
    time_s: FloatArray,
    truth: FloatArray,
    estimates: FloatArray,
    sigmas: FloatArray,
    window_s: float,
) -> NeesConsistency:
    """Score ``M`` runs of a scalar estimate (``estimates``, ``sigmas``: shape (M, T)).

    ``truth`` is one truth for every run, shape (T,), or each run's own,
    shape (M, T) (:mod:`._own_model`). Time steps before ``window_s`` from
    the start are not scored (the filter's convergence from its initial
    guess).

    Raises:
        ValueError: if the shapes disagree or no time step lies after the window.
    """
    if estimates.ndim != 2 or estimates.shape != sigmas.shape:
        raise ValueError("estimates and sigmas must have one shape (runs, samples)")
    if estimates.shape[1] != time_s.size or truth.shape not in {time_s.shape, estimates.shape}:
        raise ValueError("time_s, truth and each run must have one length")
    scored = time_s - time_s[0] >= window_s
    if not scored.any():
        raise ValueError(f"no sample after the {window_s:g} s convergence window")
    runs = estimates.shape[0]
    error = estimates[:, scored] - truth[..., scored]
    spread = sigmas[:, scored]
    average = np.mean((error / np.maximum(spread, 1e-12)) ** 2, axis=0)
    low, high = nees_band(runs)
    return NeesConsistency(
        runs=runs,
        band=(low, high),
        inside_fraction=float(np.mean((average >= low) & (average <= high))),
        below_fraction=float(np.mean(average < low)),
        above_fraction=float(np.mean(average > high)),
        mean_nees=float(np.mean(average)),
        max_abs_error=float(np.max(np.abs(error))),
        bound_coverage=float(np.mean(np.abs(error) <= 3.0 * spread)),
    )
