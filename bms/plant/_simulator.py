"""Fast equivalent-circuit pack simulator: N series cells with cell-to-cell spread.

ASIL: QM (test plant; never part of the BMS control path). Requirements: none (a
verification tool: the truth the estimation requirements are tested against).

The truth for fast tests and for the fault-injection campaign: one cell of the
chemistry per series position, each with its own capacity, resistance and
initial SoC drawn once from a seeded :class:`numpy.random.Generator`, stepped
with the equivalent-circuit model of :mod:`bms.cell` (exact RC discretisation,
coulomb counting against the temperature-dependent capacity, lumped thermal
model). The same seed gives the same pack.
"""

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bms.cell import CellModel, Chemistry, EcmState, cell_model, ecm_step
from bms.cell import terminal_voltage as _terminal_voltage

__all__ = ["PackMeasurement", "PackSimulator", "PackSpread"]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

_PERCENT = 100.0


@dataclass(frozen=True)
class PackSpread:
    """Cell-to-cell spread, each a standard deviation in percent of the nominal value."""

    capacity_pct: float = 0.0
    """Spread of the capacity (1 sigma, percent of the chemistry's)."""
    resistance_pct: float = 0.0
    """Spread of R0, R1 and R2 together (1 sigma, percent of the chemistry's)."""
    initial_soc_pct: float = 0.0
    """Spread of the initial SoC (1 sigma, in SoC percentage points)."""


@dataclass(frozen=True)
class PackMeasurement:
    """What the plant shows after a step (the truth, before any sensor error)."""

    time_s: float
    """Simulated time at the end of the step."""
    cell_voltages_v: FloatArray
    """Terminal voltage of each series cell, shape (series_count,)."""
    cell_temperatures_degc: FloatArray
    """Temperature of each series cell, shape (series_count,)."""
    current_a: float
    """Cell current during the step (positive on discharge)."""


