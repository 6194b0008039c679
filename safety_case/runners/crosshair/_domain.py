"""Whether CrossHair models a function's values exactly: ints and enums, or floats as reals.

Layer 4 (producers). CrossHair reasons about ints exactly and about floats
as mathematical reals (DESIGN.md section 7), so only a confirmation over a
signature free of floats is a proof. The judgement reads the type hints of
the parameters and the return value (recursively through containers,
dataclasses and pydantic models); anything it does not recognise counts as
real-valued, the conservative side. It cannot see floats the body makes
internally (``x / 2``): a contract author who divides ints says so.
"""

import dataclasses
import enum
import inspect
import types
import typing
from collections.abc import Callable

from safety_case.runners.crosshair._model import Domain

__all__ = ["signature_domain"]

_EXACT_ATOMS: tuple[type, ...] = (int, bool, str, bytes, bytearray, type(None))
_MAX_DEPTH = 8


def _hints(target: object) -> dict[str, object]:
    try:
        return dict(typing.get_type_hints(target))
    except (NameError, TypeError, AttributeError):
        return {}


def _record_fields(kind: type) -> list[object] | None:
    """Field types of a dataclass or pydantic model, or ``None`` if ``kind`` is neither."""
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return [hints.get(f.name, object) for f in dataclasses.fields(kind)]
    model_fields = getattr(kind, "model_fields", None)
    if isinstance(model_fields, dict):
        return [getattr(info, "annotation", object) for info in model_fields.values()]
    return None


def _exact(hint: object, depth: int, seen: set[int]) -> bool:  # noqa: PLR0911 - one case a kind
    if depth > _MAX_DEPTH:
        return False
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return all(isinstance(v, (*_EXACT_ATOMS, enum.Enum)) for v in typing.get_args(hint))
    if origin is not None:
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return all(_exact(a, depth + 1, seen) for a in args)
    if isinstance(hint, types.UnionType):
        return all(_exact(a, depth + 1, seen) for a in typing.get_args(hint))
    supertype = getattr(hint, "__supertype__", None)  # typing.NewType
    if supertype is not None:
        return _exact(supertype, depth + 1, seen)
    if not isinstance(hint, type):
        return False
    if hint in _EXACT_ATOMS or issubclass(hint, enum.Enum):
        return not issubclass(hint, float)
    if id(hint) in seen:
        return True
    fields = _record_fields(hint)
    if fields is None:
        return False
    seen.add(id(hint))
    return all(_exact(f, depth + 1, seen) for f in fields)


def signature_domain(function: Callable[..., object]) -> Domain:
    """``EXACT`` when every parameter and the return value are free of floats, else ``REAL``."""
    hints = _hints(function)
    parameters = inspect.signature(function).parameters
    if any(name not in hints for name in parameters) or "return" not in hints:
        return Domain.REAL
    seen: set[int] = set()
    return Domain.EXACT if all(_exact(h, 0, seen) for h in hints.values()) else Domain.REAL
