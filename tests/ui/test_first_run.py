"""The first launch: demo, empty or imported caseload with the IRO's details, another file."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlmodel import func, select
from work_helpers import StopAt

from iro_desk.clock import FixedClock
from iro_desk.demo import build_demo
from iro_desk.errors import WorkCancelledError
from iro_desk.interchange import export_caseload
from iro_desk.models import Child, Iro
from iro_desk.paths import default_db_path
from iro_desk.profile import MyDetails, get_me
from iro_desk.settings import load_settings
from iro_desk.store import CaseloadStore, PassphraseRequiredError
from iro_desk.ui import app as ui_app
from iro_desk.ui import first_run
from iro_desk.ui.first_run import (
    FirstRunDialog,
    WelcomeDetails,
    create_caseload_for_iro,
    create_demo_caseload,
)

pytestmark = pytest.mark.gui

TODAY = dt.date(2027, 1, 4)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PASSPHRASE = "kettle lantern otter"
T = TypeVar("T")


class MessageBoxes:
    """Captures message box texts instead of blocking, answering with ``answer``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answer: object = None) -> None:
        self.texts: list[str] = []
        self.answer = answer if answer is not None else QMessageBox.StandardButton.Ok

        def capture(_parent: object, _title: str, text: str, *_args: object) -> object:
            self.texts.append(text)
            return self.answer

        for name in ("warning", "critical", "information", "question"):
            monkeypatch.setattr(QMessageBox, name, staticmethod(capture))


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> None:
    """Make the open-file dialog answer ``path`` (None: the IRO cancels)."""
    answer = (str(path), "") if path else ("", "")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: answer))


@pytest.fixture
def dialog(qtbot: QtBot, tmp_path: Path) -> FirstRunDialog:
    shown = FirstRunDialog(tmp_path / "data" / "caseload.irodesk", today=TODAY)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def children_in(path: Path) -> int:
    with CaseloadStore.open(path) as store, store.session() as session:
        return session.exec(select(func.count()).select_from(Child)).one()


def not_ours(tmp_path: Path) -> Path:
    stranger = tmp_path / "notes.irodesk"
    stranger.write_bytes(b"Dear diary, this is not a caseload.\n")
    return stranger


def other_database(tmp_path: Path) -> Path:
    stranger = tmp_path / "recipes.db"
    conn = sqlite3.connect(stranger)
    conn.execute("CREATE TABLE recipe (name TEXT)")
    conn.commit()
    conn.close()
    return stranger


def answer_passphrases(monkeypatch: pytest.MonkeyPatch, answers: list[str | None]) -> list[str]:
    """Make the passphrase prompt answer these in turn (None: cancel); returns the prompts."""
    prompts: list[str] = []

    def prompt(_parent: object, _title: str, text: str, *_args: object) -> tuple[str, bool]:
        prompts.append(text)
        answer = answers.pop(0)
        return (answer or "", answer is not None)

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(prompt))
    return prompts


def test_the_dialog_offers_the_demo_an_empty_caseload_or_another_file(
    dialog: FirstRunDialog,
) -> None:
    assert dialog.demo_button.text().replace("&", "") == "Open the demo caseload"
    assert dialog.empty_button.text().replace("&", "") == "Start an empty caseload"
    assert dialog.open_button.text().replace("&", "") == "Open another file…"
    assert dialog.demo_button.isDefault()
    assert dialog.page == 0


