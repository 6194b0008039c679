"""Symbolic construction of pydantic models, so that CrossHair can explore functions of them.

Layer 4 (producers). CrossHair builds an argument by calling its class's
constructor with symbolic values; a strict pydantic model rejects those (a
symbolic int is not an ``int``), so every path is ignored and a contract
over a configuration object would only ever time out. For each pydantic
model reachable from a checked function's signature this registers a
creator (``crosshair.register_type``) that builds the model with
``model_construct`` from symbolic field values and assumes the numeric
field constraints (``gt``, ``ge``, ``lt``, ``le``, on the field or on the
elements of a tuple or list field) by discarding inputs that break them.

The model's ``after`` validators (cross-field rules such as "warning
below fault") then run on the symbolic instance, and an instance they
reject is discarded too, so that only models the configuration loader
would accept are explored. Field validators and ``before``/``wrap``
model validators are not run: a contract that relies on one states it as
a precondition. Either way a confirmation stays sound (the valid models
are a subset of those explored); what is lost is only precision, as
counterexamples on models the loader would reject.
Hand-written: CrossHair ships no pydantic support.

Numpy runs in C, where CrossHair's symbolic values cannot go (a tuple of
symbolic floats becomes an object array that ``numpy.interp`` rejects, a
false counterexample). :func:`register_numpy` makes the common numpy
functions realize their arguments first (CrossHair's own
``with_realized_args``): the path splits only before the call, and the
contract is checked on the concrete values, which is weaker exploration
but never a false verdict.
"""

import collections.abc
import functools
import operator
import types
import typing
from collections.abc import Callable
from typing import Any

__all__ = [
    "NUMPY_REALIZED",
    "pydantic_models",
    "register_models",
    "register_numpy",
    "without_newtypes",
]

_PATCHED: set[object] = set()
"""Functions already patched in this process."""
_REGISTERED: set[type] = set()
"""Models already registered in this process (CrossHair refuses a second registration)."""

NUMPY_REALIZED = (
    "all", "any", "argmax", "argmin", "array", "asarray", "clip", "interp", "isfinite",
    "max", "maximum", "min", "minimum", "sum",
)  # fmt: skip
"""Numpy functions whose arguments are realized before the call under CrossHair."""

_BOUNDS: tuple[tuple[str, Callable[[Any, Any], bool]], ...] = (
    ("gt", lambda value, bound: value > bound),
    ("ge", lambda value, bound: value >= bound),
    ("lt", lambda value, bound: value < bound),
    ("le", lambda value, bound: value <= bound),
)


def without_newtypes(hint: Any) -> Any:
    """``hint`` with every ``NewType`` replaced by its supertype (the same values at run time).

    CrossHair 0.0.x fails (``issubclass() arg 1 must be a class``) when it
    prints a sequence whose element type is a ``NewType``, such as the unit
    types of a typed code base; the values are identical, so erasing the
    names changes nothing that is explored.
    """
    supertype = getattr(hint, "__supertype__", None)
    if supertype is not None:
        return without_newtypes(supertype)
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if not args or origin is None or origin is typing.Annotated or origin is typing.Literal:
        return hint
    erased = tuple(without_newtypes(a) for a in args)
    if erased == args:
        return hint
    if origin in (typing.Union, types.UnionType):
        return functools.reduce(operator.or_, erased)
    if origin is collections.abc.Callable:
        return hint
    return origin[erased if len(erased) > 1 else erased[0]]


def _is_model(hint: object) -> bool:
    return isinstance(hint, type) and isinstance(getattr(hint, "model_fields", None), dict)


def pydantic_models(function: Callable[..., object]) -> list[type]:
    """Pydantic model classes reachable from ``function``'s type hints (fields included)."""
    try:
        hints = list(typing.get_type_hints(function).values())
    except (NameError, TypeError, AttributeError):
        return []
    found: list[type] = []
    while hints:
        hint = hints.pop()
        hints.extend(typing.get_args(hint))
        if _is_model(hint) and hint not in found:
            assert isinstance(hint, type)
            found.append(hint)
            model: Any = hint
            hints.extend(info.annotation for info in model.model_fields.values())
    return found


def _element_constraints(annotation: object) -> list[object]:
    """Constraints on the elements of a ``tuple[Annotated[float, Field(ge=0)], ...]`` field."""
    if typing.get_origin(annotation) not in (tuple, list):
        return []
    found: list[object] = []
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Annotated:
            for meta in arg.__metadata__:
                found.extend(getattr(meta, "metadata", [meta]))
    return found


def _holds(value: object, constraints: list[object]) -> bool:
    """Whether ``value`` meets every numeric bound of ``constraints`` (run under tracing)."""
    for constraint in constraints:
        for attribute, holds in _BOUNDS:
            bound = getattr(constraint, attribute, None)
            if bound is not None and not holds(value, bound):
                return False
    return True


def _creator(model: Any) -> Callable[..., object]:
    from crosshair.tracers import ResumedTracing  # noqa: PLC0415 - CrossHair is imported lazily
    from crosshair.util import IgnoreAttempt  # noqa: PLC0415

    fields: dict[str, Any] = model.model_fields
    validators = [
        decorator.func
        for decorator in model.__pydantic_decorators__.model_validators.values()
        if decorator.info.mode == "after"
    ]

    def create(factory: Callable[..., object]) -> object:
        values: dict[str, object] = {}
        for name, info in fields.items():
            value: Any = factory(without_newtypes(info.annotation), f".{name}")
            elements = _element_constraints(info.annotation)
            # Creators run untraced; comparing symbolic values needs tracing.
            with ResumedTracing():  # type: ignore[no-untyped-call]
                kept = _holds(value, list(info.metadata)) and (
                    not elements or all(_holds(item, elements) for item in value)
                )
            if not kept:
                raise IgnoreAttempt
            values[name] = value
        instance = model.model_construct(**values)
        for validator in validators:
            try:
                with ResumedTracing():  # type: ignore[no-untyped-call]
                    validator(instance)
            except (ValueError, AssertionError):  # what pydantic turns into a ValidationError
                raise IgnoreAttempt from None
        return instance

    return create


def register_models(function: Callable[..., object]) -> list[str]:
    """Register a symbolic creator for each model of ``function``; return their names."""
    from crosshair.core import register_type  # noqa: PLC0415 - CrossHair is imported lazily

    names = []
    for model in pydantic_models(function):
        if model not in _REGISTERED:
            register_type(model, _creator(model))
            _REGISTERED.add(model)
        names.append(model.__qualname__)
    return names


def register_numpy() -> list[str]:
    """Make the :data:`NUMPY_REALIZED` functions realize their arguments; return their names."""
    try:
        import numpy  # noqa: PLC0415 - only projects that use numpy need this
    except ImportError:  # pragma: no cover - numpy is not installed
        return []
    from crosshair.core import register_patch, with_realized_args  # noqa: PLC0415

    patched = []
    for name in NUMPY_REALIZED:
        function = getattr(numpy, name, None)
        if function is None:
            continue
        if function not in _PATCHED:
            register_patch(function, with_realized_args(function, deep=True))
            _PATCHED.add(function)
        patched.append(f"numpy.{name}")
    return patched
