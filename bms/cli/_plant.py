"""The ``plant`` extra (PyBaMM, scipy, matplotlib) for the commands that simulate a cell.

ASIL: QM (tooling). The BMS runs without the extra; the commands that need it
say which module is missing and how to install it, instead of a traceback.
"""

import importlib
import sys

__all__ = ["missing_plant_extra"]


def missing_plant_extra(command: str, *modules: str) -> bool:
    """Report on stderr and return True when one of ``modules`` cannot be imported."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            print(
                f"bms {command}: {error.name or module} is missing; install the plant extra "
                "(pip install 'bms-safety-case[plant]')",
                file=sys.stderr,
            )
            return True
    return False
