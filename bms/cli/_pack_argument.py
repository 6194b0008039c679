"""The ``--config`` option's value: a shipped pack's name or a pack file's path."""

from pathlib import Path

__all__ = ["CONFIG_HELP", "pack_argument"]

CONFIG_HELP = "pack file (TOML) or a shipped pack (nmc_96s, lfp_96s); default: nmc_96s"
"""The option's help, the same on every command that takes it."""


def pack_argument(name_or_path: str) -> Path:
    """The pack file ``--config`` names (:func:`bms.config.pack_file`).

    Imported when an option is parsed, not when the command line is built, so that
    ``bms --help`` does not load the configuration models.
    """
    from bms.config import pack_file  # noqa: PLC0415 - keeps `bms --help` fast

    return pack_file(name_or_path)
