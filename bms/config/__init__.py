"""Validated configuration of the BMS: pack structure, cell limits, protection thresholds.

ASIL: D. Every model is frozen and strict; :func:`load_config` reads a TOML
pack file and reports every problem with its file, line and field.
"""

from bms.config._bms import BmsConfig
from bms.config._cell import CellLimits
from bms.config._loader import DEFAULT_PACK_NAME, default_pack_path, load_config, parse_config
from bms.config._pack import ContactorConfig, CurrentSensorConfig, PackConfig
from bms.config._protection import (
    CurrentLimit,
    ProtectionConfig,
    TemperatureLimits,
    TimedLimit,
    VoltageLimits,
)

__all__ = [
    "DEFAULT_PACK_NAME",
    "BmsConfig",
    "CellLimits",
    "ContactorConfig",
    "CurrentLimit",
    "CurrentSensorConfig",
    "PackConfig",
    "ProtectionConfig",
    "TemperatureLimits",
    "TimedLimit",
    "VoltageLimits",
    "default_pack_path",
    "load_config",
    "parse_config",
]
