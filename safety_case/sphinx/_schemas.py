"""The metamodel as sphinx-needs configuration: link types, need types and schema definitions.

Everything sphinx-needs' own schema validation can express is expressed
here, read from :mod:`safety_case.metamodel`: the value pattern of each field
(a field schema), the fields and links each need type requires (a local
schema selected by type), the links a type may not use at all, and the need
types each link may point to (a network schema; not for the generated
``code_unit`` and ``test`` needs, whose targets the trace rule checks with
the Python file and line). What it cannot express
(ASIL arithmetic, time budgets along the chain, traces, cycles) is left to
:mod:`safety_case.rules`.
"""

from typing import Any

from safety_case.metamodel import FIELDS, LINKS, NEED_TYPES, NeedTypeSpec

__all__ = ["field_schema", "link_config", "need_types_config", "schema_definitions"]


def field_schema(name: str) -> dict[str, Any]:
    """JSON schema of one field: a string matching the field's pattern in full."""
    return {"type": "string", "pattern": f"^(?:{FIELDS[name].pattern})$"}


def link_config() -> dict[str, dict[str, Any]]:
    """``needs_links`` entries of the metamodel's link types.

    Trace links (``implements``, ``verifies``) allow dead targets: a trace to
    an unknown requirement is reported by the rule checks with the Python
    file and line, not by Sphinx against the generated page.
    """
    generated_links = {
        link for spec in NEED_TYPES.values() if spec.generated for link, _ in spec.link_targets
    }
    return {
        spec.name: {
            "outgoing": spec.outgoing,
            "incoming": spec.incoming,
            "description": spec.description,
            "allow_dead_links": spec.name in generated_links,
        }
        for spec in LINKS.values()
    }


def need_types_config() -> list[dict[str, str]]:
    """``needs_types`` entries of the metamodel's need types."""
    return [
        {
            "directive": spec.directive,
            "title": spec.title,
            "prefix": spec.prefix,
            "color": spec.color,
            "style": "node",
        }
        for spec in NEED_TYPES.values()
    ]


def schema_definitions() -> dict[str, Any]:
    """``needs_schema_definitions`` of the metamodel: one schema per need type.

    One schema per type, not one per constraint: sphinx-needs evaluates every
    schema's ``select`` on every need, which dominates its validation time on
    large projects (25 schemas took 12 of 14 s on 2,000 needs; 8 take a third).
    """
    schemas: list[dict[str, Any]] = []
    for spec in NEED_TYPES.values():
        allowed = {link for link, _ in spec.link_targets}
        properties: dict[str, Any] = {
            link: {"type": "array", "maxItems": 0} for link in sorted(set(LINKS) - allowed)
        }
        properties.update({link: {"type": "array", "minItems": 1} for link in spec.required_links})
        validate: dict[str, Any] = {
            "local": {
                "properties": properties,
                "required": [*spec.required_fields, *spec.required_links],
            }
        }
        targets = {} if spec.generated else dict(spec.link_targets)
        if targets:
            validate["network"] = {
                link: {
                    "type": "array",
                    "items": {
                        "local": {
                            "properties": {"type": {"enum": list(types)}},
                            "required": ["type"],
                        }
                    },
                }
                for link, types in targets.items()
            }
        schemas.append(
            {
                "id": f"{spec.directive}_metamodel",
                "severity": "violation",
                "message": _message(spec, allowed, targets),
                "select": {"properties": {"type": {"const": spec.directive}}, "required": ["type"]},
                "validate": validate,
            }
        )
    return {"schemas": schemas}


def _message(spec: NeedTypeSpec, allowed: set[str], targets: dict[str, tuple[str, ...]]) -> str:
    parts = [
        f"a {spec.title.lower()} needs " + ", ".join((*spec.required_fields, *spec.required_links))
    ]
    parts.append("may link only with " + (", ".join(sorted(allowed)) or "nothing"))
    parts += [
        f"{link} must point to " + " or ".join(NEED_TYPES[t].title.lower() for t in types)
        for link, types in targets.items()
    ]
    return "; ".join(parts)
