"""The demo caseload: invented children with years of realistic, clearly fictional history.

Everything here is made up. Names come from storybook word lists and every child ID starts
with ``DEMO-``. The shape follows DOMAIN.md: legal statuses and placements in the proportions a
county sees, reviews held on the dates the statutory rules give (most in time, a few late, a
few overdue now), participation codes in the proportions councils publish, visits with notes in
a child's voice, decisions, paperwork dates, and challenges at several levels.

A first-run IRO should believe the calendar: most next reviews are booked, some things are due
soon, and only a few are overdue (well under 5% of children). Decisions not done by their date
are done within weeks or settled at a later review; challenges are answered, escalated and
resolved (or withdrawn) within weeks, so only recent ones are open. Episodes of care keep to the
DfE SSDA903 episode rules on what IRO Desk returns: short-term legal statuses last days (an
emergency protection order at most 15), an ended episode records how it ended as a DfE REC
code (E4A, E13, E41, ...), and school-age children have a UPN no real child can have.

Deterministic: the same ``seed`` and ``today`` give the same caseload, ids and timestamps
included. With ``children=2250, years=10`` it is the benchmark workload (a 25-IRO team).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session

from iro_desk.models import (
    CareEpisode,
    CaseTrack,
    Challenge,
    ChallengeStep,
    Child,
    Decision,
    Iro,
    Person,
    QaTool,
    Record,
    Review,
    Visit,
)
from iro_desk.rules import TrackRule, next_review_deadline, short_break_rule, track_rules
from iro_desk.settings import Settings, load_settings, save_settings
from iro_desk.store import CaseloadStore
from iro_desk.workdays import WorkingDays, add_months, working_days

FIRST_NAMES = (
    "Ada", "Alfie", "Amara", "Arlo", "Bea", "Bodhi", "Cleo", "Cody", "Dani", "Eli", "Elsie",
    "Ezra", "Fern", "Finn", "Gus", "Hattie", "Iris", "Isaac", "Jade", "Jude", "Kai", "Kit",
    "Lola", "Luca", "Mabel", "Milo", "Nell", "Nico", "Olive", "Otis", "Pip", "Quinn", "Remi",
    "Rosa", "Rory", "Sadie", "Sol", "Tilly", "Toby", "Una", "Vic", "Wren", "Xander", "Yara",
    "Zac", "Zuri",
)
SURNAMES = (
    "Applewood", "Bramblewick", "Buttonhook", "Cloudberry", "Copperkettle", "Dandelion",
    "Fiddlesticks", "Foxglove", "Gingersnap", "Hazelnut", "Honeycomb", "Inkwell", "Jamjar",
    "Kettleby", "Lanternfield", "Marmalade", "Moonpenny", "Nettlebed", "Oakapple", "Pebbleford",
    "Puddleby", "Quillfeather", "Raindrop", "Saltmarsh", "Snapdragon", "Teacup", "Thimble",
    "Umberwell", "Velvetleaf", "Wanderwick", "Willowpipe", "Yarrowby",
)
WORKER_NAMES = (
    "Sam Sample", "Alex Placeholder", "Jo Fictional", "Chris Madeup", "Pat Pretend",
    "Robin Notreal", "Morgan Invented", "Taylor Imaginary", "Jamie Example", "Casey Demo",
)
ADVOCACY = "Demo Advocacy Service"

# DfE SSDA903 legal status of a child's current period of care, weighted roughly as a county's
# children in care are. Short-term statuses (L1-L3 police protection, EPO, child assessment;
# J2 PACE) last days, not years, so they appear only as earlier, ended periods of care (see
# EARLIER_EPISODES). D1 (freeing order) ended in 2005, before any child now in care was born.
# Short breaks are V4 (the agreement recorded): one episode spans the agreement, where V3 would
# record each break (at most 17 days, DfE rule 365) as an episode of its own.
LEGAL_STATUS_WEIGHTS = {"C2": 54, "C1": 12, "V2": 20, "E1": 8, "J1": 2, "V4": 3}
# An earlier period of care that ended (the child went home, then came back into care):
# legal status -> (weight, shortest and longest days, how it ended as DfE SSDA903 REC codes).
# The lengths keep to the DfE rules: an emergency protection order (L2) lasts at most 8 days
# plus a 7-day extension (rule 362 allows 21); no episode lasts under a day (rule 355). The
# endings need nothing IRO Desk does not return: adoption (E11, E12) and special guardianship
# to former foster carers (E45, E46) need the placement code (rules 390, 516), and a child
# who was adopted, died or reached 18 does not come back as the same child (rule 437).
EARLIER_EPISODES: dict[str, tuple[int, int, int, dict[str, int]]] = {
    "V2": (40, 30, 300, {"E4A": 6, "E4B": 1, "E13": 2}),
    "C1": (15, 90, 300, {"E4A": 3, "E41": 1, "E47": 2}),
    "C2": (15, 200, 700, {"E4A": 2, "E41": 1, "E47": 1, "E48": 1}),
    "L2": (20, 2, 15, {"E4A": 2, "E4B": 1, "E13": 2}),
    "J1": (10, 14, 120, {"E14": 1}),
}
# Remand (J1, J2, J3) is for a child aged 10 or more (DfE rule 358); the demo keeps it to 12+.
YOUTH_JUSTICE_AGE = 12
# A placement order (E1) is for a child to be adopted: young children.
ADOPTION_AGE = 8
# Participation codes for children aged 4+ (Durham 2023/24 without PN0, DOMAIN.md).
PARTICIPATION_WEIGHTS = {"PN1": 1608, "PN2": 61, "PN3": 18, "PN4": 60, "PN5": 378,
                         "PN6": 1340, "PN7": 93}

LATE_REASONS = (
    "Child unwell on the day; rearranged at the earliest date the family could make.",
    "Carer bereavement; meeting moved at the family's request.",
    "Social worker changed; the new worker needs time to meet the child first.",
)
CHILD_WORDS = (
    "I like living here. I want to stay.",
    "I miss my mum. Can I see her more?",
    "School is OK but maths is hard.",
    "I want to go to football on Saturdays.",
    "My carer makes the best pancakes.",
    "I don't like it when plans change at the last minute.",
    "I'd like my own phone.",
    "I want to see my brother more often.",
    "I'm worried about moving again.",
    "Can my nan come to my meeting?",
    "I feel safe here.",
    "I want to learn to swim.",
    "I don't want to talk at the meeting, but you can tell them what I said.",
    "I want to choose my own bedroom colours.",
    "I'd like to know why I can't live with my dad.",
)
WORRIES = (
    "Worried about changing school.",
    "Finds family time upsetting when it is cancelled.",
    "Nothing worrying them at the moment.",
    "Worried about a friend at school.",
    "Unsure who to talk to when sad.",
)
QUESTIONS = (
    "When will I see my sister?",
    "Can I stay here until I'm 18?",
    "Why did my social worker change?",
    "Can I have a sleepover at my friend's house?",
    "",
)
DECISIONS = (
    ("Arrange regular family time with mum, twice a month", "Social worker"),
    ("Update the personal education plan with the virtual school", "Designated teacher"),
    ("Book a health check with the GP", "Carer"),
    ("Find a local football club and arrange a taster session", "Carer"),
    ("Refer to the advocacy service so the child has an advocate", "Social worker"),
    ("Complete the life story work book together", "Social worker"),
    ("Share the care plan with the child in words they understand", "Social worker"),
    ("Arrange a dentist appointment", "Carer"),
    ("Agree a plan for sibling time with brother", "Team manager"),
    ("Apply for a passport for the school trip", "Social worker"),
)
CHALLENGE_ISSUES = (
    ("Delay to permanence", "The permanence plan has not progressed since the last review."),
    ("Reports not shared", "The social worker's report was not shared before the review."),
    ("Statutory visits not done", "Two statutory visits have been missed."),
    ("Review decisions not carried out", "The PEP decision from the last review is not done."),
    ("Social worker unavailable", "No allocated social worker for six weeks."),
    ("Unregistered placement", "The child is living in a home that is not registered."),
)
PLACEMENTS = {
    "foster_la": "Demo foster home",
    "foster_ifa": "Demo agency foster home",
    "foster_family": "Living with a relative (demo)",
    "childrens_home": "Demo children's home",
    "semi_independent": "Demo supported lodgings",
    "placed_with_parents": "At home with parent (demo)",
    "adoption": "Demo adoptive family",
}


def _age(dob: dt.date, on: dt.date) -> float:
    """Age in years on a day (for choosing, not for rules)."""
    return (on - dob).days / 365.25


@dataclass
class DemoSummary:
    """What build_demo wrote, by table."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def children(self) -> int:
        """How many children the demo caseload holds."""
        return self.counts.get("child", 0)


