"""Where IRO Desk's files live: the --db flag, then IRO_DESK_DB, then the user data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_DIR_NAME = "IRO Desk"
DB_ENV_VAR = "IRO_DESK_DB"
DEFAULT_DB_NAME = "caseload.irodesk"


def data_dir() -> Path:
    """The per-user folder for the caseload, backups and drafts."""
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def state_dir() -> Path:
    """The per-user folder for what this laptop remembers between runs (not the caseload)."""
    return Path(platformdirs.user_state_dir(APP_DIR_NAME, appauthor=False))


def log_dir() -> Path:
    """The per-user folder for the log file."""
    return Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False))


def default_db_path() -> Path:
    """The caseload file used when neither --db nor IRO_DESK_DB names one."""
    return data_dir() / DEFAULT_DB_NAME


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The caseload file to use: an explicit path first, then the environment, then the default."""
    if cli_value:
        return Path(cli_value).expanduser().resolve()
    env_value = os.environ.get(DB_ENV_VAR)
    if env_value:
        return Path(env_value).expanduser().resolve()
    return default_db_path()


def resources_dir() -> Path:
    """The app's ``resources`` folder (icons, fonts, letter art, help, the language list).

    In a source checkout or an installed tree it sits beside the ``iro_desk`` package; in a
    PyInstaller bundle it is unpacked under ``sys._MEIPASS``.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    """A file under ``resources``, e.g. ``resource_path("icons", "iro-desk.svg")``."""
    return resources_dir().joinpath(*parts)
