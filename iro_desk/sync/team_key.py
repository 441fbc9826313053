"""The team key: what encrypts every file IRO Desk writes to the team share.

The manager makes a team key once (``TeamKey.generate``; ``iro-desk team-key new``) and gives
it to each IRO out of band: as a small key file, or as a printed code of 56 letters and digits
that can be read out over the phone. Each laptop imports it into its own caseload
(``import_team_key``), where it is kept in the table ``sync_team_key``: inside the caseload
file, so it is encrypted with the IRO's passphrase, backed up and restored with the caseload,
and moves with a re-key. It is not part of the caseload's records (not a SQLModel table), so
sync never copies it into a team file, and nothing exports it.

Why in the caseload rather than a 0600 file in the user's config folder: a laptop's caseload is
encrypted with SQLCipher, while a config file is readable by anything running as the user and
by anyone holding the disk; and a caseload restored from a backup onto a new laptop can sync at
once.

**Sealed files.** Every file written to the share (each manifest and each payload) is sealed
with AES-256-GCM (``cryptography``'s ``AESGCM``)::

    magic (16 bytes) | format version (1) | key id (8) | nonce (12) | ciphertext + tag (16)

The header is authenticated with the ciphertext (as associated data, with the file's role,
``manifest`` or ``payload``), so a file written with another key, altered by a single bit, or
moved into the other role does not open. The key id is the first 8 bytes of a SHA-256 of the key
(shown to people as its *fingerprint*, ``3F7A-91C2-04DE-88B1``); the cipher key itself is a
different hash of the team key (HMAC-SHA-256), so the fingerprint says nothing about it.

A laptop keeps the team's earlier keys after a new one is imported (``TeamKeyring.previous``) so
it can still read generations written before the change; it always writes with the newest.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from iro_desk.clock import utcnow
from iro_desk.errors import IroDeskError
from iro_desk.files import atomic_write_text

if TYPE_CHECKING:
    from iro_desk.store import CaseloadStore

KEY_BYTES = 32
_CHECK_BYTES = 3  # a checksum on the printed code: a mistyped letter is caught at import
KEY_ID_BYTES = 8
NONCE_BYTES = 12
SEAL_MAGIC = b"IRO Desk sealed\n"
SEAL_VERSION = 1
HEADER_BYTES = len(SEAL_MAGIC) + 1 + KEY_ID_BYTES + NONCE_BYTES
TAG_BYTES = 16
# AESGCM takes at most 2**31 - 1 bytes in one call; a team file is a few tens of MB.
MAX_SEALED_BYTES = 2**31 - 1 - HEADER_BYTES
KEY_FILE_LABEL = "iro-desk-team-key-v1"
KEY_FILE_SUFFIX = ".irodesk-team-key"
TEAM_KEY_TABLE = "sync_team_key"
CODEC_NAME = "team-key-aes256gcm"
_KEY_LINE = re.compile(rf"^\s*{re.escape(KEY_FILE_LABEL)}\s*:\s*(?P<code>.+?)\s*$", re.M)
# Letters easily confused with the base32 alphabet's, when a code is typed from a call.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


class TeamKeyError(IroDeskError):
    """A team key (file or code) that cannot be used."""


class UnknownTeamKeyError(Exception):
    """A sealed file was written with a team key this laptop does not have."""

    def __init__(self, fingerprint: str) -> None:
        """``fingerprint`` is the key id the file names."""
        super().__init__(fingerprint)
        self.fingerprint = fingerprint


class BrokenSealError(Exception):
    """A sealed file does not open with the key it names: damaged or altered."""


def _fingerprint(key_id: bytes) -> str:
    text = key_id.hex().upper()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


@dataclass(frozen=True)
class TeamKey:
    """A team key: 32 random bytes, shared by everyone who syncs with the team share."""

    secret: bytes

    def __post_init__(self) -> None:
        """Refuse anything but a whole key."""
        if len(self.secret) != KEY_BYTES:
            raise TeamKeyError(f"A team key is {KEY_BYTES} bytes; this one is not.")

    @classmethod
    def generate(cls) -> TeamKey:
        """A new random team key (the manager makes one for the team)."""
        return cls(os.urandom(KEY_BYTES))

    @property
    def key_id(self) -> bytes:
        """The 8-byte id written in every sealed file's header."""
        return hashlib.sha256(b"iro-desk team key id\x00" + self.secret).digest()[:KEY_ID_BYTES]

    @property
    def fingerprint(self) -> str:
        """The key id as people compare it: ``3F7A-91C2-04DE-88B1``."""
        return _fingerprint(self.key_id)

    @property
    def _cipher(self) -> AESGCM:
        return AESGCM(hmac.new(self.secret, b"iro-desk share files v1", "sha256").digest())

    @property
    def code(self) -> str:
        """The key as 56 letters and digits in groups of four, with a checksum, to read out."""
        check = hashlib.sha256(self.secret).digest()[:_CHECK_BYTES]
        text = base64.b32encode(self.secret + check).decode("ascii")
        return "-".join(text[i : i + 4] for i in range(0, len(text), 4))

    @classmethod
    def from_code(cls, code: str) -> TeamKey:
        """Read a key from its code; spaces, dashes and case do not matter."""
        text = re.sub(r"[\s\-]", "", code).upper().translate(_LOOKALIKES)
        try:
            raw = base64.b32decode(text + "=" * (-len(text) % 8))
        except (ValueError, TypeError) as exc:
            raise TeamKeyError(
                "That is not a team key code (it should be 56 letters and digits, in groups of "
                "four). Check it with whoever gave it to you."
            ) from exc
        secret, check = raw[:KEY_BYTES], raw[KEY_BYTES:]
        if len(raw) != KEY_BYTES + _CHECK_BYTES:
            raise TeamKeyError(
                "That team key code is too short or too long (it should be 56 letters and "
                "digits, in groups of four). Check it with whoever gave it to you."
            )
        if hashlib.sha256(secret).digest()[:_CHECK_BYTES] != check:
            raise TeamKeyError(
                "That team key code has a mistake in it (its checksum does not match). Check "
                "each group of four with whoever gave it to you."
            )
        return cls(secret)

    def key_file_text(self, *, made_by: str = "", made_at: dt.datetime | None = None) -> str:
        """The text of a team key file."""
        when = (made_at or utcnow()).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        by = f" by {made_by}" if made_by else ""
        return (
            "# IRO Desk team key. Keep it secret: anyone who has it can read the team's sync\n"
            "# files on the team share. Import it with: iro-desk team-key import THIS-FILE\n"
            "# then delete this file (the key is kept inside your encrypted caseload).\n"
            f"# Fingerprint: {self.fingerprint}\n"
            f"# Made{by}: {when}\n"
            f"{KEY_FILE_LABEL}: {self.code}\n"
        )

    def __repr__(self) -> str:
        """Never show the key."""
        return f"TeamKey({self.fingerprint})"

    # -- sealing --------------------------------------------------------------------------
    def seal(self, data: bytes, role: bytes) -> bytes:
        """``data`` encrypted and authenticated for the share, with its header."""
        if len(data) > MAX_SEALED_BYTES:
            raise IroDeskError(
                "The team file is too large to encrypt in one piece (over 2 GB). Tell whoever "
                "supports IRO Desk. Nothing was written to the share."
            )
        header = SEAL_MAGIC + bytes([SEAL_VERSION]) + self.key_id + os.urandom(NONCE_BYTES)
        nonce = header[-NONCE_BYTES:]
        return header + self._cipher.encrypt(nonce, data, header + role)

    def open_sealed(self, sealed: bytes, role: bytes) -> bytes:
        """The plain bytes of a file sealed with this key; ``BrokenSealError`` if it will not."""
        header = sealed[:HEADER_BYTES]
        nonce = header[-NONCE_BYTES:]
        try:
            return self._cipher.decrypt(nonce, sealed[HEADER_BYTES:], header + role)
        except (InvalidTag, ValueError) as exc:
            raise BrokenSealError() from exc


