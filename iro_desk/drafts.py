"""Autosaved drafts of forms being filled in, so that a crash or a closed lid loses no typing.

A draft is the unsaved state of one form, kept as a small JSON file per form in the drafts
folder (``paths.data_dir()/drafts`` by default), written atomically and readable only by the
user (it holds a child's details). Forms name their draft with a key: ``review:<uuid>`` for an
existing review, ``new-review:<track uuid>`` for one not yet saved, ``visit:<uuid>``,
``new-visit:<child uuid>``. A draft is removed once the form is saved: drafts are not records,
so removing the file is right (the saved record keeps its own history).

File format (version 1)::

    {"format": "iro-desk-draft", "version": 1, "key": "review:...",
     "saved_at": "2027-01-04T14:05:00+00:00", "fields": {...}}

``fields`` is whatever the form stores (JSON values only); the form that wrote it reads it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iro_desk import paths
from iro_desk.clock import utcnow
from iro_desk.files import atomic_write_text

DRAFT_FORMAT = "iro-desk-draft"
DRAFT_VERSION = 1
_SAFE = re.compile(r"[^A-Za-z0-9-]+")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """An unsaved form: its key, when it was written, and the form's fields."""

    key: str
    saved_at: dt.datetime
    fields: dict[str, Any]

    def saved_at_text(self) -> str:
        """When the draft was written, in local time: '14:05 on 4 Jan 2027'."""
        local = self.saved_at.astimezone()
        return f"{local:%H:%M} on {local.day} {local:%b %Y}"


def default_drafts_dir() -> Path:
    """The drafts folder in the user's data folder."""
    return paths.data_dir() / "drafts"


class DraftStore:
    """The drafts folder: save, load and discard one form's draft by key."""

    def __init__(self, folder: Path | None = None) -> None:
        """Keep drafts in ``folder`` (default: ``default_drafts_dir()``)."""
        self.folder = Path(folder) if folder is not None else default_drafts_dir()

    def path_for(self, key: str) -> Path:
        """The file holding the draft for ``key``: readable name plus a hash of the exact key."""
        if not key.strip():
            raise ValueError("a draft needs a key")
        readable = _SAFE.sub("_", key)[:80].strip("_") or "draft"
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
        return self.folder / f"{readable}.{digest}.json"

    def save(self, key: str, fields: dict[str, Any], *, now: dt.datetime | None = None) -> Path:
        """Write the draft for ``key`` (replacing any earlier one), privately and atomically."""
        document = {
            "format": DRAFT_FORMAT,
            "version": DRAFT_VERSION,
            "key": key,
            "saved_at": (now or utcnow()).isoformat(),
            "fields": fields,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError, NotImplementedError):
            self.folder.chmod(0o700)
        text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
        return atomic_write_text(self.path_for(key), text, private=True)

    def load(self, key: str) -> Draft | None:
        """The draft for ``key``, or None when there is none.

        A draft file that cannot be read (cut short by a crash while being written elsewhere,
        or edited by hand) is renamed ``*.unreadable`` and kept for inspection, and None is
        returned: the form then opens with the saved record.
        """
        path = self.path_for(key)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            document = json.loads(raw)
            if document.get("format") != DRAFT_FORMAT or document.get("key") != key:
                raise ValueError("not a draft for this form")
            if int(document.get("version", 0)) > DRAFT_VERSION:
                raise ValueError("written by a newer IRO Desk")
            saved_at = dt.datetime.fromisoformat(document["saved_at"])
            if saved_at.tzinfo is None:
                saved_at = saved_at.replace(tzinfo=dt.UTC)
            fields = document["fields"]
            if not isinstance(fields, dict):
                raise ValueError("fields are not an object")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("draft %s is unreadable (%s); set aside", path.name, exc)
            with contextlib.suppress(OSError):
                path.replace(path.with_suffix(".unreadable"))
            return None
        return Draft(key=key, saved_at=saved_at, fields=fields)

    def discard(self, key: str) -> None:
        """Remove the draft for ``key`` (after the form was saved, or the IRO discarded it)."""
        with contextlib.suppress(FileNotFoundError):
            self.path_for(key).unlink()

    def keys(self) -> list[str]:
        """The keys of every readable draft in the folder, oldest first."""
        found: list[tuple[str, str]] = []
        if not self.folder.is_dir():
            return []
        for path in self.folder.glob("*.json"):
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
                found.append((str(document["saved_at"]), str(document["key"])))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return [key for _, key in sorted(found)]
