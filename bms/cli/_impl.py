"""What the ``bms`` commands do, callable without the command line.

Each function takes typed arguments and returns data; printing is left to
:mod:`bms.cli`.
"""

from pathlib import Path

from bms.config import BmsConfig, load_config

__all__ = ["check_configs", "config_summary"]


def config_summary(config: BmsConfig) -> dict[str, object]:
    """The headline figures of a configuration, for a person to read."""
    pack, cell, protection = config.pack, config.cell, config.protection
    return {
        "pack": pack.name,
        "series_count": pack.series_count,
        "parallel_count": pack.parallel_count,
        "capacity_ah": cell.nominal_capacity_ah * pack.parallel_count,
        "chemistry": cell.chemistry,
        "cell_voltage_fault_window_v": [
            protection.cell_voltage.under_fault_v,
            protection.cell_voltage.over_fault_v,
        ],
        "protection_period_ms": pack.protection_period_ms,
    }


def check_configs(paths: list[Path]) -> list[str]:
    """Validate each file; return one message per problem (empty when all are valid)."""
    from bms.errors import ConfigError  # noqa: PLC0415 - keeps the happy path import-light

    messages: list[str] = []
    for path in paths:
        try:
            load_config(path)
        except ConfigError as error:
            messages.extend(error.render().splitlines())
    return messages
