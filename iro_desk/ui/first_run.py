"""The first launch: open the demo caseload, start an empty one, import one, or open a file.

Starting an empty caseload or importing one (a council system's CSV extract, or an IRO Desk JSON
export) asks for what the letters need: the IRO's name and contact details, an optional photo,
the council's name, the nation whose bank holidays count, and the advocacy service; then a
passphrase. Everything is checked (problems shown beside the field) before any file is written,
and all of it can be changed later in Settings. The demo comes with invented details.

Making the demo, checking a file to import and making the new caseload run off the GUI thread
with a progress dialog that has a Stop button: stopping makes nothing (no file is left behind),
the dialog says so and stays open on the same page, ready to try again.

Also the steps every way of getting a caseload shares (used by the File menu too): make the demo
caseload, make an empty caseload for the IRO, open a file, and run long work off the GUI thread
with a progress dialog (``run_with_progress``; ``run_cancellable`` when it can be stopped).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from iro_desk.csv_import import ExtractRow, import_extract, read_extract
from iro_desk.demo import build_demo
from iro_desk.errors import CaseloadFileError, IroDeskError, ValidationError, WorkCancelledError
from iro_desk.interchange import (
    CaseloadDocument,
    check_document_alone,
    import_document,
    read_document,
)
from iro_desk.models import Iro
from iro_desk.profile import MyDetails, get_me, save_me, validate_details
from iro_desk.settings import NATIONS, load_settings, update_settings
from iro_desk.store import CaseloadStore, PassphraseRequiredError, WrongPassphraseError
from iro_desk.ui.errors import show_error, show_exception
from iro_desk.ui.theme import app_icon, status_colour

CASELOAD_FILE_FILTER = "IRO Desk caseloads (*.irodesk *.db *.sqlite);;All files (*)"
CASELOAD_SUFFIX = ".irodesk"
IMPORT_FILE_FILTER = (
    "Council extracts and IRO Desk exports (*.csv *.json);;Council extract (*.csv);;"
    "IRO Desk export (*.json);;All files (*)"
)
PHOTO_FILE_FILTER = "Pictures (*.png *.jpg *.jpeg)"

# The demo caseload the first-run dialog makes: DOMAIN.md's one IRO, a few years of history.
DEMO_CHILDREN = 70
DEMO_YEARS = 3
DEMO_SEED = 1

# New caseloads made in the app are encrypted; a short passphrase protects little.
MIN_PASSPHRASE_LENGTH = 8

# The progress dialog of work that can be stopped, and what the first run says when it was.
STOP_BUTTON_TEXT = "&Stop"
STOPPING_TEXT = "Stopping…"
NOTHING_MADE = "Stopped: no caseload was made."
# How long work runs before its progress dialog shows (quick work shows none).
PROGRESS_DELAY_MS = 400

T = TypeVar("T")


def current_actor() -> str:
    """Who is making changes on this computer (the sign-in name), for the history."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "iro-desk"


def open_caseload_store(path: Path, *, passphrase: str | None = None) -> CaseloadStore:
    """Open an existing caseload (migrating it forward); raises CaseloadFileError if it cannot.

    An encrypted caseload needs ``passphrase`` (or IRO_DESK_PASSPHRASE, for scripts).
    """
    return CaseloadStore.open(Path(path), actor=current_actor(), passphrase=passphrase)


def ask_passphrase(parent: QWidget | None, path: Path, reason: str) -> str | None:
    """Ask for the passphrase of an encrypted caseload; None when the IRO cancels."""
    text, ok = QInputDialog.getText(
        parent,
        "Caseload passphrase",
        f"{reason}\n\nPassphrase for {Path(path).name}:",
        QLineEdit.EchoMode.Password,
    )
    return text if ok else None


def open_caseload_interactively(path: Path, parent: QWidget | None = None) -> CaseloadStore | None:
    """Open ``path``, asking for its passphrase while it is needed; None when the IRO cancels.

    Raises:
        CaseloadFileError: the file is not a caseload this app can open (not ours, too new,
            damaged).
    """
    passphrase: str | None = None
    while True:
        try:
            return open_caseload_store(path, passphrase=passphrase)
        except (PassphraseRequiredError, WrongPassphraseError) as exc:
            passphrase = ask_passphrase(parent, path, str(exc))
            if passphrase is None:
                return None


