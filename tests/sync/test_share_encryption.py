"""Share encryption with the team key: sealed files, wrong keys, tampering, key files, the CLI."""

from __future__ import annotations

import dataclasses
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from sync_helpers import Laptop, LaptopFactory

from iro_desk import cli
from iro_desk.models import Child
from iro_desk.settings import update_settings
from iro_desk.store import CaseloadStore
from iro_desk.sync.share import (
    GENERATIONS_DIR,
    MANIFEST_NAME,
    PAYLOAD_NAME,
    SHARE_DIR_NAME,
    PlainShareFileError,
    ShareFileRefusedError,
    TeamKeyRequiredError,
    TeamShare,
)
from iro_desk.sync.team_key import (
    HEADER_BYTES,
    KEY_ID_BYTES,
    SEAL_MAGIC,
    BrokenSealError,
    TeamKey,
    TeamKeyError,
    TeamKeyring,
    UnknownTeamKeyError,
    import_team_key,
    key_from_text,
    read_key_file,
    sealed_key_id,
    team_keyring,
    write_key_file,
)

K1 = TeamKey(bytes(range(32)))
K2 = TeamKey(bytes(range(100, 132)))


def _generations(share: Path) -> Path:
    return share / SHARE_DIR_NAME / GENERATIONS_DIR


def _share_bytes(share: Path) -> dict[str, bytes]:
    """Every file on the share, byte for byte."""
    return {
        str(path.relative_to(share)): path.read_bytes()
        for path in sorted(share.rglob("*"))
        if path.is_file()
    }


def _with_key(machine: Laptop, *keys: TeamKey) -> Laptop:
    for key in keys:
        import_team_key(machine.store, key)
    return machine


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


# --- Sealing --------------------------------------------------------------------------------


def test_a_sealed_file_opens_with_its_key_and_names_it() -> None:
    sealed = K1.seal(b"the team caseload", b"payload")
    assert sealed.startswith(SEAL_MAGIC)
    assert b"the team caseload" not in sealed
    assert sealed_key_id(sealed) == K1.key_id
    assert K1.open_sealed(sealed, b"payload") == b"the team caseload"
    assert TeamKeyring(K2, (K1,)).open_sealed(sealed, b"payload") == (b"the team caseload", K1)


def test_sealing_twice_gives_different_bytes() -> None:
    assert K1.seal(b"same", b"payload") != K1.seal(b"same", b"payload")


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(0, id="the magic"),
        pytest.param(len(SEAL_MAGIC), id="the format version"),
        pytest.param(HEADER_BYTES - 1, id="the nonce"),
        pytest.param(HEADER_BYTES + 3, id="the ciphertext"),
        pytest.param(-1, id="the tag"),
    ],
)
def test_one_changed_byte_anywhere_but_the_key_id_breaks_the_seal(offset: int) -> None:
    sealed = bytearray(K1.seal(b"x" * 100, b"payload"))
    sealed[offset] ^= 0x01
    with pytest.raises(BrokenSealError):
        TeamKeyring(K1).open_sealed(bytes(sealed), b"payload")


def test_a_changed_key_id_names_a_key_this_laptop_does_not_have() -> None:
    sealed = bytearray(K1.seal(b"x", b"payload"))
    sealed[len(SEAL_MAGIC) + KEY_ID_BYTES] ^= 0x01
    with pytest.raises(UnknownTeamKeyError):
        TeamKeyring(K1).open_sealed(bytes(sealed), b"payload")


def test_a_manifest_cannot_pass_for_a_payload() -> None:
    with pytest.raises(BrokenSealError):
        K1.open_sealed(K1.seal(b"{}", b"manifest"), b"payload")


# --- The share ------------------------------------------------------------------------------


def test_a_team_with_a_key_syncs_through_sealed_files(
    laptop: LaptopFactory, share: Path
) -> None:
    a = _with_key(laptop("a", demo=True), K1)
    a.sync()
    a.edit(Child, a.child("DEMO-0001").id, notes="sealed change")
    a.sync()
    files = _share_bytes(share)
    assert len(files) == 4
    for name, data in files.items():
        assert data.startswith(SEAL_MAGIC), name
        assert sealed_key_id(data) == K1.key_id, name
    b = _with_key(laptop("b"), K1)
    b.sync()
    assert b.snapshot() == a.snapshot()
    assert b.child("DEMO-0001").notes == "sealed change"


def test_no_child_name_or_team_key_is_on_the_share_in_plain_bytes(
    laptop: LaptopFactory, share: Path, tmp_path: Path
) -> None:
    a = laptop("a", demo=True)
    child = a.child("DEMO-0003")
    name = f"{child.first_name} {child.last_name}".encode()
    plain_share = tmp_path / "plain-share"
    plain_share.mkdir()
    laptop("p", demo=True).sync(share_folder=plain_share)
    # Without a team key the name is there to find: the check below would see it.
    assert any(child.last_name.encode() in data for data in _share_bytes(plain_share).values())

    _with_key(a, K1)
    a.sync()
    for path, data in _share_bytes(share).items():
        for secret in (child.last_name.encode(), child.child_ref.encode(), name):
            assert secret not in data, path
        assert K1.secret not in data and K1.code.encode() not in data, path
    # Nor is the team key inside the encrypted files: it never leaves the caseload.
    payload = _generations(share) / "g00000001" / PAYLOAD_NAME
    opened = K1.open_sealed(payload.read_bytes(), b"payload")
    assert child.last_name.encode() in opened
    assert K1.secret not in opened and K1.code.encode() not in opened


