"""Test plant: a fast equivalent-circuit pack simulator and a sensor model.

ASIL: QM (tests and fault-injection campaigns; the BMS never imports it).

    from bms.plant import PackSimulator, PackSpread, SensorModel
    sim = PackSimulator(chemistry, series_count=96, spread=PackSpread(3.0, 5.0, 5.0),
                        initial_soc=0.8, ambient_degc=25.0, seed=1)
    measured = SensorModel(seed=2).measure(sim.step(current_a=5.0, dt_s=0.1))
"""

from bms.plant._sensor import SensorErrors, SensorModel
from bms.plant._simulator import PackMeasurement, PackSimulator, PackSpread

__all__ = ["PackMeasurement", "PackSimulator", "PackSpread", "SensorErrors", "SensorModel"]
