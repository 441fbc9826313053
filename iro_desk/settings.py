"""Settings kept in the caseload file: local practice, letters, challenges, sync and security.

Every value has the default DOMAIN.md gives (marked "(setting)" there). Settings are stored one
key per row as JSON, so a file written by an older app simply lacks the newer keys.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError
from sqlmodel import Session, select

from iro_desk.clock import utcnow
from iro_desk.errors import ValidationError
from iro_desk.models import Setting

NATIONS: dict[str, str] = {
    "ENG": "England",
    "WLS": "Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
}


class ChallengeLevel(BaseModel):
    """One rung of the Dispute Resolution Process ladder."""

    level: int
    name: str
    addressed_to_role: str
    response_working_days: int = 5


def default_ladder() -> list[ChallengeLevel]:
    """The ladder DOMAIN.md reports (setting): informal, levels 2-5, then Cafcass."""
    return [
        ChallengeLevel(level=1, name="Informal", addressed_to_role="Social worker / team manager"),
        ChallengeLevel(level=2, name="Level 2", addressed_to_role="Team manager"),
        ChallengeLevel(level=3, name="Level 3", addressed_to_role="Service manager"),
        ChallengeLevel(level=4, name="Level 4", addressed_to_role="Strategic manager"),
        ChallengeLevel(level=5, name="Level 5", addressed_to_role="Head of service / director"),
        ChallengeLevel(level=6, name="Cafcass referral", addressed_to_role="Cafcass"),
    ]


DEFAULT_QA_ITEMS = [
    "Care plan is up to date",
    "Permanence plan is in place, with a timescale",
    "Statutory visits are up to date",
    "Personal education plan (PEP) is current",
    "Health assessment is up to date",
    "Pathway plan in place (16+)",
    "Placement is registered",
    "Reports were shared before the review",
    "Actions from the last review are done",
]

DEFAULT_CHALLENGE_THEMES = [
    "Delay to permanence",
    "Unregistered placement",
    "Reports not shared",
    "Social worker unavailable",
    "Statutory visits not done",
    "Review decisions not carried out",
    "Assessments late or missing",
    "PEP or health assessment missing",
    "Other",
]


class Settings(BaseModel):
    """All settings with their defaults."""

    # Me and my council
    council_name: str = ""
    nation: str = Field(default="ENG", description="Bank holidays: ENG, WLS, SCT or NIR")
    my_iro_identity: str = ""
    # Timescales (local practice, DOMAIN.md)
    target_weeks_before_deadline: int = 6
    visit_window_working_days: int = 20
    due_soon_days: int = 14
    private_fostering_first_months: int = 3
    private_fostering_interval_months: int = 6
    short_break_first_months: int = 3
    short_break_interval_months: int = 6
    decisions_circulated_working_days: int = 5
    record_completed_working_days: int = 20
    intro_letter_working_days: int = Field(
        default=10,
        description="Working days from a child's allocation (their first open track starting) "
        "to send the IRO's introduction letter",
    )
    pre_review_visit_kinds: list[str] = Field(
        default_factory=lambda: ["cla", "pathway", "secure"],
        description="Kinds of track whose reviews need a pre-review visit to the child",
    )
    # Challenges
    challenge_ladder: list[ChallengeLevel] = Field(default_factory=default_ladder)
    allow_skipping_levels: bool = False
    challenge_themes: list[str] = Field(default_factory=lambda: list(DEFAULT_CHALLENGE_THEMES))
    qa_items: list[str] = Field(default_factory=lambda: list(DEFAULT_QA_ITEMS))
    # Letters
    advocacy_service: str = ""
    advocacy_contact: str = ""
    complaints_contact: str = ""
    letters_folder: str = ""
    letter_retention_days: int = 730
    council_logo: str = Field(
        default="", description="The council's logo for letters: a PNG or JPEG file, base64"
    )
    # Calendar export: how much of the child is shown in an event.
    ics_detail: str = Field(default="initials", description="initials, first_name or full_name")
    ics_reminder_minutes: int = 1440
    ics_include_venue: bool = Field(
        default=False, description="Put the venue (perhaps the child's address) in events"
    )
    # Sync and security
    team_share_folder: str = ""
    sync_scope: str = Field(
        default="mine",
        description="What this laptop keeps: mine (children allocated to me and those I cover) "
        "or all (everyone, as the team file does)",
    )
    sync_keep_days: int = Field(
        default=14, description="Days old team file generations are kept on the share"
    )
    lock_after_minutes: int = 10


def load_settings(session: Session) -> Settings:
    """The settings stored in the caseload, with defaults for anything not stored."""
    stored: dict[str, Any] = {
        row.key: json.loads(row.value_json) for row in session.exec(select(Setting)).all()
    }
    known = {key: value for key, value in stored.items() if key in Settings.model_fields}
    try:
        return Settings.model_validate(known)
    except PydanticValidationError as exc:
        raise ValidationError("The settings in this caseload are not valid.") from exc


def save_settings(session: Session, settings: Settings) -> None:
    """Store every setting that differs from what is stored now."""
    current = {row.key: row for row in session.exec(select(Setting)).all()}
    for key, value in settings.model_dump(mode="json").items():
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        row = current.get(key)
        if row is None:
            session.add(Setting(key=key, value_json=text))
        elif row.value_json != text:
            row.value_json = text
            row.updated_at = utcnow()
            session.add(row)


def update_settings(session: Session, **changes: Any) -> Settings:
    """Change some settings, validating the result as a whole."""
    merged = load_settings(session).model_dump() | changes
    try:
        settings = Settings.model_validate(merged)
    except PydanticValidationError as exc:
        problems = {".".join(str(p) for p in err["loc"]): err["msg"] for err in exc.errors()}
        raise ValidationError("Some settings are not valid.", problems) from exc
    save_settings(session, settings)
    return settings
