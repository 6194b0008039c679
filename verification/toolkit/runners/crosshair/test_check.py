"""The CrossHair runner keeps its verdicts apart: confirmed, not refuted, counterexample, timeout.

Covers ``safety_case.runners.crosshair`` (``check_function``,
``check_module``, ``signature_domain``, the pydantic model creators and the
records): each verdict on a contract whose answer is known by hand
(``contracts.py``), the method (``formal`` only for an exact proof), the
counterexample's call text in the record, and no record for an untraced
function. Budgets are one or two seconds per condition.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator

from safety_case.evidence import Method, Verdict
from safety_case.runners.crosshair import (
    ContractResult,
    ContractVerdict,
    Domain,
    check_function,
    check_module,
    contract_functions,
    contract_record,
    crosshair_tool,
    record_id,
    signature_domain,
)
from safety_case.runners.crosshair._models import pydantic_models
from safety_case.snapshot import Snapshot
from safety_case.trace import TraceTarget
from verification.toolkit.runners.crosshair import contracts


def _only(results: list[ContractResult]) -> ContractResult:
    assert len(results) == 1, results
    return results[0]


def test_true_int_contract_is_confirmed_over_all_paths() -> None:
    result = _only(list(check_function(contracts.successor_in_range, 5.0)))
    assert result.verdict is ContractVerdict.CONFIRMED
    assert result.exhausted
    assert result.domain is Domain.EXACT
    assert result.paths >= 1
    assert result.condition == "0 <= __return__ <= 14"
    assert result.preconditions == ("0 <= counter <= 14",)
    assert result.strength.startswith("proof")


def test_false_int_contract_gives_the_failing_call() -> None:
    result = _only(list(check_function(contracts.wrong_successor, 5.0)))
    assert result.verdict is ContractVerdict.COUNTEREXAMPLE
    assert "wrong_successor(9)" in result.detail
    assert "returns 10" in result.detail


def test_float_contract_is_never_a_proof() -> None:
    result = _only(list(check_function(contracts.square_non_negative, 1.0)))
    assert result.domain is Domain.REAL
    assert result.verdict in (ContractVerdict.CONFIRMED, ContractVerdict.NO_COUNTEREXAMPLE)
    assert "not a proof" in result.strength


def test_nan_counterexample_found_when_the_contract_forgets_it() -> None:
    result = _only(list(check_function(contracts.square_forgets_nan, 2.0)))
    assert result.verdict is ContractVerdict.COUNTEREXAMPLE
    assert 'float("nan")' in result.detail


def test_a_path_longer_than_the_budget_is_a_timeout() -> None:
    result = _only(list(check_function(contracts.slow_sum, 1.0)))
    assert result.verdict is ContractVerdict.TIMEOUT
    assert result.confirmed_paths == 0
    assert result.timeout_s == 1.0


def test_unparsable_contract_is_an_error() -> None:
    result = _only(list(check_function(contracts.unparsable, 1.0)))
    assert result.verdict is ContractVerdict.ERROR
    assert "syntax" in result.detail


def test_module_functions_in_source_order_without_imports() -> None:
    names = [f.__name__ for f in contract_functions(contracts)]
    assert names[:2] == ["successor_in_range", "wrong_successor"]
    assert "isfinite" not in names


def test_check_module_yields_one_result_per_condition() -> None:
    results = list(check_module(contracts, 0.5))
    assert len(results) == 6
    assert {r.qualified_name.rsplit(".", 1)[1] for r in results} == {
        f.__name__ for f in contract_functions(contracts)
    }


@dataclass(frozen=True)
class _Record:
    level: contracts.Colour
    count: int
    label: str | None


@dataclass(frozen=True)
class _Measured:
    value: float


class _Limits(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True)
    low_ms: Annotated[int, Field(gt=0)]
    high_ms: Annotated[int, Field(gt=0, le=1000)]

    @model_validator(mode="after")
    def _ordered(self) -> "_Limits":
        if self.low_ms >= self.high_ms:
            raise ValueError("low_ms must be below high_ms")
        return self


def _exact(record: _Record, colour: contracts.Colour, data: bytes) -> tuple[int, bool]:
    return record.count, colour is contracts.Colour.RED and bool(data)


def _real(measured: _Measured) -> int:
    return int(measured.value)


def _untyped(value):  # type: ignore[no-untyped-def] # untyped on purpose
    return value


def _age_class(age_ms: int, limits: _Limits) -> int:
    """Level 2 from the high threshold, 1 from the low one.

    No precondition: the model's bounds and its validator (low below high) hold.

    post: (__return__ == 0) == (age_ms < limits.low_ms)
    post: 0 < limits.low_ms < limits.high_ms <= 1000
    """
    if age_ms >= limits.high_ms:
        return 2
    return 1 if age_ms >= limits.low_ms else 0


def test_signature_domain() -> None:
    assert signature_domain(_exact) is Domain.EXACT
    assert signature_domain(contracts.successor_in_range) is Domain.EXACT
    assert signature_domain(_real) is Domain.REAL
    assert signature_domain(contracts.square_non_negative) is Domain.REAL
    assert signature_domain(_untyped) is Domain.REAL
    assert signature_domain(_age_class) is Domain.EXACT


def test_pydantic_models_are_built_symbolically_with_bounds_and_validators() -> None:
    """Without the field bounds and the after-validator both contracts would be refuted."""
    assert pydantic_models(_age_class) == [_Limits]
    results = list(check_function(_age_class, 3.0))
    assert len(results) == 2
    assert all(
        r.verdict in (ContractVerdict.CONFIRMED, ContractVerdict.NO_COUNTEREXAMPLE) for r in results
    ), results


def _snapshot(*names: str) -> Snapshot:
    module = contracts.__name__
    units = tuple(
        TraceTarget(f"{module}.{name}", "code", ("SWR_FIX_001",), Path(contracts.__file__), 1)
        for name in names
    )
    return Snapshot(
        root=Path(contracts.__file__).parents[4],
        needs={"SWR_FIX_001": {}},
        code_units=units,
        tests=(),
        trace_errors=(),
        code_fingerprints={u.qualified_name: "f" * 64 for u in units},
        requirement_fingerprints={"SWR_FIX_001": "r" * 64},
    )


def _result(
    verdict: ContractVerdict, domain: Domain, name: str = "wrong_successor"
) -> ContractResult:
    return ContractResult(
        qualified_name=f"{contracts.__name__}.{name}",
        condition="__return__ < 10",
        verdict=verdict,
        domain=domain,
        detail="false when calling wrong_successor(9) (which returns 10)",
        elapsed_s=0.5,
        cpu_s=0.4,
        paths=3,
        confirmed_paths=2,
        exhausted=verdict is ContractVerdict.CONFIRMED,
        timeout_s=1.0,
    )


@pytest.mark.parametrize(
    ("verdict", "domain", "method", "record_verdict"),
    [
        (ContractVerdict.CONFIRMED, Domain.EXACT, Method.FORMAL, Verdict.PASS),
        (ContractVerdict.CONFIRMED, Domain.REAL, Method.SEMI_FORMAL, Verdict.PASS),
        (ContractVerdict.NO_COUNTEREXAMPLE, Domain.EXACT, Method.SEMI_FORMAL, Verdict.PASS),
        (ContractVerdict.COUNTEREXAMPLE, Domain.EXACT, Method.SEMI_FORMAL, Verdict.FAIL),
        (ContractVerdict.TIMEOUT, Domain.EXACT, Method.SEMI_FORMAL, Verdict.INCONCLUSIVE),
        (ContractVerdict.ERROR, Domain.REAL, Method.SEMI_FORMAL, Verdict.INCONCLUSIVE),
    ],
)
def test_record_method_and_verdict(
    verdict: ContractVerdict,
    domain: Domain,
    method: Method,
    record_verdict: Verdict,
) -> None:
    now = datetime.now(UTC)
    result = _result(verdict, domain)
    record = contract_record(
        _snapshot("wrong_successor"),
        result,
        tool=crosshair_tool(),
        started_at=now,
        finished_at=now,
    )
    assert record is not None
    assert record.id == record_id(result)
    assert record.method is method
    assert record.verdict is record_verdict
    assert record.requirement_ids == ("SWR_FIX_001",)
    assert record.subjects[0].qualified_name.endswith("wrong_successor")
    assert record.figures["outcome"] == verdict.value
    assert record.figures["paths"] == 3
    assert record.tool.name == "crosshair"
    assert ("counterexample" in record.figures) == (verdict is ContractVerdict.COUNTEREXAMPLE)


def test_untraced_function_gets_no_record() -> None:
    now = datetime.now(UTC)
    result = _result(ContractVerdict.CONFIRMED, Domain.EXACT, name="square_forgets_nan")
    snapshot = _snapshot("wrong_successor")
    assert (
        contract_record(snapshot, result, tool=crosshair_tool(), started_at=now, finished_at=now)
        is None
    )