def test_a_laptop_with_another_key_is_refused_and_nothing_is_touched(
    laptop: LaptopFactory, share: Path
) -> None:
    _with_key(laptop("a", demo=True), K1).sync()
    before = _share_bytes(share)
    b = _with_key(laptop("b"), K2)
    b_before = b.snapshot()
    with pytest.raises(TeamKeyRequiredError, match=K1.fingerprint) as refused:
        b.sync()
    assert K2.fingerprint in str(refused.value)
    assert "team-key import" in str(refused.value)
    assert _share_bytes(share) == before
    assert b.snapshot() == b_before


def test_a_laptop_without_a_key_is_told_to_import_it(laptop: LaptopFactory, share: Path) -> None:
    _with_key(laptop("a", demo=True), K1).sync()
    before = _share_bytes(share)
    with pytest.raises(TeamKeyRequiredError, match="this laptop has none"):
        laptop("b").sync()
    assert _share_bytes(share) == before


@pytest.mark.parametrize("name", [MANIFEST_NAME, PAYLOAD_NAME])
def test_a_tampered_share_file_is_refused_and_left_as_it_is(
    laptop: LaptopFactory, share: Path, name: str
) -> None:
    _with_key(laptop("a", demo=True), K1).sync()
    _flip(_generations(share) / "g00000001" / name, HEADER_BYTES + 10)
    before = _share_bytes(share)
    b = _with_key(laptop("b"), K1)
    with pytest.raises(ShareFileRefusedError, match="g00000001") as refused:
        b.sync()
    assert "damaged" in str(refused.value)
    assert _share_bytes(share) == before
    assert b.ids(Child) == set()


def test_a_plain_share_is_refused_by_a_laptop_with_a_key_until_the_team_moves_over(
    laptop: LaptopFactory, share: Path
) -> None:
    a = laptop("a", demo=True)
    a.sync()
    a.edit(Child, a.child("DEMO-0001").id, notes="still plain")
    a.sync()
    before = _share_bytes(share)
    _with_key(a, K1)
    with pytest.raises(PlainShareFileError, match="encrypt-share"):
        a.sync()
    assert _share_bytes(share) == before

    a.sync(encrypt_share=True)
    assert TeamShare(share).generation_numbers() == [3]
    assert all(data.startswith(SEAL_MAGIC) for data in _share_bytes(share).values())
    b = _with_key(laptop("b"), K1)
    b.sync()
    assert b.child("DEMO-0001").notes == "still plain"
    with pytest.raises(TeamKeyRequiredError):
        laptop("c").sync()


def test_a_plain_file_after_encrypted_ones_is_refused_even_when_moving_over(
    laptop: LaptopFactory, share: Path, tmp_path: Path
) -> None:
    a = _with_key(laptop("a", demo=True), K1)
    a.sync()
    # Someone without the key drops a plain team file in as the next generation.
    intruder_share = tmp_path / "elsewhere"
    intruder_share.mkdir()
    intruder = laptop("intruder", demo=True)
    intruder.sync(share_folder=intruder_share)
    team_id = TeamShare(share, keyring=TeamKeyring(K1)).read_manifest(1).team_id
    manifest = TeamShare(intruder_share).read_manifest(1)
    forged = dataclasses.replace(manifest, generation=2, parent=1, team_id=team_id)
    TeamShare(share).publish(_generations(intruder_share) / "g00000001" / PAYLOAD_NAME, forged)
    with pytest.raises(PlainShareFileError):
        a.sync()
    with pytest.raises(ShareFileRefusedError, match="though team files before it are"):
        a.sync(encrypt_share=True)


def test_a_new_team_key_rewrites_the_team_file_and_old_keys_still_read(
    laptop: LaptopFactory, share: Path
) -> None:
    a = _with_key(laptop("a", demo=True), K1)
    a.sync()
    b = _with_key(laptop("b"), K1)
    b.sync()
    _with_key(a, K2)
    a.edit(Child, a.child("DEMO-0002").id, notes="after the new key")
    a.sync()
    head = TeamShare(share, keyring=TeamKeyring(K2, (K1,)))
    newest = head.generation_numbers()[-1]
    assert head.read_manifest(newest).kind == "full"
    assert head.sealed_with[newest] == K2.fingerprint
    with pytest.raises(TeamKeyRequiredError, match=K2.fingerprint):
        b.sync()
    _with_key(b, K2)
    b.sync()
    assert b.child("DEMO-0002").notes == "after the new key"
    newcomer = _with_key(laptop("c"), K2)
    newcomer.sync()
    assert newcomer.snapshot() == a.snapshot()