def create_demo_caseload(
    path: Path,
    *,
    today: dt.date,
    children: int = DEMO_CHILDREN,
    years: int = DEMO_YEARS,
    seed: int = DEMO_SEED,
    check: Callable[[], None] | None = None,
) -> Path:
    """Write the demo caseload to ``path``, which must not exist yet.

    The demo is built in a temporary file beside ``path`` and copied into place only when it is
    complete, so a failure never leaves a half-made caseload where the app will look for one.
    ``check`` is called between the steps (and for each child and table as the demo is built);
    when it raises (``WorkCancelledError``: the IRO stopped it) nothing is left behind.
    """
    stop_if_asked = check or (lambda: None)
    path = Path(path)
    if path.exists():
        raise CaseloadFileError(f"{path} already exists; IRO Desk will not overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".iro-desk-demo-", dir=path.parent) as folder:
        stop_if_asked()
        building = CaseloadStore.create(Path(folder) / path.name, actor="demo")
        try:
            build_demo(
                building, children=children, years=years, seed=seed, today=today,
                check=stop_if_asked,
            )
            stop_if_asked()  # the last chance: the copy below puts the caseload in place
            if path.exists():
                raise CaseloadFileError(
                    f"{path} appeared while the demo was being made; it was not replaced."
                )
            building.backup_to(path)
        finally:
            building.close()
    return path


def check_new_caseload(iro_name: str, passphrase: str, again: str) -> str:
    """The IRO's name, spacing tidied, when the name and passphrase can start a caseload.

    Raises:
        ValidationError: with a problem for "name", "passphrase" or "again".
    """
    problems = {}
    cleaned = " ".join(iro_name.split())
    if not cleaned:
        problems["name"] = "Your name is needed: it goes on the letters you send to children."
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        problems["passphrase"] = (
            f"Choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters, for example "
            "three or four unrelated words."
        )
    elif again != passphrase:
        problems["again"] = "The two passphrases are not the same; type it again."
    if problems:
        raise ValidationError("The new caseload needs a few things put right.", problems)
    return cleaned


def create_empty_caseload(path: Path, *, iro_name: str, passphrase: str | None) -> CaseloadStore:
    """Create an empty caseload at ``path`` for the IRO named ``iro_name`` and open it.

    With a ``passphrase`` the file is encrypted (the IRO must give it each time it is opened).
    """
    name = " ".join(iro_name.split())
    if not name:
        raise ValidationError("Your name is needed.", {"name": "Your name is needed."})
    actor = current_actor()
    store = CaseloadStore.create(Path(path), actor=actor, passphrase=passphrase or None)
    try:
        with store.session() as session:
            session.add(Iro(name=name, identity=actor, is_me=True))
            update_settings(session, my_iro_identity=actor)
    except BaseException:
        store.close()
        raise
    return store


def with_suffix_if_missing(path: str) -> Path:
    """A new caseload's path, with ``.irodesk`` added when the IRO typed no extension."""
    chosen = Path(path)
    return chosen if chosen.suffix else chosen.with_suffix(CASELOAD_SUFFIX)


@dataclass(frozen=True)
class WelcomeDetails:
    """What the first run asks for the letters: the IRO's own details and their council's."""

    me: MyDetails
    council_name: str = ""
    nation: str = "ENG"
    advocacy_service: str = ""
    advocacy_contact: str = ""

    def settings_changes(self) -> dict[str, str]:
        """The caseload settings these details set."""
        return {
            "council_name": " ".join(self.council_name.split()),
            "nation": self.nation,
            "advocacy_service": self.advocacy_service.strip(),
            "advocacy_contact": self.advocacy_contact.strip(),
        }


def check_welcome_details(details: WelcomeDetails) -> None:
    """Refuse details the letters could not use, with a problem for each field.

    Raises:
        ValidationError: problems for "name", "email", "phone", "photo", "council_name" or
            "nation".
    """
    problems: dict[str, str] = {}
    try:
        validate_details(details.me)
    except ValidationError as exc:
        problems |= exc.problems
    if not details.me.name.strip():
        problems["name"] = "Your name is needed: it goes on the letters you send to children."
    if not details.me.email.strip() and not details.me.phone.strip():
        problems.setdefault(
            "email",
            "Give an email address or a phone number: letters tell children how to reach you.",
        )
    if not details.council_name.strip():
        problems["council_name"] = "Your council's name is needed: it goes on every letter."
    if details.nation not in NATIONS:
        problems["nation"] = "Choose the nation whose bank holidays your council keeps."
    if problems:
        raise ValidationError("Some of your details need a change.", problems)


@dataclass(frozen=True)
class PendingImport:
    """A file the IRO chose to start their caseload from, read and checked in full."""

    path: Path
    children: int
    rows: list[ExtractRow] | None = None  # a council system's CSV extract
    document: CaseloadDocument | None = None  # an IRO Desk JSON export

    @property
    def description(self) -> str:
        """What the file is, in the IRO's words."""
        what = "an IRO Desk export" if self.document is not None else "a council extract"
        children = f"{self.children} child{'ren' if self.children != 1 else ''}"
        return f"{self.path.name}: {what} with {children}"

    def prefilled(self) -> WelcomeDetails | None:
        """The IRO's details an export already holds (None for an extract, or none there)."""
        if self.document is None:
            return None
        me: dict[str, Any] = next(
            (
                row.values
                for row in self.document.tables.get("iro", [])
                if row.values.get("is_me") and row.values.get("deleted_at") is None
            ),
            {},
        )
        settings = self.document.settings

        def text(values: dict[str, Any], key: str, default: str = "") -> str:
            value = values.get(key)
            return value if isinstance(value, str) else default

        photo = me.get("photo")
        return WelcomeDetails(
            me=MyDetails(
                name=text(me, "name"),
                job_title=text(me, "job_title", "Independent Reviewing Officer"),
                team=text(me, "team"),
                email=text(me, "email"),
                phone=text(me, "phone"),
                mobile=text(me, "mobile"),
                profile_text=text(me, "profile_text"),
                identity=text(me, "identity"),
                photo=photo if isinstance(photo, bytes) else None,
            ),
            council_name=text(settings, "council_name"),
            nation=text(settings, "nation", "ENG"),
            advocacy_service=text(settings, "advocacy_service"),
            advocacy_contact=text(settings, "advocacy_contact"),
        )


def _looks_like_export(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix == ".json"
    try:
        with path.open("rb") as file:
            start = file.read(64)
    except OSError as exc:
        raise IroDeskError(f"{path.name} cannot be read ({exc.strerror}).") from None
    return start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def read_import(
    path: Path, *, today: dt.date, check: Callable[[], None] | None = None
) -> PendingImport:
    """Read and check a council extract (CSV) or an IRO Desk export (JSON) in full.

    ``check`` is called between the steps (and for each table of an export) and last of all,
    so that once the IRO has asked to stop no file is handed on.

    Raises:
        ValidationError: what is wrong with the file, every bad row named; nothing is written.
    """
    stop_if_asked = check or (lambda: None)
    path = Path(path)
    if _looks_like_export(path):
        document = read_document(path, check=stop_if_asked)
        stop_if_asked()
        check_document_alone(document)
        children = sum(
            1 for row in document.tables.get("child", []) if row.values.get("deleted_at") is None
        )
        stop_if_asked()
        return PendingImport(path, children, document=document)
    rows = read_extract(path, today=today)
    stop_if_asked()
    return PendingImport(path, len(rows), rows=rows)


def _remove_new_caseload(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):
            leftover.unlink(missing_ok=True)


def _save_welcome_details(store: CaseloadStore, details: WelcomeDetails) -> None:
    with store.session() as session:
        imported = get_me(session)
        # An imported caseload keeps the sign-in name sync knows the IRO by; else this laptop's.
        identity = imported.identity if imported is not None and imported.identity else ""
        identity = identity or store.actor
        save_me(session, replace(details.me, identity=identity))
        settings = load_settings(session)
        update_settings(
            session,
            my_iro_identity=settings.my_iro_identity or identity,
            **details.settings_changes(),
        )


def create_caseload_for_iro(
    path: Path,
    *,
    details: WelcomeDetails,
    passphrase: str | None,
    pending: PendingImport | None = None,
    today: dt.date,
    check: Callable[[], None] | None = None,
) -> Path:
    """Make a new caseload at ``path`` with the IRO's details (and an import), then close it.

    All or nothing: the details are checked first, and when anything fails after the file was
    made, the new file is removed. An export is imported before the details are saved (so they
    update the IRO it holds); an extract after (its children are allocated to the IRO).
    ``check`` is called between the steps (and as the import goes); when it raises
    (``WorkCancelledError``: the IRO stopped it) the new file is removed like any failure.
    """
    check_welcome_details(details)
    stop_if_asked = check or (lambda: None)
    path = Path(path)
    if path.exists():
        raise CaseloadFileError(f"{path} already exists; IRO Desk will not overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    stop_if_asked()
    store = CaseloadStore.create(path, actor=current_actor(), passphrase=passphrase or None)
    try:
        if pending is not None and pending.document is not None:
            import_document(store, pending.document, check=stop_if_asked)
        stop_if_asked()
        _save_welcome_details(store, details)
        if pending is not None and pending.rows is not None:
            stop_if_asked()
            # No backup "before import": this caseload is moments old and a failure removes it.
            import_extract(
                store, pending.rows, today=today, source=pending.path.name, back_up=False,
                check=stop_if_asked,
            )
        stop_if_asked()  # the last chance: after this the caseload is made
    except BaseException:
        store.close()
        _remove_new_caseload(path)
        raise
    store.close()
    return path


class _Worker(QObject):
    """Runs one function in a worker thread and keeps its result or error."""

    finished = Signal()

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__()
        self._work = work
        self.result: object = None
        self.error: BaseException | None = None

    @Slot()
    def run(self) -> None:
        try:
            self.result = self._work()
        except BaseException as exc:  # handed back to the GUI thread, which shows it
            self.error = exc
        self.finished.emit()


def run_with_progress(parent: QWidget | None, text: str, work: Callable[[], T]) -> T:
    """Run ``work`` off the GUI thread; show ``text`` with a busy bar if it takes a moment.

    For work that must finish once started (re-keying a file is one step): the progress
    dialog has no Stop button (``run_cancellable`` gives work that can stop one). The window
    stays responsive (it repaints) but takes no input until the work is done.
    Returns what ``work`` returns, or raises what it raised.
    """
    return _run_off_gui_thread(parent, text, work, stop=None)


def run_cancellable(
    parent: QWidget | None, text: str, work: Callable[[Callable[[], None]], T]
) -> T:
    """Like ``run_with_progress``, with a Stop button (and Escape) on the progress dialog.

    ``work`` is given a ``check`` to call between its steps: once the IRO has pressed Stop,
    ``check`` raises ``WorkCancelledError`` and ``work`` undoes what it made. Meanwhile the
    dialog says "Stopping…" and ``parent`` takes no input until the work has returned. Work
    that finished before it next called ``check`` returns as usual: what it made stands.

    Raises:
        WorkCancelledError: the IRO stopped the work.
    """
    stop = threading.Event()

    def check() -> None:
        if stop.is_set():
            raise WorkCancelledError()

    return _run_off_gui_thread(parent, text, lambda: work(check), stop=stop)


def _offer_stop(progress: QProgressDialog, stop: threading.Event) -> None:
    """Make the progress dialog's button (and Escape) ask the work to stop, and say so."""
    # QProgressDialog hides itself when cancelled; it stays up saying "Stopping…" instead, so
    # the IRO sees why the window takes no input until the work has undone what it made.
    progress.canceled.disconnect(progress.cancel)
    button = progress.findChild(QPushButton)
    if button is not None:
        button.setAccessibleName("Stop")

    def stopping() -> None:
        stop.set()
        progress.setLabelText(STOPPING_TEXT)
        progress.setAccessibleName(STOPPING_TEXT)
        if button is not None:
            button.setEnabled(False)

    progress.canceled.connect(stopping)


def _run_off_gui_thread(
    parent: QWidget | None, text: str, work: Callable[[], T], *, stop: threading.Event | None
) -> T:
    """Run ``work`` on a worker thread with a progress dialog; a Stop button sets ``stop``."""
    thread = QThread()
    worker = _Worker(work)
    worker.moveToThread(thread)
    loop = QEventLoop()
    worker.finished.connect(loop.quit)
    thread.started.connect(worker.run)
    progress = QProgressDialog(text, STOP_BUTTON_TEXT if stop is not None else "", 0, 0, parent)
    progress.setWindowTitle("IRO Desk")
    progress.setAccessibleName(text)
    if stop is None:
        progress.setCancelButton(None)
    else:
        _offer_stop(progress, stop)
    progress.setWindowModality(Qt.WindowModality.ApplicationModal)
    progress.setMinimumDuration(PROGRESS_DELAY_MS)
    # Starts the delay: without a value the dialog waits Qt's default 4 s before it shows.
    progress.setValue(0)
    if parent is not None:
        parent.setEnabled(False)
        # Disabling a window disables the windows it owns: the progress dialog (and its Stop
        # button) must stay usable.
        progress.setEnabled(True)
    try:
        thread.start()
        loop.exec()
    finally:
        thread.quit()
        thread.wait()
        progress.reset()  # hides it (closing it would say "cancelled" to the Stop button)
        progress.deleteLater()
        if parent is not None:
            parent.setEnabled(True)
    if worker.error is not None:
        raise worker.error
    return worker.result  # type: ignore[return-value]


def _choice_button(text: str, description: str, accessible: str) -> tuple[QPushButton, QLabel]:
    button = QPushButton(text)
    button.setAccessibleName(accessible)
    button.setAccessibleDescription(description)
    button.setMinimumHeight(button.sizeHint().height() + 8)
    note = QLabel(description)
    note.setWordWrap(True)
    note.setTextFormat(Qt.TextFormat.PlainText)
    note.setIndent(12)
    return button, note


class NewCaseloadForm(QWidget):
    """The IRO's name and the new caseload's passphrase (typed twice), with problems beside."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Empty fields."""
        super().__init__(parent)
        self.setAccessibleName("New caseload details")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Your name")
        self.name_edit.setPlaceholderText("for example Sam Sample")
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setAccessibleName("Passphrase for the caseload")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.again_edit = QLineEdit()
        self.again_edit.setAccessibleName("The passphrase again")
        self.again_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self._errors: dict[str, QLabel] = {}
        rows = (
            ("name", "Your &name:", self.name_edit),
            ("passphrase", "&Passphrase:", self.passphrase_edit),
            ("again", "Passphrase a&gain:", self.again_edit),
        )
        for number, (field, text, edit) in enumerate(rows):
            label = QLabel(text)
            label.setBuddy(edit)
            error = QLabel()
            error.setAccessibleName(f"Problem with {edit.accessibleName().lower()}")
            error.setTextFormat(Qt.TextFormat.PlainText)
            error.setWordWrap(True)
            palette = error.palette()
            palette.setColor(error.foregroundRole(), status_colour("overdue"))
            error.setPalette(palette)
            error.hide()
            grid.addWidget(label, number * 2, 0)
            grid.addWidget(edit, number * 2, 1)
            grid.addWidget(error, number * 2 + 1, 1)
            self._errors[field] = error
        grid.setColumnStretch(1, 1)

    def error_text(self, field: str) -> str:
        """The problem shown beside a field ('' when none is shown)."""
        label = self._errors[field]
        return label.text() if not label.isHidden() else ""

    def checked(self) -> tuple[str, str] | None:
        """(name, passphrase) when they can start a caseload; else problems shown, None."""
        for label in self._errors.values():
            label.hide()
        try:
            name = check_new_caseload(
                self.name_edit.text(), self.passphrase_edit.text(), self.again_edit.text()
            )
        except ValidationError as exc:
            first = None
            edits = {"name": self.name_edit, "passphrase": self.passphrase_edit,
                     "again": self.again_edit}
            for field, why in exc.problems.items():
                self._errors[field].setText(why)
                self._errors[field].show()
                first = first or edits[field]
            if first is not None:
                first.setFocus()
            return None
        return name, self.passphrase_edit.text()


def _error_label(accessible: str) -> QLabel:
    """A problem shown beside a field: hidden until there is one, red with a warning sign."""
    error = QLabel()
    error.setAccessibleName(accessible)
    error.setTextFormat(Qt.TextFormat.PlainText)
    error.setWordWrap(True)
    palette = error.palette()
    palette.setColor(error.foregroundRole(), status_colour("overdue"))
    error.setPalette(palette)
    error.hide()
    return error


class WelcomeForm(QWidget):
    """The first run's questions: about the IRO, their council, and the caseload's passphrase.

    Problems are shown beside each field (with a warning sign, not only in red).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        """Empty fields; ``prefill`` puts in details an imported export already holds."""
        super().__init__(parent)
        self.setAccessibleName("Your details")
        self._base = MyDetails(name="")
        self.photo: bytes | None = None
        self.name_edit = self._line("Your name", "for example Sam Sample")
        self.email_edit = self._line("Your work email", "for example sam.sample@council.gov.uk")
        self.phone_edit = self._line("Your work phone", "a number children and carers can ring")
        self.photo_preview = QLabel("No photo")
        self.photo_preview.setAccessibleName("Photo for letters")
        self.photo_preview.setFixedSize(72, 72)
        self.photo_preview.setFrameShape(QLabel.Shape.Box)
        self.photo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_button = QPushButton("Choose ph&oto…")
        self.photo_button.setAccessibleName("Choose a photo for letters (optional)")
        self.photo_button.clicked.connect(self.choose_photo)
        self.remove_photo_button = QPushButton("&Remove photo")
        self.remove_photo_button.setAccessibleName("Remove the photo")
        self.remove_photo_button.clicked.connect(lambda: self.set_photo(None))
        self.council_edit = self._line("Your council's name", "for example Sampleshire Council")
        self.nation_combo = QComboBox()
        self.nation_combo.setAccessibleName("Bank holidays of")
        for code, nation in NATIONS.items():
            self.nation_combo.addItem(nation, code)
        self.advocacy_edit = self._line(
            "Advocacy service (optional)", "the service children can ask for an advocate"
        )
        self.advocacy_contact_edit = self._line(
            "Advocacy service contact (optional)", "its phone number, email or website"
        )
        self.passphrase_edit = self._line("Passphrase for the caseload", "")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.again_edit = self._line("The passphrase again", "")
        self.again_edit.setEchoMode(QLineEdit.EchoMode.Password)

        photo_row = QWidget()
        photo_row.setAccessibleName("Photo for letters")
        row = QHBoxLayout(photo_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.photo_preview)
        row.addWidget(self.photo_button)
        row.addWidget(self.remove_photo_button)
        row.addStretch(1)

        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        rows: tuple[tuple[str, str, QWidget, QWidget], ...] = (
            ("name", "Your &name:", self.name_edit, self.name_edit),
            ("email", "&Email:", self.email_edit, self.email_edit),
            ("phone", "P&hone:", self.phone_edit, self.phone_edit),
            ("photo", "Photo:", photo_row, self.photo_button),
            ("council_name", "Your co&uncil:", self.council_edit, self.council_edit),
            ("nation", "Ban&k holidays of:", self.nation_combo, self.nation_combo),
            ("advocacy_service", "&Advocacy service:", self.advocacy_edit, self.advocacy_edit),
            ("advocacy_contact", "Advocacy con&tact:", self.advocacy_contact_edit,
             self.advocacy_contact_edit),
            ("passphrase", "&Passphrase:", self.passphrase_edit, self.passphrase_edit),
            ("again", "Passphrase a&gain:", self.again_edit, self.again_edit),
        )
        for number, (field, text, widget, focus) in enumerate(rows):
            label = QLabel(text)
            label.setBuddy(focus)
            error = _error_label(f"Problem with {text.replace('&', '').rstrip(':').lower()}")
            grid.addWidget(label, number * 2, 0)
            grid.addWidget(widget, number * 2, 1)
            grid.addWidget(error, number * 2 + 1, 1)
            self._errors[field] = error
            self._fields[field] = focus
        grid.setColumnStretch(1, 1)
        order = [self.name_edit, self.email_edit, self.phone_edit, self.photo_button,
                 self.remove_photo_button, self.council_edit, self.nation_combo,
                 self.advocacy_edit, self.advocacy_contact_edit, self.passphrase_edit,
                 self.again_edit]
        for first, then in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, then)
        self.set_photo(None)

    @staticmethod
    def _line(accessible: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        return edit

    # -- filling in -----------------------------------------------------------------------
    def prefill(self, details: WelcomeDetails) -> None:
        """Show details the IRO can keep or change (e.g. those an export holds)."""
        self._base = details.me
        self.name_edit.setText(details.me.name)
        self.email_edit.setText(details.me.email)
        self.phone_edit.setText(details.me.phone)
        self.set_photo(details.me.photo)
        self.council_edit.setText(details.council_name)
        self.nation_combo.setCurrentIndex(max(0, self.nation_combo.findData(details.nation)))
        self.advocacy_edit.setText(details.advocacy_service)
        self.advocacy_contact_edit.setText(details.advocacy_contact)

    def choose_photo(self) -> None:
        """Pick a photo for letters (PNG or JPEG); a file that will not do is explained."""
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose a photo for letters", str(Path.home()), PHOTO_FILE_FILTER
        )
        if not chosen:
            return
        self._show_problem("photo", "")
        try:
            photo = Path(chosen).read_bytes()
            validate_details(MyDetails(name="-", photo=photo))
        except OSError as exc:
            self._show_problem("photo", f"{Path(chosen).name} cannot be read ({exc.strerror}).")
            return
        except ValidationError as exc:
            self._show_problem("photo", exc.problems.get("photo", str(exc)))
            return
        self.set_photo(photo)

    def set_photo(self, photo: bytes | None) -> None:
        """Use ``photo`` on letters (None: no photo), showing it small."""
        self.photo = photo
        pixmap = QPixmap()
        if photo and pixmap.loadFromData(photo):
            self.photo_preview.setPixmap(
                pixmap.scaled(72, 72, Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
            )
        else:
            self.photo_preview.setPixmap(QPixmap())
            self.photo_preview.setText("No photo")
        self.remove_photo_button.setEnabled(photo is not None)

    # -- checking -------------------------------------------------------------------------
    def details(self) -> WelcomeDetails:
        """The details as the form shows them."""
        return WelcomeDetails(
            me=replace(
                self._base,
                name=" ".join(self.name_edit.text().split()),
                email=self.email_edit.text().strip(),
                phone=self.phone_edit.text().strip(),
                photo=self.photo,
            ),
            council_name=self.council_edit.text(),
            nation=str(self.nation_combo.currentData()),
            advocacy_service=self.advocacy_edit.text(),
            advocacy_contact=self.advocacy_contact_edit.text(),
        )

    def error_text(self, field: str) -> str:
        """The problem shown beside a field ('' when none is shown)."""
        label = self._errors[field]
        return label.text().removeprefix("⚠ ") if not label.isHidden() else ""

    def _show_problem(self, field: str, why: str) -> None:
        label = self._errors.get(field)
        if label is None:
            return
        label.setText(f"⚠ {why}" if why else "")
        label.setVisible(bool(why))

    def checked(self) -> tuple[WelcomeDetails, str] | None:
        """(details, passphrase) when they can start a caseload; else problems shown, None."""
        for field in self._errors:
            self._show_problem(field, "")
        details = self.details()
        problems: dict[str, str] = {}
        try:
            check_welcome_details(details)
        except ValidationError as exc:
            problems |= exc.problems
        try:
            check_new_caseload(
                details.me.name or "-", self.passphrase_edit.text(), self.again_edit.text()
            )
        except ValidationError as exc:
            problems |= {key: why for key, why in exc.problems.items() if key != "name"}
        if not problems:
            return details, self.passphrase_edit.text()
        for field, why in problems.items():
            self._show_problem(field, why)
        first = next((self._fields[field] for field in self._fields if field in problems), None)
        if first is not None:
            first.setFocus()
        return None


_ENCRYPTION_NOTE = (
    "The caseload is encrypted with this passphrase: IRO Desk asks for it each time it opens "
    "the file. Keep it safe; without it nobody, you included, can read the caseload."
)


class NewCaseloadDialog(QDialog):
    """File › New caseload…: the IRO's name and a passphrase for an empty caseload at ``path``."""

    def __init__(self, path: Path, parent: QWidget | None = None, *, name: str = "") -> None:
        """Ask for the details of a new caseload at ``path``."""
        super().__init__(parent)
        self.path = Path(path)
        self.store: CaseloadStore | None = None
        self.setWindowTitle("New caseload")
        self.setAccessibleName("New caseload")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        where = QLabel(f"A new, empty caseload will be made at:\n{self.path}")
        where.setTextFormat(Qt.TextFormat.PlainText)
        where.setWordWrap(True)
        layout.addWidget(where)
        self.form = NewCaseloadForm()
        self.form.name_edit.setText(name)
        layout.addWidget(self.form)
        note = QLabel(_ENCRYPTION_NOTE)
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("&Create caseload")
        self.create_button.setAccessibleName("Create the empty caseload")
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _create(self) -> None:
        details = self.form.checked()
        if details is None:
            return
        name, passphrase = details
        try:
            self.store = create_empty_caseload(self.path, iro_name=name, passphrase=passphrase)
        except Exception as exc:  # shown to the IRO; the dialog stays open
            show_exception(self, exc)
            return
        self.accept()


class FirstRunDialog(QDialog):
    """Shown when there is no caseload file yet. On acceptance ``store`` is the open caseload."""

    def __init__(
        self,
        path: Path,
        parent: QWidget | None = None,
        *,
        today: dt.date | None = None,
    ) -> None:
        """Offer to make a caseload at ``path`` (where the app looks for one)."""
        super().__init__(parent)
        self.path = Path(path)
        self.today = today or dt.date.today()
        self.store: CaseloadStore | None = None
        self.choice = ""
        self.pending_import: PendingImport | None = None
        self.setWindowTitle("Welcome to IRO Desk")
        self.setWindowIcon(app_icon())
        self.setAccessibleName("Welcome to IRO Desk")
        self.setMinimumWidth(560)

        # Said when the IRO stopped making a caseload (or checking a file): nothing was made.
        self.stopped_label = QLabel()
        self.stopped_label.setAccessibleName("What was stopped")
        self.stopped_label.setTextFormat(Qt.TextFormat.PlainText)
        self.stopped_label.setWordWrap(True)
        # A framed notice, so it reads as news rather than as part of the page below it.
        self.stopped_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.stopped_label.setMargin(6)
        self.stopped_label.hide()
        self._pages = QStackedWidget(self)
        self._pages.addWidget(self._choices_page())
        self._pages.addWidget(self._details_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.stopped_label)
        layout.addWidget(self._pages)
        self.demo_button.setFocus()

    # -- pages ----------------------------------------------------------------------------
    def _choices_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        heading = QLabel("Welcome to IRO Desk")
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        intro = QLabel(
            "IRO Desk keeps your caseload on this computer, in one file. There is no caseload "
            f"yet at:\n{self.path}\n\nHow would you like to start?"
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(intro)

        self.demo_button, demo_note = _choice_button(
            "Open the &demo caseload",
            f"{DEMO_CHILDREN} invented children with {DEMO_YEARS} years of reviews, visits and "
            "challenges, to try IRO Desk out. Nothing in it is real: it comes with an invented "
            "IRO, council and advocacy service, which you can change in Settings.",
            "Open the demo caseload",
        )
        self.empty_button, empty_note = _choice_button(
            "Start an &empty caseload",
            "For your own children. You give your details for letters and choose a "
            "passphrase now; add children or import your council's extract afterwards.",
            "Start an empty caseload",
        )
        self.import_button, import_note = _choice_button(
            "&Import a council extract or an export…",
            "Start your caseload from your council system's extract (a CSV file) or from an "
            "IRO Desk export (a JSON file). You give your details and a passphrase next.",
            "Import a council extract or an IRO Desk export",
        )
        self.open_button, open_note = _choice_button(
            "Open &another file…",
            "A caseload file you already have, for example one copied from another laptop.",
            "Open another caseload file",
        )
        for button, note in (
            (self.demo_button, demo_note),
            (self.empty_button, empty_note),
            (self.import_button, import_note),
            (self.open_button, open_note),
        ):
            layout.addSpacing(6)
            layout.addWidget(button)
            layout.addWidget(note)
        self.demo_button.clicked.connect(self._make_demo)
        self.empty_button.clicked.connect(lambda: self._ask_details(None))
        self.import_button.clicked.connect(self._choose_import)
        self.open_button.clicked.connect(self._open_other)
        self.demo_button.setDefault(True)

        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.quit_button = QPushButton("&Quit")
        self.quit_button.setAccessibleName("Quit IRO Desk")
        self.quit_button.clicked.connect(self.reject)
        row.addWidget(self.quit_button)
        layout.addLayout(row)
        return page

    def _details_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.details_heading = QLabel("Start an empty caseload")
        font = QFont(self.details_heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.details_heading.setFont(font)
        layout.addWidget(self.details_heading)
        self.import_label = QLabel()
        self.import_label.setAccessibleName("The file to import")
        self.import_label.setTextFormat(Qt.TextFormat.PlainText)
        self.import_label.setWordWrap(True)
        self.import_label.hide()
        layout.addWidget(self.import_label)
        explain = QLabel(
            "Your details go on the letters you send to children; your name goes on the "
            "caseload's history too. You can change all of this later in Settings."
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        self.form = WelcomeForm()
        layout.addWidget(self.form)
        note = QLabel(_ENCRYPTION_NOTE)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        self.back_button = QPushButton("&Back")
        self.back_button.setAccessibleName("Back to the choices")
        self.back_button.clicked.connect(self._back)
        self.create_button = QPushButton("&Create caseload")
        self.create_button.setAccessibleName("Create the caseload")
        self.create_button.clicked.connect(self._make_empty)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout.addLayout(buttons)
        return page

    @property
    def page(self) -> int:
        """0: the choices; 1: asking the IRO's details and a passphrase."""
        return self._pages.currentIndex()

    @property
    def stopped_text(self) -> str:
        """What the dialog says the IRO stopped ('' when nothing was stopped)."""
        return self.stopped_label.text() if not self.stopped_label.isHidden() else ""

    def _say_stopped(self, text: str, then_focus: QWidget | None = None) -> None:
        """Say ``text`` ('' to say nothing) and give ``then_focus`` the focus to try again."""
        self.stopped_label.setText(text)
        self.stopped_label.setAccessibleDescription(text)
        self.stopped_label.setVisible(bool(text))
        if then_focus is not None:
            then_focus.setFocus()

    # -- the choices ----------------------------------------------------------------------
    def _make_demo(self) -> None:
        self._say_stopped("")
        try:
            run_cancellable(
                self,
                "Making the demo caseload…",
                lambda check: create_demo_caseload(self.path, today=self.today, check=check),
            )
            self.store = open_caseload_store(self.path)
        except WorkCancelledError:
            self._say_stopped(NOTHING_MADE, self.demo_button)
            return
        except Exception as exc:  # shown to the IRO; the dialog stays open to try again
            show_exception(self, exc)
            return
        self.choice = "demo"
        self.accept()

    def _ask_details(self, pending: PendingImport | None = None) -> None:
        self._say_stopped("")
        self.pending_import = pending
        if pending is None:
            self.details_heading.setText("Start an empty caseload")
            self.import_label.hide()
            self.create_button.setAccessibleName("Create the empty caseload")
        else:
            self.details_heading.setText("Import into a new caseload")
            self.import_label.setText(f"Importing {pending.description}.")
            self.import_label.show()
            self.create_button.setAccessibleName("Create the caseload and import the file")
            prefilled = pending.prefilled()
            if prefilled is not None:
                self.form.prefill(prefilled)
        self._pages.setCurrentIndex(1)
        self.create_button.setDefault(True)
        self.form.name_edit.setFocus()

    def _back(self) -> None:
        self._say_stopped("")
        self.pending_import = None
        self._pages.setCurrentIndex(0)
        self.demo_button.setFocus()

    def _choose_import(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Import a council extract or an IRO Desk export", str(Path.home()),
            IMPORT_FILE_FILTER,
        )
        if not chosen:
            return
        name = Path(chosen).name
        self._say_stopped("")
        try:
            pending = run_cancellable(
                self, f"Checking {name}…",
                lambda check: read_import(Path(chosen), today=self.today, check=check),
            )
        except WorkCancelledError:
            self._say_stopped(f"Stopped checking {name}.", self.import_button)
            return
        except Exception as exc:  # shown to the IRO; they can choose another file
            show_exception(self, exc)
            return
        self._ask_details(pending)

    def _make_empty(self) -> None:
        checked = self.form.checked()
        if checked is None:
            return
        details, passphrase = checked
        pending = self.pending_import
        text = "Making your caseload…" if pending is None else f"Importing {pending.path.name}…"
        self._say_stopped("")
        try:
            run_cancellable(
                self,
                text,
                lambda check: create_caseload_for_iro(
                    self.path, details=details, passphrase=passphrase, pending=pending,
                    today=self.today, check=check,
                ),
            )
            self.store = open_caseload_store(self.path, passphrase=passphrase)
        except WorkCancelledError:
            self._say_stopped(NOTHING_MADE, self.create_button)
            return
        except Exception as exc:  # shown to the IRO; the dialog stays open
            show_exception(self, exc)
            return
        self.choice = "empty" if pending is None else "import"
        self.accept()

    def _open_other(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Open a caseload file", str(self.path.parent), CASELOAD_FILE_FILTER
        )
        if not chosen:
            return
        self._say_stopped("")
        try:
            store = open_caseload_interactively(Path(chosen), self)
        except CaseloadFileError as exc:
            show_error(self, str(exc))
            return
        if store is None:
            return
        self.store = store
        self.path = Path(chosen)
        self.choice = "open"
        self.accept()
