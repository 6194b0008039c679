"""Load a script of ``verification/scripts/`` as a module, so its tests call its functions.

The scripts are run by path (``python verification/scripts/NAME.py``), not
imported as a package; their tests load them the same way, by path.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["SCRIPTS", "load_script"]

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
"""The folder of the verification scripts."""


def load_script(name: str) -> ModuleType:
    """Import ``verification/scripts/<name>.py`` under the module name ``scripts.<name>``."""
    module_name = f"scripts.{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, SCRIPTS / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {SCRIPTS / name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
