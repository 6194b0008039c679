"""The import hook: instrument the configured packages' modules as they are imported.

Layer 4 (producers). A meta path finder placed first on :data:`sys.meta_path`
hands the modules of the measured packages to a loader that parses,
instruments and compiles the source; everything else imports as usual.
Instrumented code is never written to ``__pycache__``. Each module's
fingerprint (:func:`safety_case.fingerprint.code_unit_fingerprint` of the
module itself) is taken from the source as it is instrumented, so that the
coverage record rests on the code that was measured.
"""

import ast
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, ModuleType

from safety_case.fingerprint import code_unit_fingerprint
from safety_case.runners.mcdc._instrument import instrument
from safety_case.runners.mcdc._runtime import Measurement, ModuleData

__all__ = ["McdcFinder", "install", "uninstall"]


class _McdcLoader(importlib.machinery.SourceFileLoader):
    """Loads a source file through the instrumenter."""

    def __init__(self, fullname: str, path: str, measurement: Measurement) -> None:
        super().__init__(fullname, path)
        self._measurement = measurement
        self._compiled: tuple[CodeType, ModuleData] | None = None

    def _instrumented(self, fullname: str) -> tuple[CodeType, ModuleData]:
        """Instrument and compile once per loader.

        A second ``get_code`` must not register the module again, which would
        detach the running code from its data.
        """
        if self._compiled is None:
            source = self.get_data(self.path)
            fingerprint = code_unit_fingerprint(Path(self.path), fullname, fullname)
            tree, decisions = instrument(ast.parse(source, filename=self.path), fullname)
            data = self._measurement.add_module(fullname, self.path, decisions, fingerprint)
            code: CodeType = compile(tree, self.path, "exec", dont_inherit=True)
            self._compiled = (code, data)
        return self._compiled

    def get_code(self, fullname: str) -> CodeType:
        """Always compile from source: cached bytecode is not instrumented."""
        return self._instrumented(fullname)[0]

    def exec_module(self, module: ModuleType) -> None:
        """Give the module its recording helpers, then run it."""
        code, data = self._instrumented(module.__name__)
        module.__dict__.update(self._measurement.helpers(data))
        exec(code, module.__dict__)  # noqa: S102 - running the module is what a loader does


class McdcFinder(importlib.abc.MetaPathFinder):
    """Finds the measured packages' source modules and gives them the instrumenting loader."""

    def __init__(self, packages: Sequence[str], measurement: Measurement) -> None:
        self.packages = tuple(packages)
        """Dotted names of the measured packages (their sub-modules included)."""
        self.measurement = measurement
        """Where the evaluations go."""

    def measures(self, fullname: str) -> bool:
        """Whether ``fullname`` belongs to a measured package."""
        return any(fullname == p or fullname.startswith(f"{p}.") for p in self.packages)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """The usual spec, with the instrumenting loader for a measured source file."""
        del target
        if not self.measures(fullname):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        assert spec.origin is not None
        spec.loader = _McdcLoader(fullname, spec.origin, self.measurement)
        return spec


def install(packages: Sequence[str], measurement: Measurement) -> McdcFinder:
    """Put a finder for ``packages`` first on the meta path.

    Raises:
        ValueError: if a measured module is already imported (it would go unmeasured).
    """
    finder = McdcFinder(packages, measurement)
    early = sorted(name for name in sys.modules if finder.measures(name))
    if early:
        raise ValueError(
            f"MC/DC: {', '.join(early)} imported before measurement started; "
            "the hook must be installed first (is it imported by a conftest or a plugin?)"
        )
    sys.meta_path.insert(0, finder)
    return finder


def uninstall(finder: McdcFinder) -> None:
    """Remove the finder (modules already imported stay instrumented)."""
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
