"""The QA tool: a settings-driven checklist that stays in draft, is shared, answered, closed or
becomes a challenge."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from iro_desk import challenges
from iro_desk import qa_tool as qa
from iro_desk.errors import ValidationError
from iro_desk.models import Child, QaTool
from iro_desk.settings import Settings, load_settings, update_settings
from iro_desk.store import CaseloadStore

TODAY = dt.date(2027, 1, 4)


def _child(store: CaseloadStore) -> uuid.UUID:
    with store.session() as session:
        child = Child(child_ref="DEMO-0007", first_name="Demo", last_name="Example")
        session.add(child)
    return child.id


def _start(store: CaseloadStore, child_id: uuid.UUID, settings: Settings | None = None) -> QaTool:
    with store.session() as session:
        return qa.start_qa_tool(session, child_id=child_id, today=dt.date(2026, 12, 1),
                                settings=settings or load_settings(session))


def test_a_new_qa_tool_shows_the_checklist_from_the_settings(store: CaseloadStore) -> None:
    child_id = _child(store)
    with store.session() as session:
        update_settings(session, qa_items=["Life story work started", "Sibling contact agreed"])
    tool = _start(store, child_id)
    assert [item.item for item in qa.items_of(tool)] == [
        "Life story work started", "Sibling contact agreed"
    ]
    assert all(item.answer == "" for item in qa.items_of(tool))
    assert tool.status == "draft"


def test_changing_the_settings_leaves_started_tools_as_they_were(store: CaseloadStore) -> None:
    child_id = _child(store)
    first = _start(store, child_id)
    with store.session() as session:
        update_settings(session, qa_items=["Only this item"])
    second = _start(store, child_id)
    with store.session() as session:
        kept = qa.get_qa_tool(session, first.id)
        assert len(qa.items_of(kept)) == len(Settings().qa_items)
    assert [item.item for item in qa.items_of(second)] == ["Only this item"]


def test_draft_answers_are_stored_as_documented_json(store: CaseloadStore) -> None:
    child_id = _child(store)
    settings = Settings(qa_items=["Care plan is up to date", "Placement is registered",
                                  "Pathway plan in place (16+)"])
    tool = _start(store, child_id, settings)
    answers = [
        qa.QaItem("Care plan is up to date", "met", ""),
        qa.QaItem("Placement is registered", "not_met", "  Ofsted registration pending "),
        qa.QaItem("Pathway plan in place (16+)", "not_applicable", "Age 9"),
    ]
    with store.session() as session:
        loaded = qa.get_qa_tool(session, tool.id)
        qa.save_draft(session, loaded, items=answers, positive_practice="Warm, prompt visits")
    with store.session() as session:
        saved = qa.get_qa_tool(session, tool.id)
        assert json.loads(saved.items_json)[1] == {
            "item": "Placement is registered", "answer": "not_met",
            "comment": "Ofsted registration pending",
        }
        assert saved.positive_practice == "Warm, prompt visits"
        assert saved.status == "draft"
        assert qa.not_met_summary(saved) == (
            "Placement is registered: not met (Ofsted registration pending)"
        )


@pytest.mark.parametrize(
    ("items", "problem_key"),
    [
        pytest.param([qa.QaItem("Care plan is up to date", "maybe")], "items[0]",
                     id="an answer must be met, not met or not applicable"),
        pytest.param([qa.QaItem("Something else", "met")], "items",
                     id="the items cannot be swapped for others"),
    ],
)
def test_draft_answers_are_checked(
    store: CaseloadStore, items: list[qa.QaItem], problem_key: str
) -> None:
    child_id = _child(store)
    tool = _start(store, child_id, Settings(qa_items=["Care plan is up to date"]))
    with store.session() as session, pytest.raises(ValidationError) as caught:
        qa.save_draft(session, qa.get_qa_tool(session, tool.id), items=items,
                      positive_practice="")
    assert problem_key in caught.value.problems


def test_share_respond_and_close(store: CaseloadStore) -> None:
    child_id = _child(store)
    tool = _start(store, child_id)
    with store.session() as session:
        loaded = qa.get_qa_tool(session, tool.id)
        with pytest.raises(ValidationError, match="cannot be recorded"):
            qa.record_response(session, loaded, on=dt.date(2026, 12, 3), text="ok", today=TODAY)
        qa.share(session, loaded, shared_with="Sam Sample (SW)", shared_on=dt.date(2026, 12, 2),
                 today=TODAY)
        assert loaded.status == "shared"
        qa.record_response(session, loaded, on=dt.date(2026, 12, 9),
                           text="PEP booked for next week", today=TODAY)
        assert loaded.status == "responded"
        qa.close(session, loaded, on=dt.date(2026, 12, 10), today=TODAY)
    with store.session() as session:
        closed = qa.get_qa_tool(session, tool.id)
        assert (closed.status, closed.closed_on) == ("closed", dt.date(2026, 12, 10))
        assert closed.shared_with == "Sam Sample (SW)"
        with pytest.raises(ValidationError, match="no longer be changed"):
            qa.save_draft(session, closed, items=qa.items_of(closed), positive_practice="x")


@pytest.mark.parametrize(
    ("shared_on", "problem"),
    [
        pytest.param(dt.date(2027, 1, 5), "in the future", id="cannot be shared in the future"),
        pytest.param(dt.date(2026, 11, 30), "before the day the QA tool was started",
                     id="cannot be shared before it was started"),
    ],
)
def test_share_dates_are_checked(store: CaseloadStore, shared_on: dt.date, problem: str) -> None:
    child_id = _child(store)
    tool = _start(store, child_id)
    with store.session() as session, pytest.raises(ValidationError) as caught:
        qa.share(session, qa.get_qa_tool(session, tool.id), shared_with="SW",
                 shared_on=shared_on, today=TODAY)
    assert problem in caught.value.problems["shared_on"]


def test_a_qa_tool_becomes_a_challenge(store: CaseloadStore) -> None:
    child_id = _child(store)
    tool = _start(store, child_id)
    settings = Settings()
    with store.session() as session:
        loaded = qa.get_qa_tool(session, tool.id)
        qa.share(session, loaded, shared_with="Sam Sample", shared_on=dt.date(2026, 12, 2),
                 today=TODAY)
        challenge = qa.raise_challenge_from_qa(
            session, loaded, theme="PEP or health assessment missing",
            issue="No PEP this school year", raised_on=dt.date(2026, 12, 14), today=TODAY,
            settings=settings, level=2,
        )
    with store.session() as session:
        escalated = qa.get_qa_tool(session, tool.id)
        linked = challenges.get_challenge(session, challenge.id)
        assert escalated.status == "escalated"
        assert linked.qa_tool_id == tool.id
        assert linked.level == 2 and linked.response_due == dt.date(2026, 12, 21)
        with pytest.raises(ValidationError, match="no longer be changed"):
            qa.raise_challenge_from_qa(
                session, escalated, theme="Other", issue="again",
                raised_on=dt.date(2026, 12, 15), today=TODAY, settings=settings,
            )


def test_a_challenge_cannot_predate_its_qa_tool(store: CaseloadStore) -> None:
    child_id = _child(store)
    tool = _start(store, child_id)
    with store.session() as session, pytest.raises(ValidationError) as caught:
        qa.raise_challenge_from_qa(
            session, qa.get_qa_tool(session, tool.id), theme="Other", issue="Drift",
            raised_on=dt.date(2026, 11, 1), today=TODAY, settings=Settings(),
        )
    assert "QA tool was started" in caught.value.problems["raised_on"]
    with store.session() as session:
        assert qa.get_qa_tool(session, tool.id).status == "draft"
