"""Tests of safety_case/sphinx/_schemas.py: the metamodel as sphinx-needs configuration.

Covers: every field schema anchors its pattern; required fields and links
per type come from the metamodel; link target schemas for every authored
type (satisfies from fsr to safety_goal, from tsr to fsr, from swr to tsr,
mitigates to hazard, realizes to swr or tsr); none for generated types;
forbidden links per type; trace links allow dead targets.
"""

from typing import Any

from safety_case.metamodel import NEED_TYPES
from safety_case.sphinx._schemas import (
    field_schema,
    link_config,
    need_types_config,
    schema_definitions,
)


def _by_id() -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in schema_definitions()["schemas"]}


def test_field_schema_is_anchored() -> None:
    assert field_schema("asil")["pattern"].startswith("^(?:")
    assert field_schema("asil")["pattern"].endswith(")$")


def test_link_targets() -> None:
    schemas = _by_id()

    def targets(directive: str, link: str) -> list[str]:
        network = schemas[f"{directive}_metamodel"]["validate"]["network"][link]
        enum: list[str] = network["items"]["local"]["properties"]["type"]["enum"]
        return enum

    assert targets("fsr", "satisfies") == ["safety_goal"]
    assert targets("tsr", "satisfies") == ["fsr"]
    assert targets("swr", "satisfies") == ["tsr"]
    assert targets("safety_goal", "mitigates") == ["hazard"]
    assert targets("component", "realizes") == ["swr", "tsr"]
    assert "network" not in schemas["code_unit_metamodel"]["validate"]
    assert len(schemas) == len(NEED_TYPES)


def test_required_fields_and_links() -> None:
    required = _by_id()["safety_goal_metamodel"]["validate"]["local"]["required"]
    assert required == ["asil", "safe_state", "ftti_ms", "mitigates"]
    hazard = _by_id()["hazard_metamodel"]["validate"]["local"]["properties"]
    assert hazard["satisfies"] == {"type": "array", "maxItems": 0}


def test_types_and_links_config() -> None:
    assert [t["directive"] for t in need_types_config()] == list(NEED_TYPES)
    links = link_config()
    assert links["implements"]["allow_dead_links"] is True
    assert links["satisfies"]["allow_dead_links"] is False
