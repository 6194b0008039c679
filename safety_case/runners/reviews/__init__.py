"""Review records: inspections recorded by a person, turned into ``inspection`` evidence.

Layer 4 (producers). :func:`load_review` validates one ``reviews/*.toml``
file, :func:`review_records` writes one record per file resting on the
fingerprints the review pinned (so a later edit makes it stale), and
:func:`review_template` prints a file to fill in with today's pins.
"""

from safety_case.runners.reviews._review import (
    REVIEW_TOOL,
    ChecklistItem,
    PinnedRequirement,
    PinnedUnit,
    Review,
    ReviewOutcome,
    load_review,
    review_record,
    review_records,
    review_template,
)

__all__ = [
    "REVIEW_TOOL",
    "ChecklistItem",
    "PinnedRequirement",
    "PinnedUnit",
    "Review",
    "ReviewOutcome",
    "load_review",
    "review_record",
    "review_records",
    "review_template",
]