def is_sealed(data: bytes) -> bool:
    """True for bytes that start with a sealed file's header."""
    return data.startswith(SEAL_MAGIC)


def sealed_key_id(data: bytes) -> bytes:
    """The key id a sealed file names; ``BrokenSealError`` for a header IRO Desk cannot read."""
    if len(data) < HEADER_BYTES + TAG_BYTES or not is_sealed(data):
        raise BrokenSealError()
    start = len(SEAL_MAGIC)
    if data[start] != SEAL_VERSION:
        raise BrokenSealError()
    return data[start + 1 : start + 1 + KEY_ID_BYTES]


def sealed_version(data: bytes) -> int:
    """The format version byte of a sealed file (0 when it is too short to have one)."""
    return data[len(SEAL_MAGIC)] if len(data) > len(SEAL_MAGIC) else 0


@dataclass(frozen=True)
class TeamKeyring:
    """The team keys this laptop holds: the current one writes, any of them reads."""

    current: TeamKey
    previous: tuple[TeamKey, ...] = ()

    def find(self, key_id: bytes) -> TeamKey | None:
        """The key with that id, if this laptop has it."""
        for key in (self.current, *self.previous):
            if hmac.compare_digest(key.key_id, key_id):
                return key
        return None

    def seal(self, data: bytes, role: bytes) -> bytes:
        """Seal with the current key."""
        return self.current.seal(data, role)

    def open_sealed(self, sealed: bytes, role: bytes) -> tuple[bytes, TeamKey]:
        """Open a sealed file with whichever key it names, and say which."""
        key = self.find(sealed_key_id(sealed))
        if key is None:
            raise UnknownTeamKeyError(_fingerprint(sealed_key_id(sealed)))
        return key.open_sealed(sealed, role), key


