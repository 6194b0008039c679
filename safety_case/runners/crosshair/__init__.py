"""Contract checks with CrossHair: each postcondition's verdict, figures and evidence record.

Layer 4 (producers). :func:`check_module` and :func:`check_function` check
the contracts of functions (PEP 316 ``pre:``/``post:`` docstring lines, or
icontract/deal) one postcondition at a time with a per-condition budget,
keeping apart confirmed over all paths, no counterexample within the
budget, a counterexample (with the failing call), a timeout and an error.
:func:`write_contract_records` turns the results of traced functions into
evidence records (``formal`` only for a proof on exact values).
"""

from safety_case.runners.crosshair._check import (
    DEFAULT_TIMEOUT_S,
    check_function,
    check_module,
    contract_functions,
)
from safety_case.runners.crosshair._domain import signature_domain
from safety_case.runners.crosshair._evidence import (
    ProveOutcome,
    contract_record,
    crosshair_tool,
    method_of,
    record_id,
    write_contract_records,
)
from safety_case.runners.crosshair._model import ContractResult, ContractVerdict, Domain

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "ContractResult",
    "ContractVerdict",
    "Domain",
    "ProveOutcome",
    "check_function",
    "check_module",
    "contract_functions",
    "contract_record",
    "crosshair_tool",
    "method_of",
    "record_id",
    "signature_domain",
    "write_contract_records",
]
