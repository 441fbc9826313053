"""The team share: the folder where laptops meet. Only ever new files are written there.

Layout, under the team share folder the IRO chose (``Settings.team_share_folder``)::

    iro-desk-sync/
      generations/
        g00000001/              the first team file: manifest.json + payload.irodesk
        g00000002/              the next generation: a full team file or only what changed
        ...
        .new-<laptop>-<nonce>/  a generation being written (readers ignore it)
        .old-<nonce>/           an old generation being removed

The team caseload is a chain of numbered *generations*. Each is a folder holding
``payload.irodesk`` (a caseload-format SQLite file: either the whole team caseload, ``full``, or
only the records changed since the previous generation, ``changes``) and ``manifest.json``
(what it is, who wrote it, its parent generation and the payload's SHA-256).

How a generation is written (``publish``), so that nothing on the share is ever half-written or
overwritten:

1. make a folder with a unique temporary name (``.new-...``);
2. write the payload and the manifest into it as new files, flush and fsync them, read each
   back and check its SHA-256;
3. rename the folder to the next generation number. Renaming a folder onto an existing,
   non-empty folder fails on every platform (Windows, SMB, POSIX), so two laptops that try to
   write the same number at once cannot both succeed: the one that loses gets
   ``GenerationTaken``, merges with the winner's generation, and tries the next number.

No locks are taken, so a laptop that crashes or loses the network mid-write leaves only a
``.new-...`` folder that readers ignore and a later sync removes. Old generations are removed
after ``keep_days``, never those still needed to rebuild the newest team caseload.

Only plain, portable calls are used (``mkdir``, ``open``, ``fsync``, ``rename``): no POSIX-only
locking, links or permissions, so it works on a Windows SMB share mounted on any laptop.

Payload bytes pass through a ``PayloadCodec`` on the way to and from the share, and the
manifest names the codec, so a reader refuses a payload it cannot unwrap instead of misreading
it. When the laptop holds a team key (``iro_desk.sync.team_key``), *every* file it writes here,
manifest and payload alike, is sealed with it (AES-256-GCM, with a header naming the key), and
every file it reads must be sealed with a team key it holds: a plain file, a file sealed with
another key, or one altered by a single bit is refused with a message and left as it is. The
one exception is the team's move to encryption (``accept_plain``, set only by
``iro-desk team-key encrypt-share``), when a share that is still wholly plain is read once.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from iro_desk.errors import IroDeskError
from iro_desk.files import atomic_write_bytes
from iro_desk.sync.team_key import (
    CODEC_NAME,
    SEAL_MAGIC,
    SEAL_VERSION,
    BrokenSealError,
    TeamKeyCodec,
    TeamKeyring,
    UnknownTeamKeyError,
    is_sealed,
    sealed_version,
)

SHARE_DIR_NAME = "iro-desk-sync"
GENERATIONS_DIR = "generations"
MANIFEST_NAME = "manifest.json"
PAYLOAD_NAME = "payload.irodesk"
MANIFEST_FORMAT = "iro-desk-sync-generation"
MANIFEST_VERSION = 1
KINDS = ("full", "changes")
# A folder being written or removed that is older than this is left over from a crash.
STALE_SECONDS = 24 * 3600
_GENERATION_NAME = re.compile(r"^g(\d{8,})$")
_CHUNK = 1 << 20


class ShareUnavailableError(IroDeskError):
    """The share cannot be reached or written now; try again later. Nothing was changed."""


class ShareFileRefusedError(IroDeskError):
    """A file on the share is damaged, from a newer IRO Desk, or not IRO Desk's: sync stops."""


class TeamKeyRequiredError(ShareFileRefusedError):
    """The share is encrypted with a team key this laptop does not have (or has no key)."""


class PlainShareFileError(ShareFileRefusedError):
    """A plain (unencrypted) file on the share, refused because this laptop has a team key."""


class GenerationTakenError(Exception):
    """Another laptop wrote this generation number first (merge with it and try again)."""


class GenerationVanishedError(Exception):
    """A generation disappeared while it was being read (it was pruned); start again."""


