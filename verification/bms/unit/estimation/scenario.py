"""A short closed-loop scenario shared by the estimation tests: ECM plant, sensors, filter."""

from dataclasses import dataclass

import numpy as np

from bms.cell import Chemistry
from bms.estimation import SocEstimator, SocFilterTuning
from bms.plant import PackSimulator, PackSpread, SensorModel


@dataclass
class Run:
    """Histories of one run, each of shape (steps, cells)."""

    truth: np.ndarray
    estimate: np.ndarray
    sigma: np.ndarray
    coulomb: np.ndarray


def drive_current(steps: int, seed: int, hold: int = 100) -> np.ndarray:
    """A random drive profile (cell current, A), piecewise constant for ``hold`` steps."""
    rng = np.random.default_rng(seed)
    levels = np.clip(rng.normal(2.0, 6.0, steps // hold + 1), -7.0, 15.0)
    return np.repeat(levels, hold)[:steps]


def run(
    chemistry: Chemistry,
    *,
    cells: int = 8,
    steps: int = 6000,
    dt_s: float = 0.1,
    true_soc: float = 0.8,
    guess_soc: float | np.ndarray = 0.5,
    initial_sigma: float = 0.15,
    tuning: SocFilterTuning | None = None,
    spread: PackSpread | None = None,
    seed: int = 1,
) -> Run:
    """Drive a pack with sensor errors, filter it, and count coulombs from the same guess."""
    sim = PackSimulator(
        chemistry,
        cells,
        spread=spread if spread is not None else PackSpread(1.0, 5.0, 2.0),
        initial_soc=true_soc,
        seed=seed,
    )
    sensors = SensorModel(seed=seed + 1)
    estimator = SocEstimator(
        chemistry,
        cells,
        initial_soc=guess_soc,
        initial_sigma=initial_sigma,
        tuning=tuning if tuning is not None else SocFilterTuning(),
    )
    truth, estimate, sigma, coulomb = [], [], [], []
    counted = np.full(cells, guess_soc)
    for current in drive_current(steps, seed + 2):
        measured = sensors.measure(sim.step(float(current), dt_s))
        out = estimator.step(
            measured.cell_voltages_v, measured.current_a, measured.cell_temperatures_degc, dt_s
        )
        counted = counted - measured.current_a * dt_s / 3600.0 / chemistry.nominal_capacity_ah
        truth.append(sim.true_soc)
        estimate.append(out.soc)
        sigma.append(out.soc_sigma)
        coulomb.append(counted.copy())
    return Run(np.array(truth), np.array(estimate), np.array(sigma), np.array(coulomb))
