"""The SoC filter's noise model: its tuning and the variance of a voltage measurement.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOC_005.

Split from :mod:`bms.estimation._soc_ekf`, whose step reads both: every
field of :class:`SocFilterTuning` says which physical error it stands for
and how its default was measured, and :func:`measurement_variance` is the
readable form of the variance the step computes inline.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["SocFilterTuning", "measurement_variance"]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""


@dataclass(frozen=True)
class SocFilterTuning:
    """Noise model of the filter; the defaults suit issue 3's sensor errors at 10 Hz."""

    voltage_noise_v: float = 0.002
    """Cell voltage sensor noise, rms."""
    model_error_v: float = 0.005
    """Voltage error of the equivalent circuit near rest, rms (see :func:`measurement_variance`).

    Near rest the circuit's voltage is its OCV table, which matches the physics
    model's OCV test to a few mV (the fit report's ``ocv_rmse_v``: 7 mV LFP,
    12 mV NMC including the table ends, less inside); the error under load is
    ``overpotential_error_pct``'s.
    """
    fit_residual_floor: bool = False
    """Use the chemistry's pulse-fit residual at the cell's temperature as a floor of the above.

    Off by default: the pulse residual (``fit.pulse_rmse_v_by_temperature``,
    11-26 mV) is dominated by the 1C pulses' overpotential error, which the
    overpotential term already carries in proportion to the load.
    """
    overpotential_error_pct: float = 30.0
    """Share of the predicted overpotentials ``|R0 I| + |v1|`` taken as model error, %.

    The tables linearise the Butler-Volmer overpotential at the calibration
    pulses' current (1C), where its effective resistance
    ``asinh(I / 2 i0) / I`` is lowest; at a drive cycle's lower mean current
    the true resistance is higher. With the exchange current ``i0`` small
    (the cold), ``I / 2 i0 = 3`` at 1C makes it 55 % higher at C/5, and the
    error keeps one sign through a drive. On the DFN the LFP circuit reads
    10-16 mV high on average over HWFET at 0 and -10 degC; with 10 % here
    the filter, its current offset calibrated at key-on, left the truth
    outside its 3-sigma bound in 95-100 % of those samples, with 20 % in
    about a third of them at -10 degC, with 30 % in none (``docs/validation``).
    """
    slow_overpotential_error_pct: float = 80.0
    """Share of the slow RC pair's voltage ``|v2|`` taken as model error, %.

    The slow pair stands for diffusion in the particles and the electrolyte,
    whose response to a sustained load (a charge, a motorway drive) one
    exponential fits worst: on a 0.7C constant-current charge of the DFN
    (Chen2020, 25 degC, 10 to 78 % SoC) the circuit's error drifts by 10-20 mV
    over tens of minutes while ``|R0 I| + |v1|`` stays flat. With 10 % for
    ``|v2|`` too, the truth left the filter's 3-sigma bound in 39 % of that
    charge's samples (20-run NEES 7.9, RMSE 1.46 %); with 40 %, NEES 2.9; with
    80 %, NEES 1.06, coverage 100 %, RMSE 0.71 % (``docs/validation``). A
    short pulse barely moves ``v2``, so drive cycles keep their voltage
    information.
    """
    surface_lag_error_pct: float = 10.0
    """Share of the particles' surface lag's voltage ``|V_lag|`` taken as model error, %.

    A circuit fitted with the lag held out (SWR_CELL_007) has a slow pair
    near zero where the lag took its place, so the lag's voltage needs a
    share of its own: without one, on the LFP cell's 1.3C charge at 45 degC,
    the truth left the filter's 3-sigma bound in 27 % of the plating
    validation's holds, errors up to 1.0 point (``docs/validation/plating``);
    with 10 %, in none (0.66 point). The lag model follows the DFN's own lag
    to 1.1-4.1 mV rms against lags of 10-64 mV rms (10-17 %; ``nox -s
    surface_lag``). A larger share costs information on a plant that has
    the lag exactly: the aged-cell capacity on the circuit plant
    (``test_capacity_loop.py``, three sequences, offset known) is 2.99 %
    off with 10 %, 3.03 % with 20 % and 3.22 % with the slow pair's 80 %
    (measured before the filter's regression on the OCV, which moved the
    10 % figure to 3.01 %).
    """
    surface_lag_slope: bool | None = None
    """Add the surface lag's slope in SoC to the measurement Jacobian (``None``: on a flat OCV).

    The lag's voltage moves with the SoC (a bump at each electrode's
    potential step), so the full Jacobian carries its secant over the
    SoC's spread beside the OCV's. The slope is only as good as the lag's
    magnitude, which scales with the capacity, so it pays where the OCV
    says little and the lag much, and costs where the OCV says enough:

    * on a flat OCV (PyBaMM's LFP cell) it makes the 0.7C charges honest:
      their 20 prior-drawn runs go from 0.942-0.975 of samples inside
      3 sigma to 1.000 (largest error 7.6 to 3.9 points; validation matrix,
      every LFP row's RMSE and maximum inside issue 9's targets either way);
    * on a steep OCV (the NMC cell) it changes no row of the matrix by more
      than 0.03 point, but with the capacity not yet known (aged to 85 %,
      the filter's capacity 18 % high, the lag 15 % short) the SoC stays
      inside 3 sigma in 46 % of the samples against 95 % or more without
      it (``test_capacity_loop.py``), since at 85-95 % SoC the lag's slope
      is six times the OCV's. Counting the capacity's uncertainty in the
      lag's share of the error (10 % and 10 % in quadrature) only moved
      that to 48 %.

    ``None`` (the default) decides by the chemistry: on when the OCV's
    median slope over 10-90 % SoC (:attr:`bms.cell.CellTables.ocv_median_slope_v`)
    is below ``flat_ocv_slope_v``; ``True`` or ``False`` forces it.
    """
    flat_ocv_slope_v: float = 0.5
    """OCV slope below which ``surface_lag_slope=None`` counts a chemistry's OCV as flat, V/SoC.

    5 mV per % SoC: between PyBaMM's LFP cell (2.2 mV per %) and its NMC cell (9.2).
    """
    model_error_correlation_s: float = 10.0
    """Time over which the circuit's voltage error stays correlated, s.

    The model error follows the load history through the RC pairs' dynamics
    (the shipped tables' fast pairs: median 35 s NMC, 16 s LFP), so ``tau /
    dt`` samples carry one sample's worth of information: the model-error
    variance is inflated by ``max(1, tau / dt)``. 30 s was measured in full
    and not adopted (``docs/validation``, "The filter on its own circuit"):
    it kept an LFP filter started 10 points unsure honest on its own
    circuit (a kept SoC, sigma about 1 %, is honest at 10 s; an unsure
    start's reported sigma is, since, by the plateau's floor,
    ``plateau_floor``), and it costs the capacity pairs their information
    (NMC aged to 85 %: 4.0 to 5.7 % off) and the LFP charge its 5 % time
    target (1.048 to 1.051).
    """
    plateau_floor: bool | None = None
    """Floor an unsure start's reported sigma by the plateau (``None``: on a flat OCV).

    :mod:`bms.estimation._soc_plateau` (SWR_SOC_010). ``None`` decides as
    ``surface_lag_slope`` does, by the OCV's median slope against
    ``flat_ocv_slope_v``: on PyBaMM's LFP cell the unknown start is
    over-confident without it (coverage 0.875-0.975 on the own circuit's
    drives); the NMC cell's is honest without it (0.9915-1.000), and with
    it the flat stretch at 85-92 % SoC (1.5-1.7 % floor) kept the matrix's
    NMC UDDS at -20 degC inside its NEES band 74 % of the time instead of
    100 % (``docs/validation``).
    """
    plateau_voltage_v: float = 0.015
    """OCV difference below which the voltage is taken not to tell two SoCs apart, V (0: off).

    For the plateau's floor under the sigma of a cell whose power cycle
    started unsure (``plateau_start_sigma``; :mod:`bms.estimation._soc_plateau`):
    three times the circuit's rest model error ``model_error_v``. On the
    filter's own circuit, LFP, 40 runs a row (UDDS at 0 and 25 degC and
    HWFET at 25 degC from the unknown start, HWFET at 45 degC started 10
    points unsure), 15 mV and 10 mV keep the truth inside 3 sigma in every
    sample, the mean NEES 0.15-0.92 and 0.20-1.18; 6 mV leaves 2.3 % of
    UDDS at 0 degC's samples outside it, above the NEES band all the time
    (``docs/validation``, "The filter on its own circuit").
    """
    plateau_start_sigma: float = 0.05
    """Start sigma from which a cell's reported sigma keeps the plateau's floor until a knee.

    Started 1, 2, 3 and 5 points unsure at 70 % (LFP UDDS at 0 degC and
    HWFET at 45 degC, own circuit) the filter alone is honest; 10 points
    unsure it is not (``docs/validation``). The controller's starts: a kept
    SoC (about 1 point after a night) stays below, the unknown start (30
    points) above.
    """
    plateau_release_sigma: float = 0.005
    """Floor at a cell's estimate at or below which the cell gives the plateau's floor up.

    Where the floor is this small the voltage places the SoC (LFP below 16 %
    and above 97 %, NMC at most SoCs): an unsure start that reaches such a
    knee is known from then on, and keeps none at its next start. Without
    a release a pack that once lost its kept SoC would keep the floor for
    good (the key-off keeps the marks). With 0.5 % the unknown start's LFP
    rows on the own circuit keep the truth inside 3 sigma in every sample,
    as without a release (``docs/validation``).
    """
    current_noise_a: float = 0.01
    """Current sensor white noise per sample, rms (cell current)."""
    current_gain_error_pct: float = 0.5
    """Current sensor gain error (1 sigma); with the capacity's, the coulomb count's scale error.

    A fixed factor on the charge counted, not noise: the filter considers the
    scale error (its covariance with the state carried; ``bms.estimation._soc_ekf``)."""
    capacity_uncertainty_pct: float = 3.0
    """Uncertainty of each cell's capacity (1 sigma); with the gain error, the considered
    scale error of the coulomb count."""
    soc_random_walk_per_sqrt_s: float = 1e-4
    """Process noise on SoC (model error), per square root of a second."""
    rc_random_walk_v_per_sqrt_s: float = 2e-4
    """Process noise on each RC voltage, per square root of a second."""
    initial_rc_sigma_v: float = 0.002
    """Initial standard deviation of each RC voltage (the BMS starts with the pack near rest)."""
    estimate_current_bias: bool = True
    """Whether the filter estimates the current sensor's offset (state ``b``)."""
    initial_bias_sigma_a: float = 0.1
    """Initial standard deviation of the current offset."""
    bias_random_walk_a_per_sqrt_s: float = 1e-4
    """Process noise on the current offset, per square root of a second."""
    estimate_resistance: bool = True
    """Whether the filter estimates each cell's resistance deviation (state ``d``)."""
    initial_resistance_sigma_pct: float = 5.0
    """Initial standard deviation of the resistance deviation, percent."""
    resistance_random_walk_per_sqrt_s: float = 1e-6
    """Process noise on the relative resistance deviation, per square root of a second."""
    max_step_s: float = 60.0
    """Longest step accepted; a longer (or non-positive) step is rejected as implausible."""
    max_abs_current_a: float = 1000.0
    """Largest cell current magnitude accepted; a larger one rejects the step."""
    voltage_range_v: tuple[float, float] = (0.0, 10.0)
    """Cell voltages outside this range are treated like non-finite ones (no update)."""
    temperature_range_degc: tuple[float, float] = (-100.0, 200.0)
    """Cell temperatures outside this range are replaced by the cell's last valid one."""

    @property
    def scale_variance(self) -> float:
        """Variance of the coulomb count's relative scale error, the gain's and the capacity's.

        The two are independent: their variances add.
        """
        scale = (self.current_gain_error_pct**2 + self.capacity_uncertainty_pct**2) / 1e4
        return float(scale)