def test_choosing_the_demo_makes_a_caseload_with_children(
    qtbot: QtBot, dialog: FirstRunDialog
) -> None:
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=30000)
    assert dialog.choice == "demo"
    assert dialog.store is not None and dialog.store.path == dialog.path
    dialog.store.close()
    assert children_in(dialog.path) == first_run.DEMO_CHILDREN
    with CaseloadStore.open(dialog.path) as opened, opened.session() as session:
        me = get_me(session)
        assert me is not None and me.name == "Robin Example", "invented details come with it"
        assert load_settings(session).council_name == "Demo County Council"
    leftovers = [p.name for p in dialog.path.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_an_empty_caseload_needs_a_name_and_a_passphrase_typed_twice(
    qtbot: QtBot, dialog: FirstRunDialog
) -> None:
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    assert dialog.page == 1
    form = dialog.form
    qtbot.keyClicks(form.passphrase_edit, "short")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "name is needed" in form.error_text("name")
    assert "at least 8 characters" in form.error_text("passphrase")
    assert not dialog.path.exists(), "nothing is written until the details are right"

    form.passphrase_edit.clear()
    qtbot.keyClicks(form.name_edit, "  Sam   Sample ")
    qtbot.keyClicks(form.passphrase_edit, "kettle lantern otter")
    qtbot.keyClicks(form.again_edit, "kettle lantern oter")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert form.error_text("name") == ""
    assert "not the same" in form.error_text("again")
    assert not dialog.path.exists()


def test_an_empty_caseload_is_encrypted_and_keeps_the_iros_name(
    qtbot: QtBot, dialog: FirstRunDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.form.name_edit, "  Sam   Sample ")
    qtbot.keyClicks(dialog.form.email_edit, "sam.sample@council.invalid")
    qtbot.keyClicks(dialog.form.council_edit, "Sampleshire Council")
    qtbot.keyClicks(dialog.form.passphrase_edit, "kettle lantern otter")
    qtbot.keyClicks(dialog.form.again_edit, "kettle lantern otter")
    qtbot.keyClick(dialog.form.again_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice == "empty"
    assert dialog.store is not None and dialog.store.encrypted
    with dialog.store.session() as session:
        me = session.exec(select(Iro).where(Iro.is_me)).one()
        assert me.name == "Sam Sample"
        assert session.exec(select(func.count()).select_from(Child)).one() == 0
    dialog.store.close()
    with pytest.raises(PassphraseRequiredError):
        CaseloadStore.open(dialog.path)
    CaseloadStore.open(dialog.path, passphrase="kettle lantern otter").close()


def test_back_returns_to_the_choices(qtbot: QtBot, dialog: FirstRunDialog) -> None:
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.back_button, Qt.MouseButton.LeftButton)
    assert dialog.page == 0


def test_opening_another_apps_database_explains_and_stays_open(
    qtbot: QtBot, dialog: FirstRunDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = MessageBoxes(monkeypatch)
    stranger = other_database(tmp_path)
    before = stranger.read_bytes()
    choose_file(monkeypatch, stranger)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert boxes.texts == [
        "recipes.db is a database, but not an IRO Desk caseload. Nothing has been changed."
    ]
    assert dialog.isVisible() and dialog.store is None
    assert stranger.read_bytes() == before


def test_a_file_that_is_no_database_at_all_is_questioned_not_opened(
    qtbot: QtBot, dialog: FirstRunDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Encrypted caseloads look like random bytes, so IRO Desk cannot tell them from other
    # files without a passphrase: it asks, saying the file may not be a caseload at all.
    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    boxes = MessageBoxes(monkeypatch)
    prompts = answer_passphrases(monkeypatch, ["a guess", None])
    stranger = not_ours(tmp_path)
    choose_file(monkeypatch, stranger)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert "not an IRO Desk caseload" in prompts[0]
    assert "not an IRO Desk caseload" in prompts[1]
    assert boxes.texts == []
    assert dialog.isVisible() and dialog.store is None
    assert stranger.read_bytes() == b"Dear diary, this is not a caseload.\n"


def test_opening_another_caseload_file_uses_it(
    qtbot: QtBot, dialog: FirstRunDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine.irodesk"
    CaseloadStore.create(mine).close()
    choose_file(monkeypatch, mine)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice == "open"
    assert dialog.store is not None and dialog.store.path == mine
    dialog.store.close()


def test_quit_makes_nothing(qtbot: QtBot, dialog: FirstRunDialog) -> None:
    qtbot.mouseClick(dialog.quit_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not dialog.path.exists()


def test_a_failed_demo_leaves_no_half_made_caseload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the demo generator broke")

    monkeypatch.setattr(first_run, "build_demo", broken)
    target = tmp_path / "caseload.irodesk"
    with pytest.raises(RuntimeError):
        create_demo_caseload(target, today=TODAY)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_demo_is_shown_and_the_dialog_stays_open(
    qtbot: QtBot, dialog: FirstRunDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the demo generator broke")

    monkeypatch.setattr(first_run, "build_demo", broken)
    boxes = MessageBoxes(monkeypatch)
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert len(boxes.texts) == 1
    assert "the demo generator broke" in boxes.texts[0]
    assert dialog.isVisible() and dialog.isEnabled()
    assert not dialog.path.exists()


# -- the IRO's details, and starting from an import -------------------------------------


def a_photo(tmp_path: Path) -> Path:
    photo = tmp_path / "me.png"
    image = QImage(16, 16, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    assert image.save(str(photo), "PNG")
    return photo


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def type_then_tab(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focused(), text)
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)


def read_back(path: Path) -> tuple[Iro, object, int, int]:
    """The IRO's row, the settings, how many children and how many 'me' rows, via the core."""
    with CaseloadStore.open(path, passphrase=PASSPHRASE) as opened, opened.session() as session:
        me = get_me(session)
        assert me is not None
        settings = load_settings(session)
        children = session.exec(select(func.count()).select_from(Child)).one()
        mes = session.exec(select(func.count()).select_from(Iro).where(Iro.is_me)).one()
        session.expunge(me)
    return me, settings, children, mes


def test_the_whole_first_run_by_keyboard_keeps_the_iros_details_in_the_caseload(
    qtbot: QtBot, dialog: FirstRunDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    photo = a_photo(tmp_path)
    choose_file(monkeypatch, photo)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)

    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.page == 1)  # a mnemonic "animates" the click: it takes a moment
    assert focused() is dialog.form.name_edit
    type_then_tab(qtbot, "Sam Sample")
    type_then_tab(qtbot, "sam.sample@council.invalid")
    type_then_tab(qtbot, "01234 567890")
    assert focused() is dialog.form.photo_button
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert dialog.form.photo == photo.read_bytes()
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is dialog.form.remove_photo_button
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    type_then_tab(qtbot, "Sampleshire Council")
    assert focused() is dialog.form.nation_combo
    qtbot.keyClicks(focused(), "W")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    type_then_tab(qtbot, "Speak Up Sampleshire")
    type_then_tab(qtbot, "0800 000 1234")
    type_then_tab(qtbot, PASSPHRASE)
    qtbot.keyClicks(focused(), PASSPHRASE)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice == "empty"
    assert dialog.store is not None and dialog.store.encrypted
    dialog.store.close()
    me, settings, children, mes = read_back(dialog.path)
    assert (me.name, me.email, me.phone) == (
        "Sam Sample", "sam.sample@council.invalid", "01234 567890"
    )
    assert me.photo == photo.read_bytes()
    assert settings.council_name == "Sampleshire Council"  # type: ignore[attr-defined]
    assert settings.nation == "WLS"  # type: ignore[attr-defined]
    assert settings.advocacy_service == "Speak Up Sampleshire"  # type: ignore[attr-defined]
    assert settings.advocacy_contact == "0800 000 1234"  # type: ignore[attr-defined]
    assert (children, mes) == (0, 1)


def test_details_the_letters_cannot_use_are_shown_beside_the_fields(
    qtbot: QtBot, dialog: FirstRunDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_picture = tmp_path / "me.png"
    not_a_picture.write_bytes(b"this is not a picture")
    choose_file(monkeypatch, not_a_picture)
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    form = dialog.form
    qtbot.mouseClick(form.photo_button, Qt.MouseButton.LeftButton)
    assert "PNG or JPEG" in form.error_text("photo")
    assert form.photo is None
    qtbot.keyClicks(form.name_edit, "Sam Sample")
    qtbot.keyClicks(form.email_edit, "not an address")
    qtbot.keyClicks(form.passphrase_edit, PASSPHRASE)
    qtbot.keyClicks(form.again_edit, PASSPHRASE)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "email address" in form.error_text("email")
    assert "council's name is needed" in form.error_text("council_name")
    assert form.error_text("name") == "" and form.error_text("passphrase") == ""
    assert QApplication.focusWidget() is form.email_edit, "the first problem gets the focus"
    assert not dialog.path.exists(), "nothing is written until the details are right"

    form.email_edit.clear()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "email address or a phone number" in form.error_text("email")
    assert not dialog.path.exists()


def test_importing_a_council_extract_asks_for_the_details_then_imports_the_children(
    qtbot: QtBot, dialog: FirstRunDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    extract = FIXTURES / "extract_good.csv"
    rows = len(extract.read_text(encoding="utf-8").splitlines()) - 1
    choose_file(monkeypatch, extract)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.page == 1
    assert f"council extract with {rows} children" in dialog.import_label.text()
    assert dialog.form.name_edit.text() == "", "an extract says nothing about the IRO"
    form = dialog.form
    qtbot.keyClicks(form.name_edit, "Sam Sample")
    qtbot.keyClicks(form.phone_edit, "01234 567890")
    qtbot.keyClicks(form.council_edit, "Sampleshire Council")
    qtbot.keyClicks(form.passphrase_edit, PASSPHRASE)
    qtbot.keyClicks(form.again_edit, PASSPHRASE)
    qtbot.keyClick(form.again_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice == "import"
    assert dialog.store is not None
    dialog.store.close()
    me, settings, children, mes = read_back(dialog.path)
    assert me.name == "Sam Sample" and me.phone == "01234 567890"
    assert settings.council_name == "Sampleshire Council"  # type: ignore[attr-defined]
    assert (children, mes) == (rows, 1)


def test_importing_an_export_offers_the_details_it_holds(
    qtbot: QtBot,
    dialog: FirstRunDialog,
    store: CaseloadStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    build_demo(store, children=3, years=1, seed=1, today=TODAY)
    export = tmp_path / "moved.json"
    export_caseload(store, export)
    choose_file(monkeypatch, export)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.page == 1
    assert "IRO Desk export with 3 children" in dialog.import_label.text()
    form = dialog.form
    assert form.name_edit.text() == "Robin Example"
    assert form.council_edit.text() == "Demo County Council"
    form.name_edit.selectAll()
    qtbot.keyClicks(form.name_edit, "Robin Sample")
    qtbot.keyClicks(form.passphrase_edit, PASSPHRASE)
    qtbot.keyClicks(form.again_edit, PASSPHRASE)
    qtbot.keyClick(form.again_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.store is not None
    dialog.store.close()
    me, settings, children, mes = read_back(dialog.path)
    assert me.name == "Robin Sample", "the IRO's row from the export, with their change"
    assert me.email == "robin.example@council.invalid"
    assert settings.council_name == "Demo County Council"  # type: ignore[attr-defined]
    assert (children, mes) == (3, 1)


def test_a_bad_extract_is_explained_and_nothing_is_made(
    qtbot: QtBot, dialog: FirstRunDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = MessageBoxes(monkeypatch)
    choose_file(monkeypatch, FIXTURES / "extract_bad_date.csv")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert len(boxes.texts) == 1 and "row" in boxes.texts[0]
    assert dialog.page == 0 and dialog.isVisible()
    assert not dialog.path.exists()


def test_going_back_forgets_the_chosen_import(
    qtbot: QtBot, dialog: FirstRunDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    choose_file(monkeypatch, FIXTURES / "extract_good.csv")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.back_button, Qt.MouseButton.LeftButton)
    assert dialog.pending_import is None
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    assert dialog.import_label.isHidden()


# -- stopping long work --------------------------------------------------------------------


def left_in(folder: Path) -> list[str]:
    """Everything in ``folder`` and below it, by relative path (hidden temp folders too)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


SAM = WelcomeDetails(
    me=MyDetails(name="Sam Sample", phone="01234 567890"), council_name="Sampleshire Council"
)


def an_export_with_three_children(store: CaseloadStore, tmp_path: Path) -> Path:
    build_demo(store, children=3, years=1, seed=1, today=TODAY)
    export = tmp_path / "moved.json"
    export_caseload(store, export)
    return export


@pytest.mark.parametrize(
    "start",
    [
        pytest.param("empty", id="an empty caseload"),
        pytest.param("extract", id="a caseload from a council extract"),
        pytest.param("export", id="a caseload from an IRO Desk export"),
    ],
)
def test_stopping_a_new_caseload_at_any_point_leaves_no_file(
    store: CaseloadStore, tmp_path: Path, start: str
) -> None:
    pending = None
    if start == "extract":
        pending = first_run.read_import(FIXTURES / "extract_good.csv", today=TODAY)
    elif start == "export":
        export = an_export_with_three_children(store, tmp_path)
        pending = first_run.read_import(export, today=TODAY)

    def make(folder: Path, check: StopAt) -> Path:
        return create_caseload_for_iro(
            folder / "caseload.irodesk", details=SAM, passphrase=PASSPHRASE, pending=pending,
            today=TODAY, check=check,
        )

    whole = StopAt()
    made = make(tmp_path / "whole", whole)
    me, _settings, children, mes = read_back(made)
    assert (me.name, children, mes) == ("Sam Sample", pending.children if pending else 0, 1)
    assert left_in(tmp_path / "whole") == ["caseload.irodesk"], "no backup of a new caseload"
    if pending is not None and pending.rows is not None:
        assert whole.calls > len(pending.rows), "the check is called for each row imported"
    for at in range(1, whole.calls + 1):
        folder = tmp_path / f"stopped at {at}"
        with pytest.raises(WorkCancelledError):
            make(folder, StopAt(at))
        assert left_in(folder) == [], f"stopped at check {at} of {whole.calls}"


def test_stopping_the_demo_at_any_point_leaves_no_file(tmp_path: Path) -> None:
    whole = StopAt()
    create_demo_caseload(tmp_path / "whole" / "caseload.irodesk", today=TODAY, children=4,
                         years=1, check=whole)
    assert children_in(tmp_path / "whole" / "caseload.irodesk") == 4
    assert left_in(tmp_path / "whole") == ["caseload.irodesk"]
    assert whole.calls > 4, "the check is called for each child made"
    for at in range(1, whole.calls + 1):
        folder = tmp_path / f"stopped at {at}"
        with pytest.raises(WorkCancelledError):
            create_demo_caseload(folder / "caseload.irodesk", today=TODAY, children=4, years=1,
                                 check=StopAt(at))
        assert left_in(folder) == [], f"stopped at check {at} of {whole.calls}"


def stop_button(progress: QProgressDialog) -> QPushButton:
    button = progress.findChild(QPushButton)
    assert button is not None, "the progress dialog has a Stop button"
    return button


class ProgressWatch:
    """Calls ``then`` with the progress dialog once it shows, from inside the work's wait.

    While long work runs, the click that started it has not returned (the dialog waits in its
    own event loop), so the test acts on the progress dialog from a timer.
    """

    def __init__(self, then: Callable[[QProgressDialog], None]) -> None:
        self.then = then
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._look)
        self.timer.start()

    def _look(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QProgressDialog) and widget.isVisible():
                self.timer.stop()
                self.then(widget)
                return


class HeldWork:
    """Holds the work (on its worker thread) until the test has pressed Stop; notes what shows.

    ``hold`` wraps a function of the work so it waits for ``release``; ``press_stop`` (given the
    progress dialog) notes what the IRO sees, presses Stop, notes it again, then releases it.
    """

    def __init__(self, qtbot: QtBot, window: QWidget, *, by_key: bool = False) -> None:
        self.qtbot = qtbot
        self.window = window
        self.by_key = by_key
        self.release = threading.Event()
        self.seen: dict[str, object] = {}

    def hold(self, work: Callable[..., T]) -> Callable[..., T]:
        def held(*args: object, **kwargs: object) -> T:
            assert self.release.wait(timeout=20), "the test never pressed Stop"
            return work(*args, **kwargs)

        return held

    def press_stop(self, progress: QProgressDialog) -> None:
        button = stop_button(progress)
        self.seen["before"] = (progress.labelText(), button.text(), button.accessibleName())
        self.seen["file while working"] = self.window.path.exists()  # type: ignore[attr-defined]
        if self.by_key:
            progress.activateWindow()
            self.qtbot.waitUntil(lambda: QApplication.activeWindow() is progress)
            self.qtbot.keyClick(progress, Qt.Key.Key_Escape)
        else:
            self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.seen["stopping"] = (
            progress.isVisible(), progress.labelText(), button.isEnabled(),
            self.window.isEnabled(),
        )
        self.release.set()


@pytest.mark.parametrize("by_key", [False, True], ids=["Stop pressed", "Escape pressed"])
def test_stopping_the_demo_makes_nothing_and_the_next_try_works(
    qtbot: QtBot, dialog: FirstRunDialog, monkeypatch: pytest.MonkeyPatch, by_key: bool
) -> None:
    held = HeldWork(qtbot, dialog, by_key=by_key)
    monkeypatch.setattr(first_run, "build_demo", held.hold(first_run.build_demo))
    watch = ProgressWatch(held.press_stop)

    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)  # returns once stopped

    assert not watch.timer.isActive(), "the progress dialog showed"
    assert held.seen["before"] == ("Making the demo caseload…", "&Stop", "Stop")
    assert held.seen["stopping"] == (True, "Stopping…", False, False), (
        "the dialog says it is stopping; the window waits until the work has stopped"
    )
    assert dialog.isVisible() and dialog.isEnabled() and dialog.store is None
    assert dialog.page == 0
    assert dialog.stopped_label.isVisible()
    assert dialog.stopped_text == "Stopped: no caseload was made."
    assert dialog.stopped_label.accessibleName() == "What was stopped"
    assert left_in(dialog.path.parent) == [], "no caseload, no temporary folder"
    assert not any(isinstance(w, QProgressDialog) and w.isVisible()
                   for w in QApplication.topLevelWidgets())

    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)  # the work is not held now
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=30000)
    assert dialog.choice == "demo" and dialog.stopped_text == ""
    assert dialog.store is not None
    dialog.store.close()
    assert children_in(dialog.path) == first_run.DEMO_CHILDREN


def test_stopping_the_check_of_a_file_to_import_keeps_the_choices(
    qtbot: QtBot, dialog: FirstRunDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    choose_file(monkeypatch, FIXTURES / "extract_good.csv")
    held = HeldWork(qtbot, dialog)
    monkeypatch.setattr(first_run, "read_extract", held.hold(first_run.read_extract))
    watch = ProgressWatch(held.press_stop)

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    assert not watch.timer.isActive()
    assert held.seen["before"] == ("Checking extract_good.csv…", "&Stop", "Stop")
    assert dialog.page == 0 and dialog.pending_import is None
    assert dialog.stopped_text == "Stopped checking extract_good.csv."
    assert dialog.stopped_label.isVisible()
    assert not dialog.path.exists()

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.page == 1 and dialog.pending_import is not None
    assert dialog.stopped_text == ""


def test_stopping_the_new_caseload_removes_what_was_made_and_the_next_try_works(
    qtbot: QtBot, dialog: FirstRunDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    held = HeldWork(qtbot, dialog)
    monkeypatch.setattr(
        first_run, "_save_welcome_details", held.hold(first_run._save_welcome_details)
    )
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    form = dialog.form
    qtbot.keyClicks(form.name_edit, "Sam Sample")
    qtbot.keyClicks(form.phone_edit, "01234 567890")
    qtbot.keyClicks(form.council_edit, "Sampleshire Council")
    qtbot.keyClicks(form.passphrase_edit, PASSPHRASE)
    qtbot.keyClicks(form.again_edit, PASSPHRASE)
    watch = ProgressWatch(held.press_stop)

    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

    assert not watch.timer.isActive()
    assert held.seen["before"] == ("Making your caseload…", "&Stop", "Stop")
    assert held.seen["file while working"], "the caseload was being made when Stop was pressed"
    assert dialog.isVisible() and dialog.store is None
    assert dialog.page == 1, "the details stay, to try again"
    assert form.name_edit.text() == "Sam Sample"
    assert dialog.stopped_text == "Stopped: no caseload was made."
    assert left_in(dialog.path.parent) == [], "the new file (and its -wal, -shm) removed"

    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice == "empty" and dialog.stopped_text == ""
    assert dialog.store is not None
    dialog.store.close()
    me, _settings, children, _mes = read_back(dialog.path)
    assert (me.name, children) == ("Sam Sample", 0)


# -- starting the app ----------------------------------------------------------------------


def test_a_caseload_that_cannot_be_opened_offers_another_file(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = MessageBoxes(monkeypatch, answer=QMessageBox.StandardButton.Open)
    good = tmp_path / "good.irodesk"
    CaseloadStore.create(good).close()
    choose_file(monkeypatch, good)
    store = ui_app.open_with_retry(other_database(tmp_path))
    assert store is not None and store.path == good
    store.close()
    assert "not an IRO Desk caseload" in boxes.texts[0]
    assert "Open" in boxes.texts[0]


def test_giving_up_on_a_caseload_that_cannot_be_opened_opens_nothing(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = MessageBoxes(monkeypatch, answer=QMessageBox.StandardButton.Cancel)
    assert ui_app.open_with_retry(other_database(tmp_path)) is None
    assert len(boxes.texts) == 1


def test_with_no_caseload_yet_the_app_runs_the_first_run_dialog(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def choose_empty(self: FirstRunDialog) -> int:
        self.empty_button.click()
        self.form.name_edit.setText("Robin Example")
        self.form.phone_edit.setText("01234 000000")
        self.form.council_edit.setText("Example Council")
        self.form.passphrase_edit.setText("demo passphrase")
        self.form.again_edit.setText("demo passphrase")
        self.create_button.click()
        return self.result()

    monkeypatch.setattr(FirstRunDialog, "exec", choose_empty)
    target = tmp_path / "new" / "caseload.irodesk"
    store = ui_app.open_or_first_run(target, clock=FixedClock(TODAY))
    assert store is not None and store.path == target
    store.close()


def test_an_existing_caseload_opens_without_the_first_run_dialog(
    qapp: QApplication, store: CaseloadStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_demo(store, children=2, years=1, seed=1, today=TODAY)
    monkeypatch.setattr(FirstRunDialog, "exec", lambda _self: pytest.fail("dialog shown"))
    opened = ui_app.open_or_first_run(store.path, clock=FixedClock(TODAY))
    assert opened is not None and opened.path == store.path
    opened.close()


@pytest.mark.parametrize(
    ("flag", "env", "last", "expected"),
    [
        pytest.param("flag.irodesk", "env.irodesk", "last.irodesk", "flag.irodesk", id="--db wins"),
        pytest.param(None, "env.irodesk", "last.irodesk", "env.irodesk", id="then IRO_DESK_DB"),
        pytest.param(
            None, None, "last.irodesk", "last.irodesk", id="then the caseload opened last time"
        ),
        pytest.param(
            None,
            None,
            "gone.irodesk",
            "DEFAULT",
            id="a last caseload that was moved away is not guessed at",
        ),
        pytest.param(None, None, None, "DEFAULT", id="else the default in the data folder"),
    ],
)
def test_which_caseload_the_app_opens(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str | None,
    env: str | None,
    last: str | None,
    expected: str,
) -> None:
    (tmp_path / "last.irodesk").write_bytes(b"")
    if env:
        monkeypatch.setenv("IRO_DESK_DB", str(tmp_path / env))
    state = QSettings(str(tmp_path / "state.ini"), QSettings.Format.IniFormat)
    if last:
        state.setValue("caseload/last_path", str(tmp_path / last))
    chosen = ui_app.caseload_path(str(tmp_path / flag) if flag else None, state)
    if expected == "DEFAULT":
        assert chosen == default_db_path()
    else:
        assert chosen == tmp_path / expected


def test_an_encrypted_caseload_asks_for_its_passphrase_until_it_opens(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    locked = tmp_path / "locked.irodesk"
    CaseloadStore.create(locked, passphrase="kettle lantern otter").close()
    prompts = answer_passphrases(monkeypatch, ["wrong guess", "kettle lantern otter"])
    store = ui_app.open_with_retry(locked)
    assert store is not None and store.encrypted
    store.close()
    assert "is encrypted" in prompts[0]
    assert "does not open" in prompts[1]


def test_cancelling_the_passphrase_opens_nothing(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IRO_DESK_PASSPHRASE")
    locked = tmp_path / "locked.irodesk"
    CaseloadStore.create(locked, passphrase="kettle lantern otter").close()
    answer_passphrases(monkeypatch, [None])
    boxes = MessageBoxes(monkeypatch)
    assert ui_app.open_with_retry(locked) is None
    assert boxes.texts == []
