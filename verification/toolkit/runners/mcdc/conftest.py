"""Fixture: instrument a source text and call its functions, as the import hook would."""

import ast
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from safety_case.runners.mcdc import Measurement, ModuleData, decision_result, instrument
from safety_case.runners.mcdc._report import DecisionResult


@dataclass
class Instrumented:
    """An instrumented module's namespace and its measurement."""

    namespace: dict[str, Any]
    data: ModuleData

    def fn(self, name: str = "f") -> Callable[..., Any]:
        function: Callable[..., Any] = self.namespace[name]
        return function

    def result(self, index: int = 0) -> DecisionResult:
        return decision_result(self.data, index)


def run_source(source: str, module: str = "m") -> Instrumented:
    tree, decisions = instrument(ast.parse(textwrap.dedent(source)), module)
    measurement = Measurement()
    data = measurement.add_module(module, "<test>", decisions)
    namespace: dict[str, Any] = dict(measurement.helpers(data))
    exec(compile(tree, "<test>", "exec"), namespace)
    return Instrumented(namespace, data)
