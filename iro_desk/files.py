"""The one way IRO Desk writes a file: a temp file, flushed and synced, then renamed over.

A crash at any moment leaves either the old file or the new one, never half of either.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes, *, private: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; with ``private`` only the user may read it."""
    path = Path(path)
    _make_folder(path.parent, private=private)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if private:
            _make_private(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _sync_folder(path.parent)
    return path


def atomic_write_text(path: Path, text: str, *, private: bool = False) -> Path:
    """Write UTF-8 text to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"), private=private)


def _make_folder(folder: Path, *, private: bool) -> None:
    # A folder made for private files (the letters folder…) is the user's only: the file names
    # carry a child ID. An existing folder is left as the user set it.
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)


def _make_private(path: Path) -> None:
    # Owner read/write only where the OS has POSIX modes; on Windows chmod can only set the
    # read-only flag, so nothing is done there and the user profile's ACLs apply.
    if os.name == "nt":
        return
    with contextlib.suppress(OSError, NotImplementedError):
        path.chmod(0o600)


def _sync_folder(folder: Path) -> None:
    # Make the rename itself durable where the platform allows opening a folder (not Windows).
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