class TeamKeyCodec:
    """Share payloads sealed with the team key (a ``PayloadCodec``)."""

    name = CODEC_NAME

    def __init__(self, keyring: TeamKeyring) -> None:
        """Seal with the keyring's current key; open with any key it holds."""
        self.keyring = keyring

    def encode(self, data: bytes) -> bytes:
        """Seal a payload for the share."""
        return self.keyring.seal(data, b"payload")

    def decode(self, data: bytes) -> bytes:
        """Open a sealed payload (``UnknownTeamKeyError``, ``BrokenSealError`` otherwise)."""
        if not is_sealed(data):
            raise BrokenSealError()
        return self.keyring.open_sealed(data, b"payload")[0]


# --- Key files ------------------------------------------------------------------------------


def read_key_file(path: Path) -> TeamKey:
    """The team key in a key file (or a text file holding just the code)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TeamKeyError(f"There is no team key file at {path}.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TeamKeyError(f"{path} could not be read as a team key file ({exc}).") from exc
    return key_from_text(text, where=path.name)


def key_from_text(text: str, *, where: str = "that text") -> TeamKey:
    """The team key in a key file's text, or a code on its own."""
    match = _KEY_LINE.search(text)
    if match:
        return TeamKey.from_code(match.group("code"))
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if len(lines) == 1:
        return TeamKey.from_code(lines[0])
    raise TeamKeyError(
        f"{where} is not an IRO Desk team key file (it has no '{KEY_FILE_LABEL}:' line)."
    )


def write_key_file(path: Path, key: TeamKey, *, made_by: str = "", overwrite: bool = False) -> Path:
    """Write a team key file readable only by this user; an existing file is kept unless asked."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise TeamKeyError(f"{path} already exists; IRO Desk will not overwrite it.")
    return atomic_write_text(path, key.key_file_text(made_by=made_by), private=True)


# --- Keeping the key in the caseload ----------------------------------------------------------


def _ensure_table(conn: Any) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS main.{TEAM_KEY_TABLE} (key_id TEXT PRIMARY KEY, "
        "secret BLOB NOT NULL, added_at TEXT NOT NULL, is_current INTEGER NOT NULL)"
    )


def save_team_key(conn: Any, key: TeamKey, *, now: dt.datetime | None = None) -> bool:
    """Make ``key`` this caseload's current team key; earlier ones are kept for reading.

    ``conn`` is a DB-API connection to the caseload in autocommit mode. Returns False when the
    key was already the current one.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        _ensure_table(conn)
        current = conn.execute(
            f"SELECT key_id FROM main.{TEAM_KEY_TABLE} WHERE is_current = 1"
        ).fetchone()
        if current and current[0] == key.fingerprint:
            conn.execute("ROLLBACK")
            return False
        conn.execute(f"UPDATE main.{TEAM_KEY_TABLE} SET is_current = 0")
        conn.execute(
            f"INSERT INTO main.{TEAM_KEY_TABLE} (key_id, secret, added_at, is_current) "
            "VALUES (?, ?, ?, 1) ON CONFLICT(key_id) DO UPDATE SET is_current = 1",
            (key.fingerprint, key.secret, (now or utcnow()).isoformat()),
        )
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            conn.execute("ROLLBACK")
        raise
    return True


def load_team_keyring(conn: Any) -> TeamKeyring | None:
    """This caseload's team keys (None when no team key was imported)."""
    exists = conn.execute(
        "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (TEAM_KEY_TABLE,)
    ).fetchone()
    if not exists:
        return None
    rows = conn.execute(
        f"SELECT secret, is_current FROM main.{TEAM_KEY_TABLE} "
        "ORDER BY is_current DESC, added_at DESC"
    ).fetchall()
    if not rows or not rows[0][1]:
        return None
    keys = [TeamKey(bytes(row[0])) for row in rows]
    return TeamKeyring(current=keys[0], previous=tuple(keys[1:]))


def import_team_key(store: CaseloadStore, key: TeamKey) -> bool:
    """Keep ``key`` in the open caseload ``store`` as the team key; False if it already was."""
    conn = store.raw_connection()
    try:
        return save_team_key(conn, key)
    finally:
        conn.close()


def team_keyring(store: CaseloadStore) -> TeamKeyring | None:
    """The team keys kept in the open caseload ``store``."""
    conn = store.raw_connection()
    try:
        return load_team_keyring(conn)
    finally:
        conn.close()
