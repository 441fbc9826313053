"""The demo caseload: invented children with years of realistic, clearly fictional history.

Everything here is made up. Names come from storybook word lists and every child ID starts
with ``DEMO-``. The shape follows DOMAIN.md: legal statuses and placements in the proportions a
county sees, reviews held on the dates the statutory rules give (most in time, a few late, a
few overdue now), participation codes in the proportions councils publish, visits with notes in
a child's voice, decisions, paperwork dates, and challenges at several levels.

Deterministic: the same ``seed`` and ``today`` give the same caseload, ids and timestamps
included. With ``children=2250, years=10`` it is the benchmark workload (a 25-IRO team).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert

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

# DfE SSDA903 legal status, weighted roughly as a county's children in care are.
LEGAL_STATUS_WEIGHTS = {"C2": 52, "C1": 12, "V2": 20, "E1": 8, "V3": 2, "V4": 1,
                        "J1": 2, "L2": 2, "D1": 1}
# Participation codes for children aged 4+ (Durham 2023/24 without PN0, DOMAIN.md).
PARTICIPATION_WEIGHTS = {"PN1": 1608, "PN2": 61, "PN3": 18, "PN4": 60, "PN5": 378,
                         "PN6": 1340, "PN7": 93}

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
            upn="",
            allocated_iro_id=iro_id,
            covering_iro_id=None,
            notes="",
        )
        earliest = max(dob + dt.timedelta(days=1), self.today - dt.timedelta(days=365 * years))
        latest = self.today - dt.timedelta(days=21)
        if earliest >= latest:
            earliest = latest - dt.timedelta(days=30)
        episodes: list[tuple[dt.date, dt.date | None]] = []
        if rng.random() < 0.08 and (latest - earliest).days > 500:
            first_start = earliest + self.days(0, (latest - earliest).days // 3)
            first_end = first_start + self.days(60, 300)
            episodes.append((first_start, first_end))
            earliest = first_end + self.days(60, 200)
            if earliest >= latest:
                earliest = latest - dt.timedelta(days=30)
        start = earliest + self.days(0, max(0, (latest - earliest).days))
        episodes.append((start, None))
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
        for ep_start, ep_end in episodes:
            self.episode(child_id, dob, ep_start, ep_end, iro_id, worker)
        if rng.random() < 0.12:
            self.child_protection(child_id, dob, episodes[-1][0], iro_id)
        sixteen = add_months(dob, 16 * 12)
        if sixteen <= self.today:
            self.track_with_reviews("pathway", child_id, dob, max(sixteen, episodes[-1][0]),
                                    None, iro_id, worker)
        if rng.random() < 0.2:
            self.challenge(child_id, max(episodes[-1][0], self.today - dt.timedelta(days=400)))

    def episode(self, child_id: uuid.UUID, dob: dt.date, start: dt.date, end: dt.date | None,
                iro_id: uuid.UUID, worker: str) -> None:
        age = (start - dob).days / 365.25
        status = self.pick(LEGAL_STATUS_WEIGHTS)
        if age < 10 and status == "J1":
            status = "C2"
        if age >= 16:
            placement = self.rng.choice(("semi_independent", "foster_la", "childrens_home"))
        elif status == "E1":
            placement = "adoption"
        elif age >= 12:
            placement = self.rng.choice(("foster_la", "foster_ifa", "childrens_home"))
        else:
            placement = self.rng.choice(("foster_la", "foster_la", "foster_ifa", "foster_family"))
        episode_id = self.add(CareEpisode, start, child_id=child_id, start_date=start,
                              end_date=end, legal_status=status, placement_type=placement,
                              placement_name=PLACEMENTS.get(placement, "Demo home"),
                              reason_ended="Returned home" if end else "")
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
        overdue_now = self.rng.random() < 0.04
        while True:
            deadline = next_review_deadline(rule, start, held, self.calendar)
            if deadline >= stop or (overdue_now and deadline + dt.timedelta(days=40) > stop):
                break
            held_on = self.held_date(deadline, held[-1] if held else start)
            if held_on > self.today:
                break
            held.append(held_on)
            self.review(track_id, child_id, dob, held_on, worker, kind)
        if end is None and not overdue_now and self.rng.random() < 0.7:
            deadline = next_review_deadline(rule, start, held, self.calendar)
            earliest = self.today + dt.timedelta(days=3)
            if deadline > earliest:
                scheduled = deadline - self.days(0, min(60, (deadline - earliest).days))
                self.add(Review, self.today, track_id=track_id, child_id=child_id,
                         status="booked", scheduled_date=max(scheduled, earliest),
                         scheduled_time=self.rng.choice(("10:00", "13:30", "15:45")),
                         venue=self.rng.choice(("Carer's home", "School", "Online (Teams)")),
                         format="in_person", late_reason="", cancel_reason="", held_on=None,
                         participation_code=None, child_chaired=False, attendees="",
                         reports_from="", child_views="", iro_summary="", permanence_status="",
                         pre_review_contact=None, decisions_circulated_on=None,
                         record_completed_on=None, letter_made_on=None, letter_sent_on=None)

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
        recent = (self.today - held_on).days
        circulated = held_on + self.days(1, 9) if recent > 12 or rng.random() < 0.5 else None
        completed = held_on + self.days(8, 32) if recent > 35 or rng.random() < 0.3 else None
        self.add(Review, held_on, id=review_id, track_id=track_id, child_id=child_id,
                 status="held", scheduled_date=held_on,
                 scheduled_time=rng.choice(("10:00", "13:30", "15:45")),
                 venue=rng.choice(("Carer's home", "School", "Online (Teams)", "Council office")),
                 format=rng.choice(("in_person", "in_person", "online", "hybrid")),
                 late_reason="", cancel_reason="", held_on=held_on, participation_code=code,
                 child_chaired=code == "PN1" and rng.random() < 0.1,
                 attendees=f"Child, carer, {worker}" if worker else "Carers, supervising worker",
                 reports_from="Social worker, school, health",
                 child_views=words, iro_summary="The plan is working well; see decisions.",
                 permanence_status=rng.choice(("agreed", "agreed", "not_yet", "achieved")),
                 pre_review_contact=visited,
                 decisions_circulated_on=circulated if circulated and circulated <= self.today
                 else None,
                 record_completed_on=completed if completed and completed <= self.today else None,
                 letter_made_on=None, letter_sent_on=None)
        if visited and child_id is not None:
            visit_day = held_on - self.days(1, 15)
            self.add(Visit, visit_day, child_id=child_id, review_id=review_id, status="done",
                     visit_date=visit_day, visit_time="16:00",
                     method=rng.choice(("face_to_face",) * 6 + ("video", "phone", "messaging")),
                     location=rng.choice(("Carer's home", "School", "Caf\u00e9 in town")),
                     others_present="", seen_alone=rng.random() < 0.7,
                     wishes_feelings=rng.choice(CHILD_WORDS), worries=rng.choice(WORRIES),
                     questions=rng.choice(QUESTIONS), who_to_attend="Carer and social worker",
                     how_to_take_part=rng.choice(("Come to the meeting", "Send my views",
                                                  "Talk to my advocate")),
                     follow_up="")
        for text, owner in rng.sample(DECISIONS, rng.randint(2, 4)):
            due = held_on + dt.timedelta(weeks=rng.choice((4, 6, 8, 12)))
            # Most decisions are done by their date; a few overrun. Old ones were settled at a
            # later review: done, or no longer needed.
            status = "open"
            if due < self.today and rng.random() < 0.85:
                status = "done"
            elif (self.today - due).days > 120:
                status = "done" if rng.random() < 0.7 else "dropped"
            self.add(Decision, held_on, review_id=review_id, child_id=child_id, text=text,
                     responsible=owner, due_on=due, status=status,
                     done_on=due - self.days(0, 14) if status == "done" else None,
                     note="Reviewed at a later meeting." if status == "dropped" else "")

    def challenge(self, child_id: uuid.UUID, around: dt.date) -> None:
        rng = self.rng
        raised = min(self.today - dt.timedelta(days=5), around + self.days(10, 300))
        theme, issue = rng.choice(CHALLENGE_ISSUES)
        ladder = self.settings.challenge_ladder
        top = rng.choice((1, 1, 1, 2, 2, 3, 4))
        resolved = rng.random() < 0.6
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
        on = raised
        steps: list[dict[str, Any]] = []
        for level in range(1, top + 1):
            rung = next(r for r in ladder if r.level == level)
            due = self.calendar.add(on, rung.response_working_days)
            steps.append({"step": "raised" if level == 1 else "escalated", "level": level,
                          "on_date": on, "response_due": due,
                          "addressed_to_role": rung.addressed_to_role,
                          "text": issue if level == 1 else "No satisfactory response; escalated."})
            if level < top:
                on = min(self.today, due + self.days(1, 5))
        closed_on = None
        response_due: dt.date | None = steps[-1]["response_due"]
        if resolved:
            closed_on = min(self.today, on + self.days(2, 15))
            steps.append({"step": "resolved", "level": top, "on_date": closed_on,
                          "response_due": None, "addressed_to_role": "",
                          "text": "Plan updated and agreed."})
            response_due = None
        self.add(Challenge, raised, id=challenge_id, child_id=child_id, qa_tool_id=qa_id,
                 review_id=None, track_kind="cla", theme=theme, issue=issue,
                 outcome_wanted="The plan progresses within the agreed timescale.",
                 addressed_to_name=rng.choice(WORKER_NAMES),
                 addressed_to_role=steps[-1]["addressed_to_role"] or "Team manager",
                 level=top, status="resolved" if resolved else "open", raised_on=raised,
                 response_due=response_due, closed_on=closed_on,
                 outcome="Plan updated and agreed." if resolved else "",
                 impact="The child knows the plan and it is on track." if resolved else "")
        for step in steps:
            self.add(ChallengeStep, step["on_date"], challenge_id=challenge_id, child_id=child_id,
                     addressed_to_name="", **step)

    def households(self, count: int, iro_ids: Sequence[uuid.UUID]) -> None:
        for n in range(count):
            approved = self.today - self.days(100, 365 * 6)
            self.track_with_reviews("fostering", None, None, approved, None,
                                    iro_ids[n % len(iro_ids)], "",
                                    household=f"The {self.rng.choice(SURNAMES)} household (demo)")


def build_demo(store: CaseloadStore, *, children: int = 70, years: int = 3, seed: int = 1,
               today: dt.date | None = None) -> DemoSummary:
    """Fill an empty caseload with an invented one; refuse a caseload that holds children."""
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
    for number in range(1, children + 1):
        builder.child(number, iro_ids[(number - 1) % len(iro_ids)], years)
    builder.households(max(1, children // 15), iro_ids)
    summary = DemoSummary()
    with store.session() as session:
        for table, rows in builder.rows.items():
            session.execute(insert(table), rows)
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
