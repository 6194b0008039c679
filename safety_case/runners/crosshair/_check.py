"""Check the docstring (or icontract/deal) contracts of functions with CrossHair's Python API.

Layer 4 (producers). CrossHair has no machine-readable output (DESIGN.md
section 7), so this drives its API one postcondition at a time, with a
budget per condition, and records what it really showed:

* ``analyze_function`` parses the contracts (PEP 316 ``pre:``/``post:``
  lines in docstrings, icontract, deal) and gives one checkable per
  postcondition;
* ``analyze_calltree`` explores that condition's paths; its verification
  status is ``CONFIRMED`` only when the path tree was exhausted, and the
  options' statistics counter gives the number of paths and the exhaustion;
* the messages tell a refutation (``POST_FAIL``, ``EXEC_ERR``, ``POST_ERR``,
  each with the failing call) from an error (``SYNTAX_ERR``, ``IMPORT_ERR``,
  ``PRE_UNSAT``).

An unrefuted condition whose budget ran out is ``NO_COUNTEREXAMPLE`` when at
least one path ran to completion, and ``TIMEOUT`` when none did (a path that
overran its own deadline shows nothing). Hand-written glue because CrossHair
itself only prints text.
"""

import collections
import dataclasses
import importlib
import inspect
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

from safety_case.runners.crosshair._domain import signature_domain
from safety_case.runners.crosshair._model import ContractResult, ContractVerdict, Domain
from safety_case.runners.crosshair._models import (
    register_models,
    register_numpy,
    without_newtypes,
)

__all__ = ["DEFAULT_TIMEOUT_S", "check_function", "check_module", "contract_functions"]

DEFAULT_TIMEOUT_S = 5.0
"""Per-condition budget in seconds of process time (CrossHair's ``per_condition_timeout``)."""

_REFUTING = ("post_fail", "exec_err", "post_err")
_ERRORS = ("syntax_err", "import_err", "pre_unsat")


def _crosshair() -> types.ModuleType:
    """Import CrossHair with its library plugins registered (a few seconds; only when checking)."""
    return importlib.import_module("crosshair.core_and_libs")


def _plain_signature(signature: inspect.Signature) -> inspect.Signature:
    """``signature`` with ``NewType`` names erased from the annotations."""
    parameters = [
        p.replace(annotation=without_newtypes(p.annotation)) for p in signature.parameters.values()
    ]
    return signature.replace(
        parameters=parameters, return_annotation=without_newtypes(signature.return_annotation)
    )


def contract_functions(module: types.ModuleType) -> list[Callable[..., Any]]:
    """The module's own top-level functions, in source order (imported names left out)."""
    functions = [
        member
        for _, member in inspect.getmembers(module, inspect.isfunction)
        if member.__module__ == module.__name__
    ]
    return sorted(functions, key=lambda f: f.__code__.co_firstlineno)