class _Builder:
    """Makes the rows; everything random comes from one seeded generator."""

    def __init__(self, *, seed: int, today: dt.date, settings: Settings) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.settings = settings
        self.calendar: WorkingDays = working_days(settings.nation)
        self.rules = track_rules(settings)
        self.rows: dict[type[Record], list[dict[str, Any]]] = {}

    # -- helpers -------------------------------------------------------------------------
    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def stamp(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(17, 0), tzinfo=dt.UTC)

    def add(self, table: type[Record], when: dt.date, **values: Any) -> uuid.UUID:
        row_id = values.pop("id", None) or self.new_id()
        stamp = self.stamp(min(when, self.today))
        row = {"id": row_id, "created_at": stamp, "updated_at": stamp, "deleted_at": None,
               "updated_by": "demo", "revision": 1, **values}
        self.rows.setdefault(table, []).append(row)
        return row_id

    def pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(low, high))

    # -- people --------------------------------------------------------------------------
    def iros(self, children: int) -> list[uuid.UUID]:
        team_size = max(1, round(children / 90)) if children > 120 else 1
        ids = [self.add(Iro, self.today - dt.timedelta(days=3650), name="Robin Example",
                        identity="robin.example", email="robin.example@council.invalid",
                        phone="01234 000000", team="Demo IRO Service",
                        profile_text="I have been an IRO for eight years. I like walking my "
                        "dog and I make a very good lemon cake.", is_me=True)]
        for n in range(1, team_size):
            ids.append(self.add(Iro, self.today - dt.timedelta(days=3650),
                                name=f"Demo Colleague {n}", identity=f"demo.colleague{n}",
                                email=f"demo.colleague{n}@council.invalid",
                                team="Demo IRO Service"))
        return ids

    def upn(self, number: int, dob: dt.date) -> str:
        """A unique pupil number in the DfE format that no real child can have.

        A check letter, then the local authority number, the school's number, the year and a
        serial: the authority number here is 000, which is no council's. A child under 4 has no
        UPN yet (DfE code UN1, "aged under 6 and not yet obtained a UPN").
        """
        if add_months(dob, 48) > self.today:
            return "UN1"
        digits = f"000{2000 + number // 1000:04d}{dob.year % 100:02d}{number % 1000:03d}"
        total = sum(int(digit) * weight for digit, weight in zip(digits, range(2, 14), strict=True))
        return "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23] + digits

    # -- a child -------------------------------------------------------------------------
    def child(self, number: int, iro_id: uuid.UUID, years: int) -> None:
        rng = self.rng
        age_days = rng.randint(200, 17 * 365 + 300)
        dob = self.today - dt.timedelta(days=age_days)
        first = rng.choice(FIRST_NAMES)
        child_id = self.add(
            Child, dob,
            child_ref=f"DEMO-{number:04d}",
            first_name=first,
            last_name=rng.choice(SURNAMES),
            preferred_name=first[:3] if rng.random() < 0.1 else "",
            dob=dob,
            gender=rng.choice(("female", "male")),
            ethnicity=rng.choice(("WBRI", "WBRI", "WBRI", "MWBC", "AIND", "BAFR", "WIRI")),
            first_language=rng.choice(("English",) * 9 + ("Polish",)),
            interpreter_needed=False,
            communication_needs=rng.choice(("",) * 8 + ("Uses Makaton", "Prefers pictures")),
            disability=rng.choice(("",) * 9 + ("Autism",)),
            upn=self.upn(number, dob),
            allocated_iro_id=iro_id,
            covering_iro_id=None,
            notes="",
        )
        earliest = max(dob + dt.timedelta(days=1), self.today - dt.timedelta(days=365 * years))
        latest = self.today - dt.timedelta(days=21)
        if earliest >= latest:
            earliest = latest - dt.timedelta(days=30)
        # (start, end, legal status, REC code) of each period of care, oldest first.
        episodes: list[tuple[dt.date, dt.date | None, str, str]] = []
        if rng.random() < 0.1 and (latest - earliest).days > 500:
            earlier = self.earlier_episode(dob, earliest, latest)
            if earlier is not None:
                episodes.append(earlier)
                # Home for a while (two months or more), then back into care.
                room = (latest - earlier[1]).days - 30
                earliest = earlier[1] + self.days(60, max(60, min(200, room)))
        start = earliest + self.days(0, max(0, (latest - earliest).days))
        episodes.append((start, None, self.current_status(dob, start), ""))
        worker = rng.choice(WORKER_NAMES)
        for role, name in (("social_worker", worker), ("team_manager", rng.choice(WORKER_NAMES)),
                           ("carer", f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}")):
            self.add(Person, start, child_id=child_id, role=role, name=name,
                     organisation="Demo County Council" if role != "carer" else "",
                     email="", phone="", from_date=start, to_date=None, notes="")
        if rng.random() < 0.3:
            self.add(Person, start, child_id=child_id, role="advocate", name="Demo Advocate",
                     organisation=ADVOCACY, email="", phone="", from_date=start, to_date=None,
                     notes="")
        if rng.random() < 0.15:
            self.add(Person, start, child_id=child_id, role="independent_visitor",
                     name="Demo Visitor", organisation="", email="", phone="",
                     from_date=start, to_date=None, notes="")
        for ep_start, ep_end, status, reason in episodes:
            self.episode(child_id, dob, ep_start, ep_end, status, reason, iro_id, worker)
        if rng.random() < 0.12:
            self.child_protection(child_id, dob, episodes[-1][0], iro_id)
        sixteen = add_months(dob, 16 * 12)
        if sixteen <= self.today:
            self.track_with_reviews("pathway", child_id, dob, max(sixteen, episodes[-1][0]),
                                    None, iro_id, worker)
        if rng.random() < 0.2:
            self.challenge(child_id, max(episodes[-1][0], self.today - dt.timedelta(days=400)))

    def earlier_episode(
        self, dob: dt.date, earliest: dt.date, latest: dt.date
    ) -> tuple[dt.date, dt.date, str, str] | None:
        """An ended period of care before the current one, or None when there is no room."""
        status = self.rng.choices(
            list(EARLIER_EPISODES), weights=[row[0] for row in EARLIER_EPISODES.values()]
        )[0]
        start = earliest + self.days(0, (latest - earliest).days // 3)
        if status == "J1":
            # Remanded as a teenager, or (too young for remand) accommodated under s.20.
            start = max(start, add_months(dob, 12 * YOUTH_JUSTICE_AGE))
            if (latest - start).days < 90 + EARLIER_EPISODES["J1"][1]:
                status = "V2"
                start = earliest + self.days(0, (latest - earliest).days // 3)
        _, shortest, longest, endings = EARLIER_EPISODES[status]
        # Leave two months at home and a month of the current episode before ``latest``.
        longest = min(longest, (latest - start).days - 90)
        if longest < shortest:
            return None
        end = start + self.days(shortest, longest)
        return start, end, status, self.pick(endings)

    def current_status(self, dob: dt.date, start: dt.date) -> str:
        """The legal status of the current period of care, fitting the child's age and story."""
        status = self.pick(LEGAL_STATUS_WEIGHTS)
        age = _age(dob, start)
        if status == "E1" and age >= ADOPTION_AGE:
            status = "C2"
        if status == "J1" and (age < YOUTH_JUSTICE_AGE or (self.today - start).days > 365):
            status = "V2"  # remand is for older children and rarely lasts a year
        if status == "C1" and (self.today - start).days > 400:
            status = "C2"  # care proceedings end with a final order within about a year
        return status

    def placement(self, status: str, age: float) -> str:
        """A placement type (vocab.PLACEMENT_TYPES) that fits the legal status and age."""
        choice = self.rng.choice
        if status == "E1":
            return "adoption" if self.rng.random() < 0.75 else "foster_la"
        if status == "J1":
            return choice(("childrens_home", "foster_la"))
        if status == "V4":
            return choice(("foster_la", "childrens_home"))
        if status == "L2":
            return choice(("foster_la", "foster_family"))
        if age >= 16:
            return choice(("semi_independent", "foster_la", "childrens_home"))
        if age >= 12:
            return choice(("foster_la", "foster_ifa", "childrens_home"))
        if status in ("C1", "C2") and self.rng.random() < 0.05:
            return "placed_with_parents"  # never under s.20 (V2): DfE rule 378
        return choice(("foster_la", "foster_la", "foster_ifa", "foster_family"))

    def episode(self, child_id: uuid.UUID, dob: dt.date, start: dt.date, end: dt.date | None,
                status: str, reason_ended: str, iro_id: uuid.UUID, worker: str) -> None:
        placement = self.placement(status, _age(dob, start))
        episode_id = self.add(CareEpisode, start, child_id=child_id, start_date=start,
                              end_date=end, legal_status=status, placement_type=placement,
                              placement_name=PLACEMENTS.get(placement, "Demo home"),
                              reason_ended=reason_ended if end else "")
        rule = short_break_rule(self.settings) if status in ("V3", "V4") else None
        self.track_with_reviews("cla", child_id, dob, start, end, iro_id, worker,
                                episode_id=episode_id, rule=rule)

    def child_protection(self, child_id: uuid.UUID, dob: dt.date, after: dt.date,
                         iro_id: uuid.UUID) -> None:
        start = max(after, self.today - dt.timedelta(days=500)) + self.days(0, 200)
        if start >= self.today:
            start = self.today - dt.timedelta(days=10)
        end = None
        if self.rng.random() < 0.4:
            end = start + self.days(200, 400)
            if end >= self.today:
                end = None
        self.track_with_reviews("cp", child_id, dob, start, end, iro_id, "")

    def track_with_reviews(self, kind: str, child_id: uuid.UUID | None, dob: dt.date | None,
                           start: dt.date, end: dt.date | None, iro_id: uuid.UUID, worker: str,
                           *, episode_id: uuid.UUID | None = None, rule: TrackRule | None = None,
                           household: str = "") -> None:
        rule = rule or self.rules[kind]
        track_id = self.add(CaseTrack, start, kind=kind, child_id=child_id, episode_id=episode_id,
                            household_name=household, start_date=start, end_date=end,
                            iro_id=iro_id, notes="")
        stop = end or self.today
        held: list[dt.date] = []
        # A few open tracks have a review overdue now (councils hold 96-99% in timescale).
        overdue_now = end is None and self.rng.random() < 0.02
        while True:
            deadline = next_review_deadline(rule, start, held, self.calendar)
            if deadline >= stop or (overdue_now and deadline + dt.timedelta(days=40) > stop):
                break
            held_on = self.held_date(deadline, held[-1] if held else start)
            if held_on > self.today:
                break
            held.append(held_on)
            self.review(track_id, child_id, dob, held_on, worker, kind)
        if end is not None:
            return
        deadline = next_review_deadline(rule, start, held, self.calendar)
        earliest = self.today + dt.timedelta(days=3)
        if deadline < self.today:
            # Overdue: half are rebooked for the next fortnight, with the reason.
            if self.rng.random() < 0.5:
                self.booking(track_id, child_id, earliest + self.days(0, 11),
                             late_reason=self.rng.choice(LATE_REASONS))
        elif self.rng.random() < 0.9 and deadline > earliest:
            # Most next reviews are booked (often at the review before), some weeks early.
            scheduled = deadline - self.days(0, min(60, (deadline - earliest).days))
            booking = self.booking(track_id, child_id, max(scheduled, earliest))
            if child_id is not None and kind in self.settings.pre_review_visit_kinds:
                self.visit_before(child_id, booking, max(scheduled, earliest),
                                  held[-1] if held else start)

    def working_day(self, day: dt.date, *, not_before: dt.date) -> dt.date:
        """``day`` or the working day before it; the one after when that is too early."""
        back = day
        while not self.calendar.is_working_day(back):
            back -= dt.timedelta(days=1)
        if back >= not_before:
            return back
        while not self.calendar.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def booking(self, track_id: uuid.UUID, child_id: uuid.UUID | None, day: dt.date,
                *, late_reason: str = "") -> uuid.UUID:
        """A booked review on ``day`` (on a working day: the one before, if need be)."""
        day = self.working_day(day, not_before=self.today + dt.timedelta(days=1))
        venue, form = self.venue_and_format()
        return self.add(Review, self.today, track_id=track_id, child_id=child_id,
                        status="booked", scheduled_date=day,
                        scheduled_time=self.rng.choice(("10:00", "13:30", "15:45")),
                        venue=venue, format=form, late_reason=late_reason, cancel_reason="",
                        held_on=None, participation_code=None, child_chaired=False,
                        attendees="", reports_from="", child_views="", iro_summary="",
                        permanence_status="", pre_review_contact=None,
                        decisions_circulated_on=None, record_completed_on=None,
                        letter_made_on=None, letter_sent_on=None)

    def venue_and_format(self) -> tuple[str, str]:
        """Where a review meets and how: an online meeting has an online venue, and only it."""
        form = self.rng.choice(("in_person", "in_person", "online", "hybrid"))
        if form == "online":
            return "Online (Teams)", form
        return self.rng.choice(("Carer's home", "School", "Council office")), form

    def visit_before(self, child_id: uuid.UUID, review_id: uuid.UUID, review_day: dt.date,
                     since: dt.date) -> None:
        """The IRO's visit before a booked review that is near: done, planned, or not yet."""
        if (review_day - self.today).days > 28:
            return
        roll = self.rng.random()
        if roll < 0.4:
            day = max(since + dt.timedelta(days=1), self.today - self.days(1, 10))
            if day < self.today:
                self.visit(child_id, review_id, day, "done")
        elif roll < 0.85 and (review_day - self.today).days >= 2:
            self.visit(child_id, review_id,
                       self.today + self.days(1, (review_day - self.today).days - 1), "planned")

    def visit(self, child_id: uuid.UUID, review_id: uuid.UUID, day: dt.date,
              status: str) -> None:
        """A visit to the child before a review (done, with notes, or planned), on a weekday."""
        rng = self.rng
        done = status == "done"
        first = day - dt.timedelta(days=7) if done else self.today + dt.timedelta(days=1)
        day = self.working_day(day, not_before=first)
        self.add(Visit, day, child_id=child_id, review_id=review_id, status=status,
                 visit_date=day, visit_time="16:00",
                 method=rng.choice(("face_to_face",) * 6 + ("video", "phone", "messaging")),
                 location=rng.choice(("Carer's home", "School", "Caf\u00e9 in town")),
                 others_present="", seen_alone=done and rng.random() < 0.7,
                 wishes_feelings=rng.choice(CHILD_WORDS) if done else "",
                 worries=rng.choice(WORRIES) if done else "",
                 questions=rng.choice(QUESTIONS) if done else "",
                 who_to_attend="Carer and social worker" if done else "",
                 how_to_take_part=rng.choice(("Come to the meeting", "Send my views",
                                              "Talk to my advocate")) if done else "",
                 follow_up="")

    def held_date(self, deadline: dt.date, previous: dt.date) -> dt.date:
        # About 3 in 100 reviews are held out of timescale, as councils report.
        late = self.rng.random() < 0.03
        held = deadline + self.days(1, 25) if late else deadline - self.days(0, 35)
        while not self.calendar.is_working_day(held):
            held -= dt.timedelta(days=1)
        return max(held, previous + dt.timedelta(days=1))

    def review(self, track_id: uuid.UUID, child_id: uuid.UUID | None, dob: dt.date | None,
               held_on: dt.date, worker: str, kind: str) -> None:
        rng = self.rng
        under_four = dob is not None and add_months(dob, 48) > held_on
        code = "PN0" if under_four else self.pick(PARTICIPATION_WEIGHTS)
        if child_id is None:
            code = None
        review_id = self.new_id()
        visited = child_id is not None and rng.random() < 0.85
        words = rng.choice(CHILD_WORDS) if code not in (None, "PN0", "PN7") else ""
        # Paperwork: most decisions go out within a week and most records within four; a
        # review of the last few days may not have them yet.
        circulated = held_on + (self.days(1, 7) if rng.random() < 0.95 else self.days(8, 15))
        completed = held_on + (self.days(8, 27) if rng.random() < 0.9 else self.days(28, 40))
        venue, form = self.venue_and_format()
        self.add(Review, held_on, id=review_id, track_id=track_id, child_id=child_id,
                 status="held", scheduled_date=held_on,
                 scheduled_time=rng.choice(("10:00", "13:30", "15:45")),
                 venue=venue, format=form,
                 late_reason="", cancel_reason="", held_on=held_on, participation_code=code,
                 child_chaired=code == "PN1" and rng.random() < 0.1,
                 attendees=f"Child, carer, {worker}" if worker else "Carers, supervising worker",
                 reports_from="Social worker, school, health",
                 child_views=words, iro_summary="The plan is working well; see decisions.",
                 permanence_status=rng.choice(("agreed", "agreed", "not_yet", "achieved")),
                 pre_review_contact=visited,
                 decisions_circulated_on=circulated if circulated <= self.today else None,
                 record_completed_on=completed if completed <= self.today else None,
                 letter_made_on=None, letter_sent_on=None)
        if visited and child_id is not None:
            self.visit(child_id, review_id, held_on - self.days(1, 15), "done")
        for text, owner in rng.sample(DECISIONS, rng.randint(2, 4)):
            self.decision(review_id, child_id, held_on, text, owner)

    def decision(self, review_id: uuid.UUID, child_id: uuid.UUID | None, held_on: dt.date,
                 text: str, owner: str) -> None:
        """A review decision: most done by their date, a few late, a few overtaken by events.

        A decision not done by its date is chased and done within weeks, or settled at a later
        review (done, or no longer needed): none stays open and overdue for months.
        """
        rng = self.rng
        due = held_on + dt.timedelta(weeks=rng.choice((4, 6, 8, 12)))
        roll = rng.random()
        finish: dt.date | None
        if roll < 0.96:
            finish = due - self.days(0, 14)
        elif roll < 0.985:
            finish = due + self.days(1, 14)
        else:
            finish = None  # not done: no longer needed, or still open
        status, done_on, note = "open", None, ""
        if finish is not None and finish <= self.today:
            status, done_on = "done", finish
        elif finish is None and (self.today - due).days > 21:
            status, note = "dropped", "Reviewed at a later meeting; no longer needed."
        self.add(Decision, held_on, review_id=review_id, child_id=child_id, text=text,
                 responsible=owner, due_on=due, status=status, done_on=done_on, note=note)

    def challenge(self, child_id: uuid.UUID, around: dt.date) -> None:
        """A challenge raised some time in the last year, followed through the ladder to today.

        Each level is answered around its response date (a few answers are late), and the IRO
        then resolves the challenge or escalates it within days, as the DRP expects (the whole
        within weeks, not months). So only challenges raised in the last weeks are still open,
        and a response is at most a few weeks overdue.
        """
        rng = self.rng
        latest = self.today - dt.timedelta(days=3)
        earliest = min(around + dt.timedelta(days=10), latest)
        raised = earliest + self.days(0, (latest - earliest).days)
        theme, issue = rng.choice(CHALLENGE_ISSUES)
        ladder = {rung.level: rung for rung in self.settings.challenge_ladder}
        top = min(rng.choice((1, 1, 1, 2, 2, 3, 4)), max(ladder))
        withdrawn = rng.random() < 0.1
        qa_id = None
        if rng.random() < 0.5:
            qa_id = self.add(QaTool, raised, child_id=child_id, status="escalated",
                             started_on=raised - self.days(3, 10),
                             items_json=json.dumps([{"item": item, "answer": "met", "comment": ""}
                                                    for item in self.settings.qa_items]),
                             positive_practice="The child's voice is clear in the plan.",
                             shared_with="Social worker", shared_on=raised - self.days(1, 3),
                             response_on=None, response_text="", closed_on=None)
        challenge_id = self.new_id()
        steps: list[dict[str, Any]] = []
        level, on = 1, raised
        status, response_due, closed_on, outcome, impact = "open", None, None, "", ""
        while True:
            rung = ladder.get(level) or ladder[min(ladder)]
            due = self.calendar.add(on, rung.response_working_days)
            steps.append({"step": "raised" if level == 1 else "escalated", "level": level,
                          "on_date": on, "response_due": due,
                          "addressed_to_role": rung.addressed_to_role, "satisfactory": None,
                          "text": issue if level == 1 else "No satisfactory response; escalated."})
            response_due = due
            roll = rng.random()
            if roll < 0.7:
                answered = due - self.days(0, 3)
            elif roll < 0.9:
                answered = due + self.days(1, 6)
            else:
                answered = due + self.days(7, 20)
            answered = max(answered, on + dt.timedelta(days=1))
            if answered > self.today:
                break  # waiting for the response
            last = level >= top
            steps.append({"step": "response", "level": level, "on_date": answered,
                          "response_due": None, "addressed_to_role": rung.addressed_to_role,
                          "satisfactory": last and not withdrawn,
                          "text": "Circumstances have changed; the plan is being rewritten."
                          if last and withdrawn else "Response received."})
            response_due = None
            decided = answered + self.days(0, 5)
            if decided > self.today:
                break  # the IRO is considering the response
            if not last:
                level, on = level + 1, decided
                continue
            closed_on = decided
            if withdrawn:
                status = "withdrawn"
                outcome = "The child moved home and the plan changed; the concern has gone."
            else:
                status, outcome = "resolved", "Plan updated and agreed."
                impact = "The child knows the plan and it is on track."
            steps.append({"step": status, "level": level, "on_date": decided,
                          "response_due": None, "addressed_to_role": "", "satisfactory": None,
                          "text": outcome})
            break
        self.add(Challenge, raised, id=challenge_id, child_id=child_id, qa_tool_id=qa_id,
                 review_id=None, track_kind="cla", theme=theme, issue=issue,
                 outcome_wanted="The plan progresses within the agreed timescale.",
                 addressed_to_name=rng.choice(WORKER_NAMES),
                 addressed_to_role=ladder[level].addressed_to_role if level in ladder
                 else "Team manager",
                 level=level, status=status, raised_on=raised, response_due=response_due,
                 closed_on=closed_on, outcome=outcome, impact=impact)
        for step in steps:
            self.add(ChallengeStep, step["on_date"], challenge_id=challenge_id, child_id=child_id,
                     addressed_to_name="", **step)

    def households(self, count: int, iro_ids: Sequence[uuid.UUID]) -> None:
        for n in range(count):
            approved = self.today - self.days(100, 365 * 6)
            self.track_with_reviews("fostering", None, None, approved, None,
                                    iro_ids[n % len(iro_ids)], "",
                                    household=f"The {self.rng.choice(SURNAMES)} household (demo)")


def _write_rows(session: Session, table: type[Record], rows: list[dict[str, Any]]) -> None:
    """Insert the rows with one executemany, converting each value as SQLAlchemy would.

    The ORM's bulk insert leaves out None values row by row, so it splits the demo's rows into
    thousands of small statements; converting ~370,000 dates and timestamps one by one through
    the type system is most of the rest. Here each column's converter runs once per distinct
    value (the demo's dates and timestamps repeat), and a column a row leaves out takes the
    column's default, as an insert would give it.
    """
    sa_table: Table = table.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect
    columns = list(sa_table.columns)
    defaults: dict[str, Any] = {}
    for column in columns:
        default = column.default
        if default is None:
            defaults[column.name] = None
        elif default.is_scalar:
            defaults[column.name] = default.arg  # type: ignore[attr-defined]
    converters = []
    for column in columns:
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        converters.append((column.name, process, {}))
    values = []
    for row in rows:
        out = []
        for name, process, seen in converters:
            value = row[name] if name in row else defaults[name]
            if process is not None and value is not None:
                key = (type(value), value)
                converted = seen.get(key)
                if converted is None:
                    converted = seen[key] = process(value)
                value = converted
            out.append(value)
        values.append(tuple(out))
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(sa_table.name)} ({', '.join(quote(c.name) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    session.connection().exec_driver_sql(sql, values)


def build_demo(store: CaseloadStore, *, children: int = 70, years: int = 3, seed: int = 1,
               today: dt.date | None = None,
               check: Callable[[], None] | None = None) -> DemoSummary:
    """Fill an empty caseload with an invented one; refuse a caseload that holds children.

    ``check`` is called once per child made and once per table written, and may raise (e.g.
    ``WorkCancelledError`` when the IRO asks to stop): the rows are written in one transaction,
    so stopping leaves the caseload as it was.
    """
    from sqlmodel import func, select

    from iro_desk.errors import IroDeskError

    if children < 1 or years < 1:
        raise IroDeskError("The demo needs at least one child and one year of history.")
    today = today or dt.date.today()
    with store.session() as session:
        if session.exec(select(func.count()).select_from(Child)).one():
            raise IroDeskError("This caseload already has children; the demo needs an empty one.")
        settings = load_settings(session)
    builder = _Builder(seed=seed, today=today, settings=settings)
    iro_ids = builder.iros(children)
    stop_if_asked = check or (lambda: None)
    for number in range(1, children + 1):
        stop_if_asked()
        builder.child(number, iro_ids[(number - 1) % len(iro_ids)], years)
    builder.households(max(1, children // 15), iro_ids)
    summary = DemoSummary()
    with store.session() as session:
        for table, rows in builder.rows.items():
            stop_if_asked()
            _write_rows(session, table, rows)
            summary.counts[table.__tablename__] = len(rows)
        settings = settings.model_copy(update={
            "council_name": settings.council_name or "Demo County Council",
            "advocacy_service": settings.advocacy_service or ADVOCACY,
            "advocacy_contact": settings.advocacy_contact or "0800 000 0000 (demo)",
            "complaints_contact": settings.complaints_contact
            or "Demo County Council complaints team, 01234 000111 (demo)",
            "my_iro_identity": settings.my_iro_identity or "robin.example",
        })
        save_settings(session, settings)
    return summary
