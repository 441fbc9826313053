"""The IRO using this laptop: their details for letters, kept as the ``iro`` row with is_me."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from iro_desk.errors import ValidationError
from iro_desk.models import Iro

MAX_PHOTO_BYTES = 5 * 1024 * 1024
_PHOTO_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


@dataclass(frozen=True)
class MyDetails:
    """What the IRO tells IRO Desk about themselves."""

    name: str
    job_title: str = "Independent Reviewing Officer"
    team: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    profile_text: str = ""
    identity: str = ""
    photo: bytes | None = None


def get_me(session: Session) -> Iro | None:
    """The IRO who uses this laptop, if they have said who they are."""
    return session.exec(
        select(Iro).where(Iro.is_me == True, Iro.deleted_at == None)  # noqa: E711, E712
    ).first()


def validate_details(details: MyDetails) -> None:
    """Refuse details a letter could not use, saying what to fix beside each field."""
    problems: dict[str, str] = {}
    if not details.name.strip():
        problems["name"] = "Write your name as children and families will see it on letters."
    if details.email.strip() and "@" not in details.email:
        problems["email"] = "This does not look like an email address."
    if len(details.profile_text) > 4000:
        problems["profile_text"] = "Keep 'about me' under 4,000 characters: it goes on a letter."
    if details.photo is not None:
        if len(details.photo) > MAX_PHOTO_BYTES:
            problems["photo"] = "The photo is larger than 5 MB; choose a smaller one."
        elif not details.photo.startswith(_PHOTO_SIGNATURES):
            problems["photo"] = "The photo must be a PNG or JPEG picture."
    if problems:
        raise ValidationError("Some of your details need a change.", problems)


def save_me(session: Session, details: MyDetails) -> Iro:
    """Create or update the IRO row for this laptop's user."""
    validate_details(details)
    me = get_me(session) or Iro(name=details.name.strip(), is_me=True)
    me.name = details.name.strip()
    me.job_title = details.job_title.strip()
    me.team = details.team.strip()
    me.email = details.email.strip()
    me.phone = details.phone.strip()
    me.mobile = details.mobile.strip()
    me.profile_text = details.profile_text.strip()
    me.identity = details.identity.strip()
    me.photo = details.photo
    session.add(me)
    return me