def check_module(
    module: types.ModuleType, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Iterator[ContractResult]:
    """Check every contract of every top-level function of ``module``, one result per condition."""
    for function in contract_functions(module):
        yield from check_function(function, timeout_s)


def check_function(
    function: Callable[..., Any], timeout_s: float = DEFAULT_TIMEOUT_S
) -> Iterator[ContractResult]:
    """Check each postcondition of ``function`` with a budget of ``timeout_s`` each."""
    core_and_libs = _crosshair()
    from crosshair.core import ConditionCheckable  # noqa: PLC0415 - imported with its plugins
    from crosshair.options import AnalysisOptionSet  # noqa: PLC0415

    qualified = f"{function.__module__}.{function.__qualname__}"
    domain = signature_domain(function)
    options = AnalysisOptionSet(per_condition_timeout=timeout_s)
    started = time.perf_counter()
    try:
        register_models(function)
        register_numpy()
        checkables = list(core_and_libs.analyze_function(function, options))
    except Exception as error:  # noqa: BLE001 - any failure to read contracts is an ERROR verdict
        yield _error(
            qualified, "<contracts>", domain, f"{type(error).__name__}: {error}", timeout_s
        )
        return
    for checkable in checkables:
        if isinstance(checkable, ConditionCheckable):
            yield _check_condition(checkable, qualified, domain, timeout_s)
        else:  # SyntaxErrorCheckable: the contract text does not parse
            for message in checkable.analyze():
                yield _error(
                    qualified,
                    "<unparsable contract>",
                    domain,
                    f"{message.state.value}: {message.message}",
                    timeout_s,
                    line=message.line,
                    elapsed_s=time.perf_counter() - started,
                )


def _error(  # noqa: PLR0913 - the facts of an error result
    qualified: str,
    condition: str,
    domain: Domain,
    detail: str,
    timeout_s: float,
    *,
    line: int = 0,
    elapsed_s: float = 0.0,
) -> ContractResult:
    return ContractResult(
        qualified_name=qualified,
        condition=condition,
        verdict=ContractVerdict.ERROR,
        domain=domain,
        detail=detail,
        elapsed_s=elapsed_s,
        cpu_s=0.0,
        paths=0,
        confirmed_paths=0,
        exhausted=False,
        timeout_s=timeout_s,
        line=line,
    )


def _check_condition(
    checkable: Any, qualified: str, domain: Domain, timeout_s: float
) -> ContractResult:
    """Explore one postcondition as ``ConditionCheckable.analyze`` does, keeping the figures."""
    from crosshair.condition_parser import condition_parser  # noqa: PLC0415
    from crosshair.core import analyze_calltree  # noqa: PLC0415
    from crosshair.statespace import VerificationStatus  # noqa: PLC0415
    from crosshair.util import CrossHairInternal  # noqa: PLC0415

    conditions = dataclasses.replace(
        checkable.conditions, sig=_plain_signature(checkable.conditions.sig)
    )
    (post,) = conditions.post
    stats: collections.Counter[str] = collections.Counter()
    options = checkable.options.overlay(per_condition_timeout=timeout_s, stats=stats)
    wall, cpu = time.perf_counter(), time.process_time()
    options.deadline = cpu + timeout_s
    detail = ""
    try:
        with condition_parser(options.analysis_kind):
            analysis = analyze_calltree(options, conditions)
    except (Exception, CrossHairInternal) as error:  # noqa: BLE001 - a tool crash is an ERROR
        verdict, detail, confirmed = ContractVerdict.ERROR, f"{type(error).__name__}: {error}", 0
    else:
        confirmed = analysis.num_confirmed_paths
        states = [(m.state.value, m.message) for m in analysis.messages]
        refuting = [text for state, text in states if state in _REFUTING]
        errors = [f"{state}: {text}" for state, text in states if state in _ERRORS]
        starved = not stats["exhaustion"] and time.process_time() - cpu >= timeout_s
        if refuting:
            verdict, detail = ContractVerdict.COUNTEREXAMPLE, refuting[0]
        elif starved and confirmed == 0:  # no path got through (CrossHair says "pre_unsat")
            verdict, detail = ContractVerdict.TIMEOUT, "no path completed within the budget"
        elif errors:
            verdict, detail = ContractVerdict.ERROR, "; ".join(errors)
        elif analysis.verification_status is VerificationStatus.CONFIRMED and stats["exhaustion"]:
            verdict, detail = ContractVerdict.CONFIRMED, "Confirmed over all paths."
        elif confirmed > 0:
            verdict = ContractVerdict.NO_COUNTEREXAMPLE
            detail = f"{confirmed} paths completed, none refuted; path space not exhausted"
        else:
            verdict, detail = ContractVerdict.TIMEOUT, "no path completed within the budget"
    return ContractResult(
        qualified_name=qualified,
        condition=post.expr_source,
        verdict=verdict,
        domain=domain,
        detail=detail,
        elapsed_s=round(time.perf_counter() - wall, 3),
        cpu_s=round(time.process_time() - cpu, 3),
        paths=stats["num_paths"],
        confirmed_paths=confirmed,
        exhausted=bool(stats["exhaustion"]),
        timeout_s=timeout_s,
        preconditions=tuple(p.expr_source for p in conditions.pre),
        line=post.line,
    )