class PackSimulator:
    """N series cells of one chemistry with spread, stepped in time.

    Example::

        sim = PackSimulator(chemistry, series_count=96, spread=PackSpread(3.0, 5.0, 5.0),
                            initial_soc=0.8, ambient_degc=25.0, seed=1)
        m = sim.step(current_a=5.0, dt_s=0.1)
    """

    def __init__(  # noqa: PLR0913 - the signature is fixed by the shared contract
        self,
        chemistry: Chemistry,
        series_count: int,
        *,
        spread: PackSpread | None = None,
        initial_soc: float = 0.5,
        ambient_degc: float = 25.0,
        seed: int = 0,
        capacity_fraction: float = 1.0,
        resistance_factor: float = 1.0,
    ) -> None:
        """Build the pack; every random draw comes from ``numpy.random.default_rng(seed)``.

        Args:
            chemistry: the cell type.
            series_count: cells in series, >= 1.
            spread: cell-to-cell spread; none when ``None``.
            initial_soc: mean initial SoC, in [0, 1].
            ambient_degc: ambient temperature; cells start at it.
            seed: seed of the random generator.
            capacity_fraction: ageing of every cell: capacity relative to new.
            resistance_factor: ageing of every cell: resistance relative to new.

        Raises:
            ValueError: on a series count < 1, an initial SoC outside [0, 1],
                or non-positive ageing factors.
        """
        if series_count < 1:
            raise ValueError(f"series_count={series_count} must be >= 1")
        if not 0.0 <= initial_soc <= 1.0:
            raise ValueError(f"initial_soc={initial_soc} must be in [0, 1]")
        if not (capacity_fraction > 0.0 and resistance_factor > 0.0):
            raise ValueError(
                f"capacity_fraction={capacity_fraction} and resistance_factor="
                f"{resistance_factor} must be > 0"
            )
        spread = spread if spread is not None else PackSpread()
        rng = np.random.default_rng(seed)
        capacity = capacity_fraction * (
            1.0 + rng.standard_normal(series_count) * spread.capacity_pct / _PERCENT
        )
        resistance = resistance_factor * (
            1.0 + rng.standard_normal(series_count) * spread.resistance_pct / _PERCENT
        )
        soc = initial_soc + rng.standard_normal(series_count) * spread.initial_soc_pct / _PERCENT
        self._model: CellModel = cell_model(
            chemistry,
            capacity_scale=np.maximum(capacity, 0.05),
            resistance_scale=np.maximum(resistance, 0.05),
        )
        zeros = np.zeros(series_count)
        self._state = EcmState(
            soc=np.clip(soc, 0.0, 1.0),
            v_rc1_v=zeros,
            v_rc2_v=zeros.copy(),
            temperature_degc=np.full(series_count, ambient_degc),
        )
        self.ambient_degc = ambient_degc
        """Ambient temperature; may be changed between steps."""
        self._time_s = 0.0
        self._chemistry = chemistry

    @property
    def series_count(self) -> int:
        """Cells in series."""
        return int(self._state.soc.shape[0])

    @property
    def true_soc(self) -> FloatArray:
        """True SoC of each cell (a copy)."""
        return self._state.soc.copy()

    @property
    def state(self) -> EcmState:
        """The whole true equivalent-circuit state."""
        return self._state

    @property
    def model(self) -> CellModel:
        """The cells' model, with each cell's capacity and resistance scale."""
        return self._model

    @property
    def cell_capacity_ah(self) -> FloatArray:
        """Each cell's capacity at the chemistry's nominal conditions (25 degC)."""
        result: FloatArray = self._chemistry.nominal_capacity_ah * np.asarray(
            self._model.capacity_scale
        )
        return result

    def age(self, capacity_factor: float) -> None:
        """Scale every cell's capacity by ``capacity_factor`` (fade), keeping its state.

        Each cell keeps its SoC (the charge it holds shrinks with its capacity),
        so a pack can age between two drives without a jump in its voltages.

        Raises:
            ValueError: on a factor outside (0, 1].
        """
        if not 0.0 < capacity_factor <= 1.0:
            raise ValueError(f"capacity_factor={capacity_factor} must be in (0, 1]")
        scale = np.asarray(self._model.capacity_scale, dtype=np.float64) * capacity_factor
        self._model = replace(self._model, capacity_scale=scale)

    def measure(self, current_a: float = 0.0) -> PackMeasurement:
        """The pack's outputs now, while ``current_a`` flows (no time passes)."""
        return PackMeasurement(
            time_s=self._time_s,
            cell_voltages_v=_terminal_voltage(self._model, self._state, current_a),
            cell_temperatures_degc=self._state.temperature_degc.copy(),
            current_a=current_a,
        )

    def step(
        self, current_a: float, dt_s: float, bleed_current_a: FloatArray | float = 0.0
    ) -> PackMeasurement:
        """Hold ``current_a`` (per cell, positive on discharge) for ``dt_s``, then measure.

        ``bleed_current_a`` is each cell's balancing current (positive: the
        resistor across the cell discharges it), scalar or shape (cells,),
        held over the step; each cell then carries ``current_a`` plus its
        bleed, and its terminal voltage is measured under that current. The
        measurement's ``current_a`` stays the string current (what the
        current sensor sees). The default, zero, is the plain string.

        Raises:
            ValueError: if the current or a bleed current is not finite or
                ``dt_s`` is not a positive finite number.
        """
        if not np.isfinite(current_a):
            raise ValueError(f"current_a={current_a} must be finite")
        if not (np.isfinite(dt_s) and dt_s > 0.0):
            raise ValueError(f"dt_s={dt_s} must be a positive finite number")
        if isinstance(bleed_current_a, float) and bleed_current_a == 0.0:
            self._state = ecm_step(self._model, self._state, current_a, dt_s, self.ambient_degc)
            self._time_s += dt_s
            return self.measure(current_a)
        if not np.all(np.isfinite(bleed_current_a)):
            raise ValueError(f"bleed_current_a={bleed_current_a} must be finite")
        cell_current = current_a + np.asarray(bleed_current_a, dtype=np.float64)
        self._state = ecm_step(self._model, self._state, cell_current, dt_s, self.ambient_degc)
        self._time_s += dt_s
        return PackMeasurement(
            time_s=self._time_s,
            cell_voltages_v=_terminal_voltage(self._model, self._state, cell_current),
            cell_temperatures_degc=self._state.temperature_degc.copy(),
            current_a=current_a,
        )