class PayloadCodec(Protocol):
    """How payload bytes are wrapped on the share (plain today; encryption later)."""

    name: str

    def encode(self, data: bytes) -> bytes:
        """Wrap a payload for the share."""
        ...

    def decode(self, data: bytes) -> bytes:
        """Unwrap a payload read from the share."""
        ...


class PlainCodec:
    """Payloads stored as they are."""

    name = "plain"

    def encode(self, data: bytes) -> bytes:
        """The payload unchanged."""
        return data

    def decode(self, data: bytes) -> bytes:
        """The payload unchanged."""
        return data


def generation_folder_name(number: int) -> str:
    """The folder name of generation ``number`` (g00000001)."""
    return f"g{number:08d}"


@dataclass(frozen=True)
class Manifest:
    """What a generation holds. ``written_at`` is the writer's clock: shown, never trusted."""

    generation: int
    parent: int
    kind: str
    team_id: str
    schema_version: int
    app_version: str
    laptop_id: str
    written_by: str
    written_at: str
    codec: str
    payload_sha256: str
    payload_size: int
    nonce: str
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The manifest file's bytes."""
        body = {"format": MANIFEST_FORMAT, "format_version": MANIFEST_VERSION, **asdict(self)}
        return json.dumps(body, indent=1, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes, where: str) -> Manifest:
        """Read a manifest, refusing anything that is not one IRO Desk can read."""
        try:
            body = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _refused(where, "its manifest is not readable") from exc
        if not isinstance(body, dict) or body.get("format") != MANIFEST_FORMAT:
            raise _refused(where, "it is not an IRO Desk team file")
        version = body.get("format_version")
        if not isinstance(version, int):
            raise _refused(where, "its manifest has no format version")
        if version > MANIFEST_VERSION:
            raise ShareFileRefusedError(
                f"The team file {where} on the share was written by a newer IRO Desk (sync "
                f"format {version}; this app reads up to {MANIFEST_VERSION}). Update IRO Desk "
                "to sync. Nothing was changed."
            )
        expected: dict[str, type | tuple[type, ...]] = {
            "generation": int, "parent": int, "kind": str, "team_id": str,
            "schema_version": int, "app_version": str, "laptop_id": str, "written_by": str,
            "written_at": str, "codec": str, "payload_sha256": str, "payload_size": int,
            "nonce": str, "counts": dict,
        }
        values: dict[str, Any] = {}
        for key, kind in expected.items():
            value = body.get(key)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise _refused(where, f"its manifest has no valid {key}")
            values[key] = value
        if values["kind"] not in KINDS or values["generation"] < 1:
            raise _refused(where, "its manifest does not describe a team file")
        return cls(**values)


def _refused(where: str, why: str) -> ShareFileRefusedError:
    return ShareFileRefusedError(
        f"The team file {where} on the share cannot be used: {why}. Sync stopped and nothing "
        "was changed, here or on the share. Ask whoever supports IRO Desk for your team to "
        "look at that folder (it may be damaged, or put there by something else)."
    )


_BROKEN = (
    "it is encrypted with the team key but does not decrypt, so it is damaged or has been "
    "altered"
)


def _no_team_key(where: str | None) -> TeamKeyRequiredError:
    what = f"The team file {where} on the share" if where else "The team share"
    return TeamKeyRequiredError(
        f"{what} is encrypted with a team key, and this laptop has none. Ask your manager for "
        "the team key, import it (iro-desk team-key import FILE) and sync again. Nothing was "
        "changed, here or on the share."
    )


def _plain_refused(where: str, fingerprint: str) -> PlainShareFileError:
    return PlainShareFileError(
        f"The team file {where} on the share is not encrypted, but this laptop has a team key "
        f"({fingerprint}), so it is refused: it may have been put there by a laptop without "
        "the key, or by someone else. Sync stopped and nothing was changed, here or on the "
        "share. If your team is only now starting to encrypt its share, your manager runs "
        "'iro-desk team-key encrypt-share' once (see docs/sync.md, Team key); otherwise tell "
        "whoever supports IRO Desk."
    )


