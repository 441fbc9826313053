"""The Settings dialog: a round trip through the real widgets, and problems beside fields."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot

from iro_desk.profile import get_me
from iro_desk.settings import load_settings
from iro_desk.store import CaseloadStore, WrongPassphraseError, is_encrypted_file
from iro_desk.sync.team_key import TeamKey, team_keyring, write_key_file
from iro_desk.ui.settings_dialog import PassphraseDialog, SettingsDialog

pytestmark = pytest.mark.gui


def _replace(qtbot: QtBot, edit: object, text: str) -> None:
    edit.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(edit, text)


def test_settings_round_trip_through_the_dialog(qtbot: QtBot, store: CaseloadStore) -> None:
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    _replace(qtbot, dialog.name_edit, "Robin Example")
    _replace(qtbot, dialog.email_edit, "robin.example@council.invalid")
    _replace(qtbot, dialog.council_edit, "Demo County Council")
    _replace(qtbot, dialog.advocacy_edit, "Demo Advocacy")
    dialog.nation_combo.setCurrentIndex(dialog.nation_combo.findData("WLS"))
    dialog.target_spin.setValue(8)
    dialog.skip_check.setChecked(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    with store.session() as session:
        settings = load_settings(session)
        me = get_me(session)
    assert (settings.council_name, settings.advocacy_service) == ("Demo County Council",
                                                                 "Demo Advocacy")
    assert (settings.nation, settings.target_weeks_before_deadline) == ("WLS", 8)
    assert settings.allow_skipping_levels
    assert me is not None and me.email == "robin.example@council.invalid"
    again = SettingsDialog(store)
    qtbot.addWidget(again)
    assert again.council_edit.text() == "Demo County Council"
    assert again.nation_combo.currentData() == "WLS"
    assert again.name_edit.text() == "Robin Example"


def test_problems_show_beside_the_field_and_nothing_is_saved(
    qtbot: QtBot, store: CaseloadStore
) -> None:
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    _replace(qtbot, dialog.council_edit, "Should not be saved")
    _replace(qtbot, dialog.email_edit, "not an email")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert dialog.errors["name"].isVisible()
    assert "name" in dialog.errors["name"].text()
    assert "email" in dialog.errors["email"].text()
    assert "2 things to fix" in dialog.summary.text()
    assert dialog.tabs.currentIndex() == 0
    with store.session() as session:
        assert load_settings(session).council_name == ""


def test_a_badly_written_ladder_line_says_how_to_write_it(
    qtbot: QtBot, store: CaseloadStore
) -> None:
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    _replace(qtbot, dialog.name_edit, "Robin Example")
    dialog.ladder_edit.setPlainText("1 | Informal | Social worker | 5\ntwo | Level 2")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "level | name | addressed to | working days" in dialog.errors["challenge_ladder"].text()
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "C&hallenges"


def test_sync_scope_and_keep_days_round_trip(qtbot: QtBot, store: CaseloadStore) -> None:
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    _replace(qtbot, dialog.name_edit, "Robin Example")
    dialog.scope_combo.setCurrentIndex(dialog.scope_combo.findData("all"))
    dialog.keep_spin.setValue(30)
    dialog.intro_spin.setValue(15)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with store.session() as session:
        settings = load_settings(session)
    assert (settings.sync_scope, settings.sync_keep_days) == ("all", 30)
    assert settings.intro_letter_working_days == 15
    again = SettingsDialog(store)
    qtbot.addWidget(again)
    assert again.scope_combo.currentText() == "Every child on the team file"


def test_importing_the_team_key_shows_its_fingerprint(
    qtbot: QtBot, store: CaseloadStore, tmp_path: Path
) -> None:
    key = TeamKey.generate()
    key_file = write_key_file(tmp_path / "team.irokey", key)
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    assert "No team key" in dialog.team_key_label.text()
    assert dialog.import_team_key(key_file)
    assert key.fingerprint in dialog.team_key_label.text()
    keyring = team_keyring(store)
    assert keyring is not None and keyring.current.fingerprint == key.fingerprint


def test_a_file_that_is_not_a_team_key_is_refused_beside_the_field(
    qtbot: QtBot, store: CaseloadStore, tmp_path: Path
) -> None:
    bogus = tmp_path / "not-a-key.irokey"
    bogus.write_text("hello", encoding="utf-8")
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.import_team_key(bogus)
    assert dialog.errors["team_key"].isVisibleTo(dialog)
    assert dialog.errors["team_key"].text().startswith("⚠")
    assert team_keyring(store) is None


def test_a_plain_caseload_is_encrypted_from_the_security_tab(
    qtbot: QtBot, store: CaseloadStore
) -> None:
    assert not store.encrypted
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    assert "NOT encrypted" in dialog.encryption_state.text()
    change = PassphraseDialog(store, dialog)
    qtbot.addWidget(change)
    assert not change.old_edit.isVisibleTo(change)
    qtbot.keyClicks(change.new_edit, "short")
    qtbot.keyClicks(change.again_edit, "short")
    change.apply()
    assert "at least 8" in change.problem.text()
    change.new_edit.clear()
    change.again_edit.clear()
    qtbot.keyClicks(change.new_edit, "a long new passphrase")
    qtbot.keyClicks(change.again_edit, "a long new passphrase")
    change.apply()
    assert change.result() == PassphraseDialog.DialogCode.Accepted
    assert store.encrypted and is_encrypted_file(store.path)
    with store.session() as session:
        assert load_settings(session) is not None
    store.close()
    with pytest.raises(WrongPassphraseError):
        CaseloadStore.open(store.path, passphrase="the wrong passphrase")
    CaseloadStore.open(store.path, passphrase="a long new passphrase").close()


def test_a_wrong_current_passphrase_changes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "secret.irodesk"
    with CaseloadStore.create(path, passphrase="the first passphrase") as store:
        change = PassphraseDialog(store)
        qtbot.addWidget(change)
        qtbot.keyClicks(change.old_edit, "not the first one")
        qtbot.keyClicks(change.new_edit, "a second passphrase")
        qtbot.keyClicks(change.again_edit, "a second passphrase")
        change.apply()
        assert change.result() != PassphraseDialog.DialogCode.Accepted
        assert "does not open" in change.problem.text()
    CaseloadStore.open(path, passphrase="the first passphrase").close()


def when_progress_shows(then: Callable[[QProgressDialog], None]) -> QTimer:
    """Call ``then`` with the progress dialog once it shows (the click waits for the work)."""
    timer = QTimer()
    timer.setInterval(10)

    def look() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QProgressDialog) and widget.isVisible():
                timer.stop()
                then(widget)
                return

    timer.timeout.connect(look)
    timer.start()
    return timer


@pytest.mark.parametrize(
    ("first_passphrase", "shown"),
    [
        pytest.param("the first passphrase", "Changing the passphrase…", id="changing it"),
        pytest.param(None, "Encrypting the caseload…", id="encrypting a plain caseload"),
    ],
)
def test_re_keying_shows_progress_that_cannot_be_stopped(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    first_passphrase: str | None,
    shown: str,
) -> None:
    path = tmp_path / "secret.irodesk"
    release = threading.Event()
    re_key = CaseloadStore.change_passphrase

    def held(store: CaseloadStore, old: str, new: str) -> None:
        assert release.wait(timeout=20), "the progress dialog never showed"
        re_key(store, old, new)

    monkeypatch.setattr(CaseloadStore, "change_passphrase", held)
    seen: dict[str, object] = {}
    with CaseloadStore.create(path, passphrase=first_passphrase) as store:
        change = PassphraseDialog(store)
        qtbot.addWidget(change)
        change.show()
        if first_passphrase:
            qtbot.keyClicks(change.old_edit, first_passphrase)
        qtbot.keyClicks(change.new_edit, "a second passphrase")
        qtbot.keyClicks(change.again_edit, "a second passphrase")

        def look(progress: QProgressDialog) -> None:
            seen["label"] = progress.labelText()
            seen["buttons"] = progress.findChildren(QPushButton)
            seen["dialog takes input"] = change.isEnabled()
            release.set()

        watch = when_progress_shows(look)
        ok = change.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # returns once the file is re-keyed

        assert not watch.isActive(), "the progress dialog showed"
        assert seen == {"label": shown, "buttons": [], "dialog takes input": False}
        assert change.result() == PassphraseDialog.DialogCode.Accepted
        assert not change.problem.isVisible()
        assert store.encrypted
    with pytest.raises(WrongPassphraseError):
        CaseloadStore.open(path, passphrase="the first passphrase")
    CaseloadStore.open(path, passphrase="a second passphrase").close()
