"""Tests of safety_case/rules/_sphinx.py: build warnings and schema results as findings.

Covers: a warning with file and line; a multi-line warning kept as one
finding; a duplicate id becoming a UNIQUE_ID finding with the need's id;
schema and unknown-link warnings skipped (reported by their own rules);
schema results located at their need, missing targets skipped, severities
mapped.
"""

import json
from pathlib import Path

from safety_case.rules import Location, RuleId, Severity, schema_findings, warning_findings

WARNINGS = """\
/p/reqs/a.rst:4: WARNING: Unknown option 'bogus' [needs.directive]
/p/reqs/a.rst:17: ERROR: Unknown directive type "nope".

.. nope:: [docutils]
/p/reqs/b.rst:26: WARNING: Need could not be created: A need with ID 'FSR_ONE' already exists \
(defined at index:21). [needs.create_need]
/p/reqs/b.rst:21: WARNING: Need 'FSR_ONE' has unknown outgoing link 'SG_X' in field \
'satisfies' [needs.link_outgoing]
ERROR: Need 'SG_ONE' has schema violations:
  Severity:       violation [sn_schema_violation.field_fail]
WARNING: something without a location
"""


def _relative(path: Path) -> str:
    return path.as_posix().removeprefix("/p/")


def test_warnings(tmp_path: Path) -> None:
    file = tmp_path / "warnings.txt"
    file.write_text(WARNINGS, encoding="utf-8")
    found = [(f.rule, str(f.location), f.need_id) for f in warning_findings(file, _relative)]
    assert found == [
        (RuleId.SOURCE_ERROR, "reqs/a.rst:4", ""),
        (RuleId.SOURCE_ERROR, "reqs/a.rst:17", ""),
        (RuleId.UNIQUE_ID, "reqs/b.rst:26", "FSR_ONE"),
        (RuleId.SOURCE_ERROR, "<build>", ""),
    ]
    assert warning_findings(tmp_path / "missing.txt", _relative) == []


def test_schema_results(tmp_path: Path) -> None:
    report = {
        "validation_warnings": {
            "SG_ONE": [
                {
                    "subtype": "field_fail",
                    "details": {"severity": "violation", "field": "asil", "validation_msg": "bad"},
                },
                {"subtype": "network_missing_target", "details": {"severity": "violation"}},
            ],
            "TSR_ONE": [{"subtype": "local_fail", "details": {"severity": "warning"}}],
        }
    }
    file = tmp_path / "schema_violations.json"
    file.write_text(json.dumps(report), encoding="utf-8")
    findings = schema_findings(file, lambda need_id: Location(f"{need_id}.rst", 3))
    assert [(f.need_id, f.severity, str(f.location)) for f in findings] == [
        ("SG_ONE", Severity.VIOLATION, "SG_ONE.rst:3"),
        ("TSR_ONE", Severity.WARNING, "TSR_ONE.rst:3"),
    ]
    assert findings[0].message == "field asil: bad"
