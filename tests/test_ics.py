"""The calendar export: Outlook-friendly events that update on re-import and say little."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import Session

from iro_desk.booking import book_review, cancel_review
from iro_desk.cli import main
from iro_desk.errors import ValidationError
from iro_desk.history import tombstone
from iro_desk.ics_export import calendar_bytes, calendar_events, export_ics
from iro_desk.models import CareEpisode, CaseTrack, Child, Review, Visit
from iro_desk.settings import Settings
from iro_desk.store import CaseloadStore

D = dt.date
TODAY = D(2027, 1, 4)
LONDON = ZoneInfo("Europe/London")


def _caseload(session: Session) -> dict[str, object]:
    child = Child(
        child_ref="DEMO-0042", first_name="Rosalind", last_name="Teacup", preferred_name="Rosie"
    )
    episode = CareEpisode(child_id=child.id, start_date=D(2026, 10, 1), legal_status="C2")
    track = CaseTrack(
        kind="cla", child_id=child.id, episode_id=episode.id, start_date=D(2026, 10, 1)
    )
    session.add_all([child, episode, track])
    session.add(
        Review(track_id=track.id, child_id=child.id, status="held", held_on=D(2026, 10, 29))
    )
    review = Review(
        track_id=track.id,
        child_id=child.id,
        status="booked",
        scheduled_date=D(2027, 1, 20),
        scheduled_time="10:30",
        venue="12 Demo Lane, Faketown",
        format="hybrid",
    )
    household = CaseTrack(
        kind="fostering", household_name="The Pebbleford household", start_date=D(2026, 3, 1)
    )
    household_review = Review(track_id=household.id, status="booked", scheduled_date=D(2027, 2, 9))
    visit = Visit(
        child_id=child.id,
        review_id=review.id,
        status="planned",
        visit_date=D(2027, 1, 12),
        visit_time="16:00",
        location="Carer's home",
    )
    done = Visit(child_id=child.id, status="done", visit_date=D(2027, 1, 5))
    past = Review(
        track_id=household.id, status="cancelled", scheduled_date=D(2026, 12, 1), cancel_reason="x"
    )
    session.add_all([review, household, household_review, visit, done, past])
    return {"child": child, "review": review, "visit": visit, "household": household_review}


@pytest.fixture
def caseload(store: CaseloadStore) -> dict[str, object]:
    with store.session() as session:
        return _caseload(session)


def _export(store: CaseloadStore, path: Path, settings: Settings | None = None) -> Calendar:
    with store.session() as session:
        export_ics(session, path, today=TODAY, settings=settings or Settings())
    return Calendar.from_ical(path.read_bytes())


def _events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_booked_reviews_and_planned_visits_are_exported(
    store: CaseloadStore, caseload: dict[str, object], tmp_path: Path
) -> None:
    events = _events(_export(store, tmp_path / "iro.ics"))
    review, visit, household = caseload["review"], caseload["visit"], caseload["household"]
    assert set(events) == {
        f"review-{review.id}@iro-desk",  # type: ignore[attr-defined]
        f"visit-{visit.id}@iro-desk",  # type: ignore[attr-defined]
        f"review-{household.id}@iro-desk",  # type: ignore[attr-defined]
    }  # not the held review, the done visit, nor the cancellation that is already past
    event = events[f"review-{review.id}@iro-desk"]  # type: ignore[attr-defined]
    start = event["DTSTART"]
    assert (
        start.dt == dt.datetime(2027, 1, 20, 10, 30, tzinfo=LONDON)
        and start.params["TZID"] == "Europe/London"
    )
    assert event["DTEND"].dt == dt.datetime(2027, 1, 20, 12, 0, tzinfo=LONDON)
    assert str(event["SUMMARY"]) == "Child in care review: R.T. (DEMO-0042)"
    assert "Statutory deadline: Fri 29 Jan 2027" in str(event["DESCRIPTION"])
    assert str(event["CLASS"]) == "PRIVATE"
    household_event = events[f"review-{household.id}@iro-desk"]  # type: ignore[attr-defined]
    assert household_event["DTSTART"].dt == D(2027, 2, 9)  # no time: an all-day event
    assert str(household_event["SUMMARY"]) == "Foster carer household review: P. household"


def test_uids_are_stable_and_an_update_raises_the_sequence(
    store: CaseloadStore, caseload: dict[str, object], tmp_path: Path
) -> None:
    first = _events(_export(store, tmp_path / "one.ics"))
    second = _events(_export(store, tmp_path / "two.ics"))
    assert set(first) == set(second)
    assert (tmp_path / "one.ics").read_bytes() == (tmp_path / "two.ics").read_bytes()
    review = caseload["review"]
    with store.session() as session:
        cancel_review(session, review_id=review.id, reason="Carer ill")  # type: ignore[attr-defined]
    third = _events(_export(store, tmp_path / "three.ics"))
    uid = f"review-{review.id}@iro-desk"  # type: ignore[attr-defined]
    assert set(third) == set(first)
    assert str(third[uid]["STATUS"]) == "CANCELLED"
    assert str(third[uid]["SUMMARY"]).startswith("Cancelled: ")
    assert int(third[uid]["SEQUENCE"]) > int(first[uid]["SEQUENCE"])
    assert not third[uid].walk("VALARM")


def test_no_names_beyond_initials_by_default(
    store: CaseloadStore, caseload: dict[str, object], tmp_path: Path
) -> None:
    _export(store, tmp_path / "iro.ics")
    text = (tmp_path / "iro.ics").read_text(encoding="utf-8")
    for personal in ("Rosalind", "Rosie", "Teacup", "Pebbleford", "Demo Lane", "Carer's home"):
        assert personal not in text
    assert "R.T. (DEMO-0042)" in text


@pytest.mark.parametrize(
    ("detail", "shown", "hidden"),
    [
        pytest.param("first_name", "Rosie (DEMO-0042)", "Teacup", id="first name only"),
        pytest.param("full_name", "Rosie Teacup (DEMO-0042)", "Rosalind", id="full name"),
    ],
)
def test_more_detail_when_the_iro_chooses_it(
    store: CaseloadStore,
    caseload: dict[str, object],
    tmp_path: Path,
    detail: str,
    shown: str,
    hidden: str,
) -> None:
    _export(store, tmp_path / "iro.ics", Settings(ics_detail=detail))
    text = (tmp_path / "iro.ics").read_text(encoding="utf-8")
    assert shown in text and hidden not in text


def test_venue_only_when_the_setting_allows(
    store: CaseloadStore, caseload: dict[str, object], tmp_path: Path
) -> None:
    events = _events(_export(store, tmp_path / "iro.ics", Settings(ics_include_venue=True)))
    review = caseload["review"]
    assert str(events[f"review-{review.id}@iro-desk"]["LOCATION"]) == "12 Demo Lane, Faketown"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("minutes", "trigger"),
    [
        pytest.param(1440, dt.timedelta(days=-1), id="a day before by default"),
        pytest.param(30, dt.timedelta(minutes=-30), id="half an hour before"),
        pytest.param(0, None, id="no reminder"),
    ],
)
def test_reminders_follow_the_setting(
    store: CaseloadStore,
    caseload: dict[str, object],
    tmp_path: Path,
    minutes: int,
    trigger: dt.timedelta | None,
) -> None:
    calendar = _export(store, tmp_path / "iro.ics", Settings(ics_reminder_minutes=minutes))
    for event in calendar.walk("VEVENT"):
        alarms = event.walk("VALARM")
        if trigger is None:
            assert alarms == []
        else:
            (alarm,) = alarms
            assert alarm["TRIGGER"].dt == trigger and str(alarm["ACTION"]) == "DISPLAY"


def test_the_timezone_is_described_for_outlook(
    store: CaseloadStore, caseload: dict[str, object], tmp_path: Path
) -> None:
    calendar = _export(store, tmp_path / "iro.ics")
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/London"
    assert {component.name for component in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert str(calendar["METHOD"]) == "PUBLISH"


def test_the_file_is_private_to_its_owner(
    store: CaseloadStore, caseload: dict[str, object], tmp_path: Path
) -> None:
    _export(store, tmp_path / "iro.ics")
    if os.name == "posix":
        assert (tmp_path / "iro.ics").stat().st_mode & 0o077 == 0


def test_a_deleted_child_is_not_exported(store: CaseloadStore, caseload: dict[str, object]) -> None:
    with store.session() as session:
        tombstone(session, session.get(Child, caseload["child"].id))  # type: ignore[attr-defined]
    with store.session() as session:
        events = calendar_events(session, today=TODAY, settings=Settings())
    assert [event.summary for event in events] == ["Foster carer household review: P. household"]


def test_an_unknown_detail_level_is_refused(
    store: CaseloadStore, caseload: dict[str, object]
) -> None:
    with store.session() as session, pytest.raises(ValidationError, match="ics_detail"):
        calendar_events(session, today=TODAY, settings=Settings(ics_detail="everything"))


def test_an_empty_calendar_is_still_valid() -> None:
    calendar = Calendar.from_ical(calendar_bytes([], Settings()))
    assert calendar.walk("VEVENT") == [] and str(calendar["VERSION"]) == "2.0"


def test_a_new_booking_appears_after_export(
    store: CaseloadStore, caseload: dict[str, object], tmp_path: Path
) -> None:
    with store.session() as session:
        household = session.get(Review, caseload["household"].id)  # type: ignore[attr-defined]
        cancel_review(session, review_id=household.id, reason="Moved")
        new = book_review(
            session,
            track_id=household.track_id,
            date=D(2027, 2, 16),
            time="09:00",
            today=TODAY,
            settings=Settings(),
        )
    events = _events(_export(store, tmp_path / "iro.ics"))
    assert events[f"review-{new.id}@iro-desk"]["DTSTART"].dt == dt.datetime(
        2027, 2, 16, 9, 0, tzinfo=LONDON
    )


def test_ics_from_the_command_line(
    store: CaseloadStore,
    caseload: dict[str, object],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "exports" / "iro.ics"
    code = main(["ics", "--db", str(store.path), "--out", str(out), "--today", "2027-01-04"])
    assert code == 0
    assert "Wrote 3 events" in capsys.readouterr().out
    assert len(Calendar.from_ical(out.read_bytes()).walk("VEVENT")) == 3
