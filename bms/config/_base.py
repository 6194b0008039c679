"""The base every configuration model derives from: frozen, strict, no unknown keys.

ASIL: D. A typo'd key must fail loudly rather than leave a safe default in
place silently, and a loaded configuration must never change under the
controller, hence ``frozen`` and ``extra="forbid"``. No number may be
infinite or NaN: an infinite current maximum made the derating return NaN
limits (``0 * inf``, found by CrossHair on ``_current_limits``).
"""

import itertools

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictModel", "require_increasing"]


class StrictModel(BaseModel):
    """Frozen, strict pydantic model whose field docstrings reach the docs."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        use_attribute_docstrings=True,
        validate_default=True,
        allow_inf_nan=False,
    )


def require_increasing(model: BaseModel, *field_names: str, context: str = "") -> None:
    """Raise ``ValueError`` unless the named fields of ``model`` strictly increase.

    Args:
        model: the model whose fields are compared.
        field_names: names in the order their values must increase.
        context: why the order matters, appended to the message.

    Raises:
        ValueError: naming the first pair out of order, with both values.
    """
    for lower_name, upper_name in itertools.pairwise(field_names):
        lower = getattr(model, lower_name)
        upper = getattr(model, upper_name)
        if not lower < upper:
            suffix = f" ({context})" if context else ""
            raise ValueError(
                f"{lower_name}={lower} must be < {upper_name}={upper}{suffix}",
            )
