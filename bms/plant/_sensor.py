"""Sensor model: what the BMS measures of the plant, with noise, gain error and offset.

ASIL: QM (test plant; never part of the BMS control path). Requirements: none (a
verification tool).

Defaults are issue 3's (item 7): cell voltage noise 2 mV rms, current gain
error 0.5 % and offset 50 mA, temperature noise 0.5 K. The gain error and the
offset are fixed systematic errors (applied exactly, with their sign); the
noises are white Gaussian, drawn from a seeded :class:`numpy.random.Generator`.
"""

from dataclasses import dataclass

import numpy as np

from bms.plant._simulator import PackMeasurement

__all__ = ["SensorErrors", "SensorModel"]

_PERCENT = 100.0


@dataclass(frozen=True)
class SensorErrors:
    """Errors of the measurement chain; the defaults are issue 3's."""

    voltage_noise_v: float = 0.002
    """Cell voltage noise, rms."""
    current_gain_error_pct: float = 0.5
    """Current gain error: measured = true x (1 + pct / 100) + offset."""
    current_offset_a: float = 0.05
    """Current offset, added to every current sample."""
    current_noise_a: float = 0.0
    """Current noise, rms."""
    temperature_noise_k: float = 0.5
    """Cell temperature noise, rms."""

    def __post_init__(self) -> None:
        """Reject negative noise levels."""
        for name in ("voltage_noise_v", "current_noise_a", "temperature_noise_k"):
            value = getattr(self, name)
            if not value >= 0.0:
                raise ValueError(f"{name}={value} must be >= 0")


class SensorModel:
    """Applies :class:`SensorErrors` to plant measurements."""

    def __init__(self, errors: SensorErrors | None = None, seed: int = 0) -> None:
        """Sensor chain with ``errors`` (issue 3's defaults when ``None``), seeded."""
        self.errors = errors if errors is not None else SensorErrors()
        """The configured errors."""
        self._rng = np.random.default_rng(seed)

    def measure(self, truth: PackMeasurement) -> PackMeasurement:
        """The measured values of one true sample."""
        errors = self.errors
        count = truth.cell_voltages_v.shape[0]
        voltages = truth.cell_voltages_v + errors.voltage_noise_v * self._rng.standard_normal(count)
        temperatures = truth.cell_temperatures_degc + (
            errors.temperature_noise_k * self._rng.standard_normal(count)
        )
        current = (
            truth.current_a * (1.0 + errors.current_gain_error_pct / _PERCENT)
            + errors.current_offset_a
            + errors.current_noise_a * float(self._rng.standard_normal())
        )
        return PackMeasurement(
            time_s=truth.time_s,
            cell_voltages_v=voltages,
            cell_temperatures_degc=temperatures,
            current_a=current,
        )