# --- The key: code, file, caseload ------------------------------------------------------------


def test_a_code_read_out_with_spaces_and_lower_case_gives_the_same_key() -> None:
    code = K1.code
    assert len(code.replace("-", "")) == 56
    typed = code.replace("-", " ").lower().replace("o", "0")
    assert TeamKey.from_code(typed) == K1


@pytest.mark.parametrize(
    ("code", "why"),
    [
        pytest.param(K1.code[:-5], "too short", id="a group left out"),
        pytest.param(("B" if K1.code[0] != "B" else "C") + K1.code[1:], "mistake", id="a typo"),
        pytest.param("not a key at all!", "not a team key code", id="nonsense"),
    ],
)
def test_a_wrong_code_is_refused_with_a_reason(code: str, why: str) -> None:
    with pytest.raises(TeamKeyError, match=why):
        TeamKey.from_code(code)


def test_a_key_file_round_trips_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = write_key_file(tmp_path / "team.irodesk-team-key", K1, made_by="manager")
    text = path.read_text()
    assert K1.fingerprint in text and "manager" in text
    assert read_key_file(path) == K1
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(TeamKeyError, match="already exists"):
        write_key_file(path, K2)
    assert read_key_file(path) == K1
    assert key_from_text(K1.code) == K1
    (tmp_path / "other.txt").write_text("hello\nworld\n")
    with pytest.raises(TeamKeyError, match="not an IRO Desk team key file"):
        read_key_file(tmp_path / "other.txt")


def test_the_key_is_kept_inside_the_encrypted_caseload(tmp_path: Path) -> None:
    path = tmp_path / "caseload.irodesk"
    with CaseloadStore.create(path, passphrase="correct horse") as store:
        assert team_keyring(store) is None
        assert import_team_key(store, K1)
        assert not import_team_key(store, K1)
        assert import_team_key(store, K2)
        assert team_keyring(store) == TeamKeyring(K2, (K1,))
    assert K1.secret not in path.read_bytes() and K2.secret not in path.read_bytes()
    with CaseloadStore.open(path, passphrase="correct horse") as store:
        assert team_keyring(store) == TeamKeyring(K2, (K1,))


# --- The command line -----------------------------------------------------------------------


@dataclass
class _Cli:
    """``iro-desk`` with the team-key commands, on one plain caseload."""

    db: Path

    def __call__(self, *argv: str) -> int:
        return cli.main([*argv, "--db", str(self.db)])


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> _Cli:
    """The command line, with ``team_key`` registered whether or not cli.py lists it yet."""
    if "team_key" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "team_key"))
    db = tmp_path / "cli.irodesk"
    CaseloadStore.create(db).close()
    return _Cli(db)


def test_the_manager_makes_a_key_and_an_iro_imports_shows_and_exports_it(
    run_cli: _Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "team.irodesk-team-key"
    assert run_cli("team-key", "new", "--out", str(key_file), "--show-code") == 0
    made = read_key_file(key_file)
    out = capsys.readouterr().out
    assert made.fingerprint in out and made.code in out
    assert run_cli("team-key", "new", "--out", str(key_file)) == 1
    assert "already exists" in capsys.readouterr().err

    assert run_cli("team-key", "show") == 0
    assert "no team key" in capsys.readouterr().out
    assert run_cli("team-key", "import", str(key_file)) == 0
    captured = capsys.readouterr()
    assert f"Team key {made.fingerprint} imported" in captured.out
    assert "not encrypted" in captured.err
    assert run_cli("team-key", "show") == 0
    out = capsys.readouterr().out
    assert made.fingerprint in out and made.code not in out

    exported = tmp_path / "for-a-colleague.irodesk-team-key"
    assert run_cli("team-key", "export", "--out", str(exported)) == 0
    assert read_key_file(exported) == made
    with CaseloadStore.open(run_cli.db) as store:
        assert team_keyring(store) == TeamKeyring(made)


def test_an_iro_imports_the_code_read_out_to_them(
    run_cli: _Cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(K1.code.lower() + "\n"))
    assert run_cli("team-key", "import", "--code") == 0
    assert K1.fingerprint in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(K2.code[:-1] + "\n"))
    assert run_cli("team-key", "import", "--code") == 1
    with CaseloadStore.open(run_cli.db) as store:
        assert team_keyring(store) == TeamKeyring(K1)


def test_encrypt_share_moves_a_plain_share_over_from_the_command_line(
    run_cli: _Cli, laptop: LaptopFactory, share: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop("a", demo=True).sync()
    with CaseloadStore.open(run_cli.db) as store:
        import_team_key(store, K1)
        with store.session() as session:
            update_settings(session, sync_scope="all")
    assert run_cli("team-key", "encrypt-share", "--share", str(share)) == 0
    assert K1.fingerprint in capsys.readouterr().out
    assert all(data.startswith(SEAL_MAGIC) for data in _share_bytes(share).values())