def measurement_variance(
    tuning: SocFilterTuning,
    fit_rmse_v: FloatArray,
    load_error_v: FloatArray,
    inflation: float,
) -> FloatArray:
    """Variance of each cell's voltage measurement as the filter sees it: sensor plus model.

    Implements: SWR_SOC_005

    ``r = sigma_v^2 + inflation * (max(e_0, e_fit(T))^2 + e_load^2)``:

    * ``sigma_v``: the voltage sensor's white noise;
    * ``e_0`` (``model_error_v``) and ``e_fit(T)``: the circuit's voltage
      error at rest-like conditions; the chemistry's pulse-fit residual at the
      cell's temperature is a floor (the circuit cannot be trusted closer
      than it fitted its own calibration data) when ``fit_residual_floor``;
    * ``e_load = k (|R0 I| + |v1|) + k_slow |v2| + k_lag |V_lag|``: the
      circuit's error under load, a share ``k`` (``overpotential_error_pct``)
      of the overpotentials ``|R0 I| + |v1|`` it predicts, a share ``k_slow``
      (``slow_overpotential_error_pct``) of the slow pair's ``|v2|`` and a
      share ``k_lag`` (``surface_lag_error_pct``) of the surface lag's
      ``|V_lag|`` (0 for a model without it).
      Physical reason: the fitted resistances linearise the charge-transfer
      (Butler-Volmer) and diffusion overpotentials at the calibration pulses'
      current; at another current and in the cold, where the overpotential is
      largest and most non-linear, the error grows with it, and most for the
      diffusion under a sustained load;
    * ``inflation = max(1, tau_c / dt)``: the model error is not white but
      correlated over ``tau_c`` (it follows the load history through the
      slow diffusion dynamics), so ``tau_c / dt`` samples carry no more
      information about the SoC than one; spreading one sample's information
      over them (the information-equivalent white noise) stops the filter
      from averaging a bias away. Together with the OCV secant (``H``'s SoC
      entry), a voltage error on a flat OCV (LFP's plateau) then moves the
      SoC bound as little as it moves the SoC: the voltage can place the SoC
      no closer than about ``e / (dOCV/dSoC)``.
    """
    sensor2 = tuning.voltage_noise_v**2
    if tuning.fit_residual_floor:
        floor = np.maximum(fit_rmse_v, tuning.model_error_v)
        result: FloatArray = (sensor2 + inflation * load_error_v * load_error_v) + (
            inflation * floor * floor
        )
        return result
    rest2 = sensor2 + inflation * tuning.model_error_v**2
    uniform: FloatArray = inflation * (load_error_v * load_error_v) + rest2
    return uniform
