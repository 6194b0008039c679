"""The ``--config`` option: a shipped pack's name or a pack file's path."""

import argparse
from pathlib import Path

__all__ = ["add_config_option", "pack_argument"]


def pack_argument(name_or_path: str) -> Path:
    """The pack file ``--config`` names (:func:`bms.config.pack_file`).

    Imported when an option is parsed, not when the command line is built, so that
    ``bms --help`` does not load the configuration models.
    """
    from bms.config import pack_file  # noqa: PLC0415 - keeps `bms --help` fast

    return pack_file(name_or_path)


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """Declare ``--config``, the same on every command that takes it."""
    parser.add_argument(
        "--config",
        type=pack_argument,
        help="pack file (TOML) or a shipped pack (nmc_96s, lfp_96s); default: nmc_96s",
    )
