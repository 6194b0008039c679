"""Tests of safety_case/evidence/_manifest.py: the manifest model and the published schemas.

Covers: the JSON Schemas in docs/_schemas equal those of the models (the
docs cannot drift from the code); the manifest rejects an unknown format
version, a record schema version from the future, a malformed hash and an
unknown key, each naming the field.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from safety_case.evidence import RECORD_SCHEMA_VERSION, Manifest, json_schemas

DOCS_SCHEMAS = Path(__file__).resolve().parents[3] / "docs" / "_schemas"


@pytest.mark.parametrize("stem", ["evidence-record", "evidence-manifest"])
def test_published_schema_matches_the_model(stem: str) -> None:
    published = json.loads((DOCS_SCHEMAS / f"{stem}.schema.json").read_text(encoding="utf-8"))
    assert published == json_schemas()[stem], (
        "regenerate with: safety-case evidence schema --out docs/_schemas"
    )


VALID: dict[str, Any] = {
    "created_at": datetime.now(UTC).isoformat(),
    "toolkit_version": "1",
    "records": {"records/a.json": "a" * 64},
    "sources": {"pkg/m.py": "b" * 64},
    "needs_json_sha256": "c" * 64,
    "requirements": {"SWR_A_001": "d"},
    "tools": {"pytest": "9"},
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format_version": 2}, "format_version"),
        ({"record_schema_version": RECORD_SCHEMA_VERSION + 1}, "record_schema_version"),
        ({"records": {"records/a.json": "xyz"}}, "records.records/a.json"),
        ({"surprise": 1}, "surprise"),
    ],
    ids=["format", "record-version", "hash", "extra"],
)
def test_invalid_manifests_name_the_field(change: dict[str, Any], field: str) -> None:
    Manifest.model_validate(VALID)
    with pytest.raises(ValidationError) as error:
        Manifest.model_validate({**VALID, **change})
    assert ".".join(str(p) for p in error.value.errors()[0]["loc"]) == field