def _unavailable(folder: Path, exc: BaseException) -> ShareUnavailableError:
    return ShareUnavailableError(
        f"The team share {folder} could not be used ({exc}). Check that you are in the office "
        "or on the VPN, then sync again. Nothing on this laptop was changed."
    )


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _write_new_file(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet: write, flush, fsync, then read back and compare."""
    with path.open("xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    written, size = _sha256_file(path)
    if size != len(data) or written != hashlib.sha256(data).hexdigest():
        raise OSError(errno.EIO, f"{path.name} read back differently from what was written")


def _fsync_folder(folder: Path) -> None:
    # Make a rename durable where a folder can be opened (not on Windows, where it cannot).
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


RENAME_ATTEMPTS = 5


def _rename_folder(source: Path, target: Path) -> None:
    """Rename a folder onto a name that must be free; ``GenerationTakenError`` if it is not.

    On Windows a virus scanner may hold a file just written for a moment ("access is denied"),
    so a refused rename is tried again a few times before giving up.
    """
    for attempt in range(RENAME_ATTEMPTS):
        try:
            os.rename(source, target)
            return
        except OSError as exc:
            if target.exists():
                raise GenerationTakenError(target.name) from exc
            if not isinstance(exc, PermissionError) or attempt == RENAME_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


class TeamShare:
    """The sync folder on the team share: list, read and write generations."""

    def __init__(
        self,
        folder: Path,
        *,
        codec: PayloadCodec | None = None,
        readable: Mapping[str, PayloadCodec] | None = None,
        keyring: TeamKeyring | None = None,
    ) -> None:
        """The share at ``folder`` (the team share folder setting); nothing is touched yet.

        ``codec`` wraps what this laptop writes; ``readable`` are the codecs it can unwrap.
        With a ``keyring`` (the team keys this laptop holds) every file written is sealed with
        the current team key and only files sealed with one of its keys are read.
        """
        self.folder = Path(folder)
        self.root = self.folder / SHARE_DIR_NAME
        self.generations = self.root / GENERATIONS_DIR
        self.keyring = keyring
        # Set only for the team's move to encryption: a wholly plain share is read once.
        self.accept_plain = False
        # For each generation whose manifest was read: the fingerprint of the team key it was
        # sealed with, or None when it was plain.
        self.sealed_with: dict[int, str | None] = {}
        if keyring is not None:
            if codec is not None:
                raise IroDeskError("A team share takes a team key or a codec, not both.")
            codec = TeamKeyCodec(keyring)
        self.codec: PayloadCodec = codec or PlainCodec()
        self.readable: dict[str, PayloadCodec] = {"plain": PlainCodec()}
        self.readable.update(readable or {})
        self.readable[self.codec.name] = self.codec

    # -- reading -------------------------------------------------------------------------
    def check_reachable(self) -> None:
        """Refuse a share folder that is not there (not mounted, off the VPN, mistyped)."""
        try:
            reachable = self.folder.is_dir()
        except OSError as exc:
            raise _unavailable(self.folder, exc) from exc
        if not reachable:
            raise ShareUnavailableError(
                f"The team share folder {self.folder} cannot be found. Check that you are in "
                "the office or on the VPN, and the folder in Settings › Sync. Nothing on this "
                "laptop was changed."
            )

    def generation_numbers(self) -> list[int]:
        """The numbers of the generations on the share, oldest first."""
        self.check_reachable()
        try:
            if not self.generations.is_dir():
                return []
            names = [entry.name for entry in os.scandir(self.generations) if entry.is_dir()]
        except OSError as exc:
            raise _unavailable(self.folder, exc) from exc
        numbers = []
        for name in names:
            match = _GENERATION_NAME.match(name)
            if match:
                numbers.append(int(match.group(1)))
        return sorted(numbers)

    def _folder(self, number: int) -> Path:
        return self.generations / generation_folder_name(number)

    def read_manifest(self, number: int) -> Manifest:
        """The manifest of generation ``number``, checked."""
        folder = self._folder(number)
        where = folder.name
        try:
            data = (folder / MANIFEST_NAME).read_bytes()
        except FileNotFoundError as exc:
            if not folder.exists():
                raise GenerationVanishedError(where) from exc
            raise _refused(where, "it has no manifest") from exc
        except IsADirectoryError as exc:
            raise _refused(where, "its manifest is a folder") from exc
        except OSError as exc:
            raise _unavailable(self.folder, exc) from exc
        data, key_fingerprint = self._open_file(data, where, b"manifest")
        manifest = Manifest.from_json(data, where)
        self.sealed_with[number] = key_fingerprint
        if key_fingerprint is not None and manifest.codec != CODEC_NAME:
            raise _refused(where, "its manifest is encrypted but names an unencrypted payload")
        if self.keyring is None and manifest.codec == CODEC_NAME:
            raise _no_team_key(None)
        if self.keyring is not None and key_fingerprint is None and manifest.codec != "plain":
            raise _refused(where, "its manifest is not encrypted but names an encrypted payload")
        if manifest.generation != number:
            raise _refused(where, f"its manifest says it is generation {manifest.generation}")
        if manifest.parent >= number or manifest.parent < 0:
            raise _refused(where, "its manifest names an impossible parent generation")
        if manifest.codec not in self.readable:
            raise ShareFileRefusedError(
                f"The team file {where} on the share is protected with '{manifest.codec}', "
                "which this IRO Desk cannot read. Update IRO Desk to sync. Nothing was changed."
            )
        return manifest

    def sealed_generations(self, numbers: list[int]) -> list[int]:
        """Those of ``numbers`` whose manifest is sealed with a team key (whichever key)."""
        sealed = []
        for number in numbers:
            try:
                with (self._folder(number) / MANIFEST_NAME).open("rb") as handle:
                    start = handle.read(len(SEAL_MAGIC))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise _unavailable(self.folder, exc) from exc
            if is_sealed(start):
                sealed.append(number)
        return sealed

    def fetch_payload(self, manifest: Manifest, dest: Path) -> Path:
        """Copy a generation's payload to ``dest`` on this laptop, checking its SHA-256."""
        folder = self._folder(manifest.generation)
        try:
            data = (folder / PAYLOAD_NAME).read_bytes()
        except FileNotFoundError as exc:
            if not folder.exists():
                raise GenerationVanishedError(folder.name) from exc
            raise _refused(folder.name, "its payload is missing") from exc
        except OSError as exc:
            raise _unavailable(self.folder, exc) from exc
        if len(data) != manifest.payload_size:
            raise _refused(folder.name, "its payload is cut short or has grown (wrong size)")
        if hashlib.sha256(data).hexdigest() != manifest.payload_sha256:
            raise _refused(folder.name, "its payload is damaged (the checksum does not match)")
        try:
            plain = self.readable[manifest.codec].decode(data)
        except UnknownTeamKeyError as exc:
            raise self._other_key(folder.name, exc.fingerprint) from exc
        except BrokenSealError as exc:
            raise _refused(folder.name, _BROKEN) from exc
        return atomic_write_bytes(Path(dest), plain, private=True)

    def _open_file(self, data: bytes, where: str, role: bytes) -> tuple[bytes, str | None]:
        """A share file's plain bytes and the team key it was sealed with (None: plain).

        Refuses a sealed file this laptop cannot open, and a plain one when it has a team key
        (unless the team is moving to encryption now).
        """
        if not is_sealed(data):
            if self.keyring is not None and not self.accept_plain:
                raise _plain_refused(where, self.keyring.current.fingerprint)
            return data, None
        if sealed_version(data) > SEAL_VERSION:
            raise ShareFileRefusedError(
                f"The team file {where} on the share was encrypted by a newer IRO Desk. Update "
                "IRO Desk to sync. Nothing was changed."
            )
        if self.keyring is None:
            raise _no_team_key(where)
        try:
            plain, key = self.keyring.open_sealed(data, role)
        except UnknownTeamKeyError as exc:
            raise self._other_key(where, exc.fingerprint) from exc
        except BrokenSealError as exc:
            raise _refused(where, _BROKEN) from exc
        return plain, key.fingerprint

    def _other_key(self, where: str, fingerprint: str) -> TeamKeyRequiredError:
        mine = self.keyring.current.fingerprint if self.keyring else "none"
        return TeamKeyRequiredError(
            f"The team file {where} on the share is encrypted with the team key {fingerprint}, "
            f"but this laptop's team key is {mine}. Ask your manager for the team's current "
            "key, import it (iro-desk team-key import FILE) and sync again. Nothing was "
            "changed, here or on the share."
        )

    # -- writing -------------------------------------------------------------------------
    def publish(self, payload: Path, manifest: Manifest) -> Manifest:
        """Write ``payload`` as generation ``manifest.generation``; only if that number is free.

        The manifest's checksum, size, codec and nonce (unless it has one) are filled in here.
        Raises ``GenerationTakenError`` when another laptop wrote that number first.
        """
        self.check_reachable()
        nonce = manifest.nonce or secrets.token_hex(8)
        try:
            self.generations.mkdir(parents=True, exist_ok=True)
            data = self.codec.encode(Path(payload).read_bytes())
            final = Manifest(
                **{
                    **asdict(manifest),
                    "codec": self.codec.name,
                    "payload_sha256": hashlib.sha256(data).hexdigest(),
                    "payload_size": len(data),
                    "nonce": nonce,
                }
            )
            temp = self.generations / f".new-{manifest.laptop_id[:8]}-{nonce}"
            temp.mkdir()
        except OSError as exc:
            raise _unavailable(self.folder, exc) from exc
        try:
            _write_new_file(temp / PAYLOAD_NAME, data)
            manifest_bytes = final.to_json()
            if self.keyring is not None:
                manifest_bytes = self.keyring.seal(manifest_bytes, b"manifest")
            _write_new_file(temp / MANIFEST_NAME, manifest_bytes)
            _fsync_folder(temp)
            target = self._folder(manifest.generation)
            _rename_folder(temp, target)
            _fsync_folder(self.generations)
        except GenerationTakenError:
            _remove_tree(temp)
            raise
        except OSError as exc:
            _remove_tree(temp)
            raise _unavailable(self.folder, exc) from exc
        except BaseException:
            _remove_tree(temp)
            raise
        # Whatever the file system did, the generation counts as ours only if it says so.
        try:
            written = self.read_manifest(manifest.generation)
        except GenerationVanishedError as exc:
            raise ShareUnavailableError(
                f"The team share {self.folder} lost the new team file just written. Sync again."
            ) from exc
        if written.nonce != nonce:
            raise GenerationTakenError(target.name)
        return written

    def prune(self, *, keep_days: int, keep_from: int, now: float | None = None) -> list[int]:
        """Remove generations older than ``keep_from`` and ``keep_days``; returns those removed.

        Best effort: a folder another laptop is removing at the same time is skipped. Left-over
        ``.new-``/``.old-`` folders from crashed syncs are removed too.
        """
        now = time.time() if now is None else now
        removed: list[int] = []
        try:
            entries = list(os.scandir(self.generations)) if self.generations.is_dir() else []
        except OSError:
            return removed
        for entry in entries:
            name = entry.name
            try:
                age = now - entry.stat().st_mtime
            except OSError:
                continue
            if name.startswith(".old-") or (name.startswith(".new-") and age > STALE_SECONDS):
                _remove_tree(Path(entry.path))
                continue
            match = _GENERATION_NAME.match(name)
            if not match or int(match.group(1)) >= keep_from:
                continue
            try:
                manifest_age = now - (Path(entry.path) / MANIFEST_NAME).stat().st_mtime
            except OSError:
                manifest_age = age
            if manifest_age <= keep_days * 86400:
                continue
            doomed = self.generations / f".old-{secrets.token_hex(8)}"
            try:
                os.rename(entry.path, doomed)
            except OSError:
                continue
            _remove_tree(doomed)
            removed.append(int(match.group(1)))
        return sorted(removed)
