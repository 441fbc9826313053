"""The Settings dialog, grouped as an IRO thinks of them: Me, Letters, Timescales, Challenges,
Sync and Security. Everything the first run asked can be changed here.

Settings live in the caseload file (``iro_desk.settings``); "Me" is the IRO's own row
(``iro_desk.profile``). Problems are shown beside the field, and nothing is saved until all of
them are fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from iro_desk.errors import IroDeskError, ValidationError
from iro_desk.profile import MyDetails, get_me, save_me
from iro_desk.settings import NATIONS, Settings, load_settings, update_settings
from iro_desk.store import CaseloadStore
from iro_desk.sync.team_key import import_team_key, read_key_file, team_keyring
from iro_desk.ui.first_run import run_with_progress

MIN_PASSPHRASE = 8

SYNC_SCOPES = {
    "mine": "Only the children allocated to me and those I cover",
    "all": "Every child on the team file",
}

ICS_DETAIL = {
    "initials": "Initials and child ID (recommended)",
    "first_name": "First name and child ID",
    "full_name": "Full name and child ID",
}


def _line(name: str, text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setAccessibleName(name)
    return edit


def _spin(name: str, value: int, low: int, high: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setAccessibleName(name)
    return spin


def _text(name: str, text: str, *, lines: int = 4) -> QPlainTextEdit:
    edit = QPlainTextEdit(text)
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    return edit


class SettingsDialog(QDialog):
    """Edit the settings and the IRO's own details; Save writes both in one transaction."""

    def __init__(self, store: CaseloadStore, parent: QWidget | None = None) -> None:
        """Load the current settings and details from ``store``."""
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        with store.session() as session:
            self.settings = load_settings(session)
            me = get_me(session)
            self.details = MyDetails(
                name=me.name, job_title=me.job_title, team=me.team, email=me.email,
                phone=me.phone, mobile=me.mobile, profile_text=me.profile_text,
                identity=me.identity, photo=me.photo,
            ) if me else MyDetails(name="")
        self.photo: bytes | None = self.details.photo
        self.errors: dict[str, QLabel] = {}
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings groups")
        self.tabs.addTab(self._me_tab(), "&Me")
        self.tabs.addTab(self._letters_tab(), "&Letters")
        self.tabs.addTab(self._timescales_tab(), "&Timescales")
        self.tabs.addTab(self._challenges_tab(), "C&hallenges")
        self.tabs.addTab(self._sync_tab(), "S&ync")
        self.tabs.addTab(self._security_tab(), "Sec&urity")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Problems to fix")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save settings")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(640, 560)

    # -- building ------------------------------------------------------------------------
    def _row(self, form: QFormLayout, label: str, field: str, widget: QWidget) -> None:
        error = QLabel()
        error.setObjectName("fieldError")
        error.setStyleSheet("color: palette(highlighted-text); background: #b00020; padding: 2px;")
        error.setWordWrap(True)
        error.hide()
        error.setAccessibleName(f"Problem with {label.replace('&', '').lower()}")
        self.errors[field] = error
        box = QWidget()
        # As tall as its field and message, no taller: a tall box floats away from its label.
        box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(widget)
        inner.addWidget(error)
        form.addRow(label, box)
        if isinstance(form.labelForField(box), QLabel):
            form.labelForField(box).setBuddy(widget)  # type: ignore[union-attr]

    def _me_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        d = self.details
        self.name_edit = _line("Your name", d.name)
        self.job_edit = _line("Job title", d.job_title)
        self.team_edit = _line("Team", d.team)
        self.email_edit = _line("Email", d.email)
        self.phone_edit = _line("Phone", d.phone)
        self.mobile_edit = _line("Mobile", d.mobile)
        self.about_edit = _text("About me, for letters", d.profile_text, lines=5)
        self.photo_label = QLabel()
        self.photo_label.setAccessibleName("Photo for letters")
        self.photo_label.setFixedSize(96, 96)
        self.photo_label.setFrameShape(QLabel.Shape.Box)
        self.photo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        choose = QPushButton("Choose &photo…")
        choose.setAccessibleName("Choose a photo for letters")
        choose.clicked.connect(self._choose_photo)
        clear = QPushButton("Remove photo")
        clear.setAccessibleName("Remove the photo")
        clear.clicked.connect(lambda: self._set_photo(None))
        photo_row = QWidget()
        row = QHBoxLayout(photo_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.photo_label)
        row.addWidget(choose)
        row.addWidget(clear)
        row.addStretch(1)
        self._set_photo(self.photo)
        self._row(form, "&Name", "name", self.name_edit)
        self._row(form, "&Job title", "job_title", self.job_edit)
        self._row(form, "T&eam", "team", self.team_edit)
        self._row(form, "E&mail", "email", self.email_edit)
        self._row(form, "P&hone", "phone", self.phone_edit)
        self._row(form, "Mo&bile", "mobile", self.mobile_edit)
        self._row(form, "&About me", "profile_text", self.about_edit)
        self._row(form, "Photo", "photo", photo_row)
        return page

    def _letters_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        s = self.settings
        self.council_edit = _line("Council name", s.council_name)
        self.advocacy_edit = _line("Advocacy service", s.advocacy_service)
        self.advocacy_contact_edit = _line("Advocacy service contact", s.advocacy_contact)
        self.complaints_edit = _text("How to complain", s.complaints_contact, lines=3)
        self.letters_folder_edit = _line("Letters folder", s.letters_folder)
        self.letters_folder_edit.setPlaceholderText("The letters folder in your IRO Desk data")
        self.retention_spin = _spin("Offer to remove letters older than", s.letter_retention_days,
                                    30, 3650, " days")
        self._row(form, "&Council", "council_name", self.council_edit)
        self._row(form, "Ad&vocacy service", "advocacy_service", self.advocacy_edit)
        self._row(form, "Advocacy c&ontact", "advocacy_contact", self.advocacy_contact_edit)
        self._row(form, "How to com&plain", "complaints_contact", self.complaints_edit)
        self._row(form, "Letters &folder", "letters_folder", self.letters_folder_edit)
        self._row(form, "Remove letters &after", "letter_retention_days", self.retention_spin)
        return page

    def _timescales_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        s = self.settings
        self.nation_combo = QComboBox()
        self.nation_combo.setAccessibleName("Bank holidays of")
        for code, name in NATIONS.items():
            self.nation_combo.addItem(name, code)
        self.nation_combo.setCurrentIndex(max(0, self.nation_combo.findData(s.nation)))
        self.target_spin = _spin("Book reviews this many weeks before the deadline",
                                 s.target_weeks_before_deadline, 0, 26, " weeks")
        self.visit_spin = _spin("Pre-review visit window", s.visit_window_working_days, 1, 60,
                                " working days")
        self.due_soon_spin = _spin("Due soon horizon", s.due_soon_days, 1, 90, " days")
        self.pf_first_spin = _spin("First private fostering review",
                                   s.private_fostering_first_months, 1, 24, " months")
        self.pf_then_spin = _spin("Later private fostering reviews",
                                  s.private_fostering_interval_months, 1, 24, " months")
        self.sb_first_spin = _spin("First short-break review", s.short_break_first_months, 1, 24,
                                   " months")
        self.sb_then_spin = _spin("Later short-break reviews", s.short_break_interval_months, 1,
                                  24, " months")
        self.decisions_spin = _spin("Decisions circulated within",
                                    s.decisions_circulated_working_days, 1, 60, " working days")
        self.record_spin = _spin("Record completed within", s.record_completed_working_days, 1, 90,
                                 " working days")
        self.intro_spin = _spin("Introduction letter sent within", s.intro_letter_working_days,
                                1, 60, " working days")
        note = QLabel("The statutory timescales themselves are fixed by law; see Help ▸ "
                      "Statutory rules. These are your council's local practice.")
        note.setWordWrap(True)
        form.addRow(note)
        self._row(form, "&Bank holidays of", "nation", self.nation_combo)
        self._row(form, "Book &target", "target_weeks_before_deadline", self.target_spin)
        self._row(form, "&Visit window", "visit_window_working_days", self.visit_spin)
        self._row(form, "&Due soon", "due_soon_days", self.due_soon_spin)
        self._row(form, "Private fostering: &first", "private_fostering_first_months",
                  self.pf_first_spin)
        self._row(form, "Private fostering: t&hen", "private_fostering_interval_months",
                  self.pf_then_spin)
        self._row(form, "Short breaks: fi&rst", "short_break_first_months", self.sb_first_spin)
        self._row(form, "Short breaks: th&en", "short_break_interval_months", self.sb_then_spin)
        self._row(form, "Decisions &circulated", "decisions_circulated_working_days",
                  self.decisions_spin)
        self._row(form, "Record c&ompleted", "record_completed_working_days", self.record_spin)
        self._row(form, "&Introduction letter", "intro_letter_working_days", self.intro_spin)
        return page

    def _challenges_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        s = self.settings
        ladder = "\n".join(
            f"{rung.level} | {rung.name} | {rung.addressed_to_role} | {rung.response_working_days}"
            for rung in s.challenge_ladder
        )
        self.ladder_edit = _text("Escalation ladder", ladder, lines=7)
        self.skip_check = QCheckBox("The IRO may skip a level")
        self.skip_check.setChecked(s.allow_skipping_levels)
        self.skip_check.setAccessibleName("The IRO may skip a level")
        self.themes_edit = _text("Challenge themes, one a line", "\n".join(s.challenge_themes),
                                 lines=6)
        self.qa_edit = _text("QA tool checklist items, one a line", "\n".join(s.qa_items),
                             lines=7)
        help_text = QLabel("Ladder: one level a line — level | name | addressed to | response "
                           "time in working days.")
        help_text.setWordWrap(True)
        form.addRow(help_text)
        self._row(form, "&Ladder", "challenge_ladder", self.ladder_edit)
        self._row(form, "", "allow_skipping_levels", self.skip_check)
        self._row(form, "&Themes", "challenge_themes", self.themes_edit)
        self._row(form, "&QA checklist", "qa_items", self.qa_edit)
        return page

    def _sync_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        s = self.settings
        self.share_edit = _line("Team share folder", s.team_share_folder)
        browse = QPushButton("&Browse…")
        browse.setAccessibleName("Choose the team share folder")
        browse.clicked.connect(self._choose_share)
        row_widget = QWidget()
        row = QHBoxLayout(row_widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.share_edit, 1)
        row.addWidget(browse)
        self.identity_edit = _line("Your sign-in name for sync", s.my_iro_identity)
        self.ics_combo = QComboBox()
        self.ics_combo.setAccessibleName("What calendar events show of the child")
        for code, text in ICS_DETAIL.items():
            self.ics_combo.addItem(text, code)
        self.ics_combo.setCurrentIndex(max(0, self.ics_combo.findData(s.ics_detail)))
        self.scope_combo = QComboBox()
        self.scope_combo.setAccessibleName("Which children this laptop keeps")
        for code, text in SYNC_SCOPES.items():
            self.scope_combo.addItem(text, code)
        self.scope_combo.setCurrentIndex(max(0, self.scope_combo.findData(s.sync_scope)))
        self.keep_spin = _spin("Days old team files are kept on the share",
                               s.sync_keep_days, 1, 365, " days")
        self.team_key_label = QLabel()
        self.team_key_label.setWordWrap(True)
        self.team_key_label.setAccessibleName("Team key")
        import_key = QPushButton("&Import team key…")
        import_key.setAccessibleName("Import the team key file from your manager")
        import_key.clicked.connect(self._import_team_key_file)
        key_widget = QWidget()
        key_row = QHBoxLayout(key_widget)
        key_row.setContentsMargins(0, 0, 0, 0)
        key_row.addWidget(self.team_key_label, 1)
        key_row.addWidget(import_key)
        self._show_team_key()
        self._row(form, "Team &share", "team_share_folder", row_widget)
        self._row(form, "Your sign-&in name", "my_iro_identity", self.identity_edit)
        self._row(form, "This laptop &keeps", "sync_scope", self.scope_combo)
        self._row(form, "Keep old team &files", "sync_keep_days", self.keep_spin)
        self._row(form, "Team &key", "team_key", key_widget)
        self._row(form, "Calendar events &show", "ics_detail", self.ics_combo)
        return page

    def _show_team_key(self) -> None:
        keyring = team_keyring(self.store)
        if keyring is None:
            self.team_key_label.setText(
                "No team key: files this laptop puts on the share are not encrypted. Ask your "
                "manager for the team key file."
            )
        else:
            self.team_key_label.setText(f"Team key {keyring.current.fingerprint}")

    def _import_team_key_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Import the team key", str(Path.home()), "Team key (*.irokey);;All files (*)"
        )
        if chosen:
            self.import_team_key(Path(chosen))

    def import_team_key(self, path: Path) -> bool:
        """Keep the team key in ``path`` in this caseload; problems shown beside the field."""
        try:
            key = read_key_file(path)
            import_team_key(self.store, key)
        except (IroDeskError, OSError) as exc:
            self.show_problems({"team_key": str(exc)})
            return False
        self.show_problems({})
        self._show_team_key()
        return True

    def _security_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.lock_spin = _spin("Lock after this many idle minutes",
                               self.settings.lock_after_minutes, 1, 120, " minutes")
        state = QLabel("This caseload is encrypted." if self.store.encrypted else
                       "⚠ This caseload is NOT encrypted. Set a passphrase to encrypt it.")
        state.setWordWrap(True)
        state.setAccessibleName("Encryption state")
        form.addRow(state)
        self.passphrase_button = QPushButton(
            "Change the &passphrase…" if self.store.encrypted else "&Encrypt this caseload…"
        )
        self.passphrase_button.setAccessibleName(self.passphrase_button.text().replace("&", ""))
        self.passphrase_button.clicked.connect(self._change_passphrase)
        self.encryption_state = state
        form.addRow(self.passphrase_button)
        self._row(form, "&Lock after", "lock_after_minutes", self.lock_spin)
        return page

    def _change_passphrase(self) -> None:
        dialog = PassphraseDialog(self.store, self)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.encryption_state.setText("This caseload is encrypted.")
                self.passphrase_button.setText("Change the &passphrase…")
        finally:
            dialog.deleteLater()

    # -- photo and folders ---------------------------------------------------------------
    def _choose_photo(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose a photo for letters", str(Path.home()), "Pictures (*.png *.jpg *.jpeg)"
        )
        if chosen:
            self._set_photo(Path(chosen).read_bytes())

    def _set_photo(self, photo: bytes | None) -> None:
        self.photo = photo
        pixmap = QPixmap()
        if photo and pixmap.loadFromData(photo):
            self.photo_label.setPixmap(
                pixmap.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
            )
        else:
            self.photo_label.setPixmap(QPixmap())
            self.photo_label.setText("No photo")

    def _choose_share(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose the team share folder")
        if chosen:
            self.share_edit.setText(chosen)

    # -- saving --------------------------------------------------------------------------
    def collected_details(self) -> MyDetails:
        """The IRO's details as the form shows them."""
        return MyDetails(
            name=self.name_edit.text(), job_title=self.job_edit.text(), team=self.team_edit.text(),
            email=self.email_edit.text(), phone=self.phone_edit.text(),
            mobile=self.mobile_edit.text(), profile_text=self.about_edit.toPlainText(),
            identity=self.identity_edit.text(), photo=self.photo,
        )

    def collected_settings(self) -> dict[str, object]:
        """Every setting as the form shows it (the ladder parsed from its lines)."""
        lines: Callable[[QPlainTextEdit], list[str]] = lambda edit: [  # noqa: E731
            line.strip() for line in edit.toPlainText().splitlines() if line.strip()
        ]
        return {
            "council_name": self.council_edit.text().strip(),
            "advocacy_service": self.advocacy_edit.text().strip(),
            "advocacy_contact": self.advocacy_contact_edit.text().strip(),
            "complaints_contact": self.complaints_edit.toPlainText().strip(),
            "letters_folder": self.letters_folder_edit.text().strip(),
            "letter_retention_days": self.retention_spin.value(),
            "nation": self.nation_combo.currentData(),
            "target_weeks_before_deadline": self.target_spin.value(),
            "visit_window_working_days": self.visit_spin.value(),
            "due_soon_days": self.due_soon_spin.value(),
            "private_fostering_first_months": self.pf_first_spin.value(),
            "private_fostering_interval_months": self.pf_then_spin.value(),
            "short_break_first_months": self.sb_first_spin.value(),
            "short_break_interval_months": self.sb_then_spin.value(),
            "decisions_circulated_working_days": self.decisions_spin.value(),
            "record_completed_working_days": self.record_spin.value(),
            "intro_letter_working_days": self.intro_spin.value(),
            "challenge_ladder": [_parse_rung(line) for line in lines(self.ladder_edit)],
            "allow_skipping_levels": self.skip_check.isChecked(),
            "challenge_themes": lines(self.themes_edit),
            "qa_items": lines(self.qa_edit),
            "team_share_folder": self.share_edit.text().strip(),
            "my_iro_identity": self.identity_edit.text().strip(),
            "sync_scope": self.scope_combo.currentData(),
            "sync_keep_days": self.keep_spin.value(),
            "ics_detail": self.ics_combo.currentData(),
            "lock_after_minutes": self.lock_spin.value(),
        }

    def show_problems(self, problems: dict[str, str]) -> None:
        """Show each problem beside its field, and say how many there are."""
        for field, label in self.errors.items():
            message = problems.get(field) or next(
                (why for key, why in problems.items() if key.startswith(f"{field}.")), ""
            )
            label.setText(f"⚠ {message}" if message else "")
            label.setVisible(bool(message))
        count = len(problems)
        self.summary.setText(
            "" if not count else f"⚠ {count} thing{'s' if count != 1 else ''} to fix before "
            "saving (shown beside the field)."
        )
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if any(label.isVisibleTo(page) for label in self.errors.values()
                   if page.isAncestorOf(label)):
                self.tabs.setCurrentIndex(index)
                break

    def save(self) -> None:
        """Validate everything, then save settings and details together."""
        problems: dict[str, str] = {}
        try:
            changes = self.collected_settings()
        except ValueError as exc:
            problems["challenge_ladder"] = str(exc)
            changes = {}
        try:
            with self.store.session() as session:
                if changes:
                    update_settings(session, **changes)
                save_me(session, self.collected_details())
        except ValidationError as exc:
            problems |= exc.problems or {"name": str(exc)}
        self.show_problems(problems)
        if not problems:
            self.accept()

    def saved_settings(self) -> Settings:
        """The settings as stored now."""
        with self.store.session() as session:
            return load_settings(session)


def _parse_rung(line: str) -> dict[str, object]:
    parts = [part.strip() for part in line.split("|")]
    if len(parts) != 4 or not parts[0].isdigit() or not parts[3].isdigit():
        raise ValueError(
            f"'{line}' should be: level | name | addressed to | working days (e.g. "
            "'2 | Level 2 | Team manager | 5')."
        )
    return {"level": int(parts[0]), "name": parts[1], "addressed_to_role": parts[2],
            "response_working_days": int(parts[3])}


class PassphraseDialog(QDialog):
    """Encrypt a plain caseload, or change an encrypted one's passphrase (re-keyed safely)."""

    def __init__(self, store: CaseloadStore, parent: QWidget | None = None) -> None:
        """Ask for the current passphrase (when encrypted) and the new one twice."""
        super().__init__(parent)
        self.store = store
        encrypting = not store.encrypted
        self.setWindowTitle("Encrypt the caseload" if encrypting else "Change the passphrase")
        self.setAccessibleName(self.windowTitle())
        form = QFormLayout(self)
        intro = QLabel(
            "Choose a passphrase of at least 8 characters. Without it nobody, you included, can "
            "open this caseload: keep it somewhere safe (your council's password manager)."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.old_edit = _line("Current passphrase")
        self.new_edit = _line("New passphrase")
        self.again_edit = _line("New passphrase again")
        for edit in (self.old_edit, self.new_edit, self.again_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        if not encrypting:
            form.addRow("&Current passphrase", self.old_edit)
        form.addRow("&New passphrase", self.new_edit)
        form.addRow("New passphrase &again", self.again_edit)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem with the passphrase")
        self.problem.hide()
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "&Encrypt" if encrypting else "&Change"
        )
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _say(self, text: str) -> None:
        self.problem.setText(f"⚠ {text}")
        self.problem.setVisible(bool(text))

    def apply(self) -> None:
        """Check the new passphrase, then re-key; a problem is shown here, nothing changed."""
        new = self.new_edit.text()
        if len(new) < MIN_PASSPHRASE:
            self._say(f"The new passphrase needs at least {MIN_PASSPHRASE} characters.")
            return
        if new != self.again_edit.text():
            self._say("The two new passphrases are not the same.")
            return
        old = self.old_edit.text()
        # Re-keying rewrites the whole file (seconds for a big caseload): off the GUI thread,
        # with progress shown, and not stoppable: it is one step, done or not done.
        doing = "Changing the passphrase…" if self.store.encrypted else "Encrypting the caseload…"
        try:
            run_with_progress(self, doing, lambda: self.store.change_passphrase(old, new))
        except IroDeskError as exc:
            self._say(str(exc))
            return
        self.accept()
