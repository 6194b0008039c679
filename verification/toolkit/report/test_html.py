"""Tests of the report's HTML (safety_case/report/_html.py).

Covers: need ids become links where a URL is known and plain text where not;
module names link to their goal pages; statuses carry their CSS class; text
from the sources is escaped; the record anchors are stable and distinct;
the standalone page is one self-contained document with the GSN findings.
"""

from safety_case.report import evidence_anchor, report_fragment, standalone_html, traceability

from ._fixtures import make_case


def test_fragment_links_and_escaping() -> None:
    report = traceability(make_case())
    html = report_fragment(
        report,
        lambda need_id: f"reqs.html#{need_id}" if need_id != "HAZ_A" else None,
        lambda module_id: f"safety_case/{module_id}.html",
    )
    assert '<a href="reqs.html#SWR_A">SWR_A</a>' in html
    assert "HAZ_A &rarr;" in html  # no URL: plain text
    assert '<a href="safety_case/SG_A.html">SG_A</a>' in html
    assert '<span class="sc-stale">stale</span>' in html
    escaped = report.model_copy(
        update={"requirements": (report.requirements[0].model_copy(update={"title": "<x>"}),)}
    )
    assert "&lt;x&gt;" in report_fragment(escaped, lambda _n: None)


def test_anchors_are_stable_and_distinct() -> None:
    assert evidence_anchor("a::b") == evidence_anchor("a::b")
    assert evidence_anchor("a::b") != evidence_anchor("a::c")
    assert evidence_anchor("a::b").startswith("ev-")


def test_standalone_page() -> None:
    page = standalone_html(traceability(make_case()), title="Mini")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<html") == 1
    assert "<title>Mini</title>" in page
    assert "GSN check findings" in page
    assert "solution-evidence" in page  # the stale record t_b
