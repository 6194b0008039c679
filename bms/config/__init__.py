"""Validated configuration of the BMS: pack structure, cell limits, protection thresholds.

ASIL: D. Every model is frozen and strict; :func:`load_config` reads a TOML
pack file and reports every problem with its file, line and field.
"""

from bms.config._bms import BmsConfig
from bms.config._cell import CellLimits
from bms.config._control import (
    BalancingConfig,
    ControlConfig,
    DeratingConfig,
    DeratingTable,
    ThermalConfig,
    control_problems,
)
from bms.config._loader import (
    DEFAULT_PACK_NAME,
    default_pack_path,
    load_config,
    pack_file,
    parse_config,
    shipped_pack_path,
)
from bms.config._pack import ContactorConfig, CurrentSensorConfig, PackConfig
from bms.config._protection import (
    CommunicationLimits,
    ContactorSequenceLimits,
    CurrentLimit,
    CurrentTemperatureDerating,
    IsolationLimits,
    PlausibilityLimits,
    ProtectionConfig,
    TemperatureLimits,
    TimedLimit,
    VoltageLimits,
)

__all__ = [
    "DEFAULT_PACK_NAME",
    "BalancingConfig",
    "BmsConfig",
    "CellLimits",
    "CommunicationLimits",
    "ContactorConfig",
    "ContactorSequenceLimits",
    "ControlConfig",
    "CurrentLimit",
    "CurrentSensorConfig",
    "CurrentTemperatureDerating",
    "DeratingConfig",
    "DeratingTable",
    "IsolationLimits",
    "PackConfig",
    "PlausibilityLimits",
    "ProtectionConfig",
    "TemperatureLimits",
    "ThermalConfig",
    "TimedLimit",
    "VoltageLimits",
    "control_problems",
    "default_pack_path",
    "load_config",
    "pack_file",
    "parse_config",
    "shipped_pack_path",
]
