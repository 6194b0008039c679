"""Tests of the GSN model (safety_case/gsn/_model.py).

Covers: statuses order from supported to failing and ``worst`` picks the
worst (supported when empty); elements are frozen and reject unknown
fields; the discriminated union round-trips through JSON; a module finds
its elements and root; the argument counts gaps by status.
"""

import pydantic
import pytest

from safety_case.gsn import (
    Argument,
    AwayGoal,
    Context,
    Goal,
    Module,
    Solution,
    Status,
    SupportedBy,
    worst,
)


def test_worst() -> None:
    assert worst([]) is Status.SUPPORTED
    assert worst([Status.STALE, Status.MISSING_EVIDENCE]) is Status.STALE
    assert worst([Status.UNDEVELOPED, Status.FAILING, Status.SUPPORTED]) is Status.FAILING


def test_elements_are_frozen_and_strict() -> None:
    goal = Goal(id="G1", text="claim")
    with pytest.raises(pydantic.ValidationError):
        goal.text = "other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="colour"):
        Goal(id="G1", text="claim", colour="red")  # type: ignore[call-arg]
    with pytest.raises(pydantic.ValidationError, match="id"):
        Goal(id="", text="claim")


def test_round_trip_and_counts() -> None:
    module = Module(
        id="M",
        title="m",
        elements=(
            Goal(id="G1", text="top", status=Status.STALE),
            Goal(id="G2", text="x", undeveloped=True, status=Status.UNDEVELOPED),
            Goal(id="G3", text="y", undeveloped=True, status=Status.MISSING_EVIDENCE),
            Solution(id="Sn1", text="r", status=Status.STALE, record_id="r1"),
            Context(id="C1", text="c"),
            AwayGoal(id="AG", text="a", module="M", goal="G1"),
        ),
        supported_by=(SupportedBy(source="G1", target="Sn1"),),
    )
    argument = Argument(modules=(module,))
    again = Argument.model_validate_json(argument.model_dump_json())
    assert again == argument
    assert isinstance(again.modules[0].element("AG"), AwayGoal)
    assert module.root == module.elements[0]
    assert module.status is Status.STALE
    assert argument.module("M") is module
    assert argument.module("N") is None
    assert argument.counts() == {
        "undeveloped": 1,
        "missing evidence": 1,
        "stale": 1,
        "failing": 0,
    }
