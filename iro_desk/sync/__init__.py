"""Sync with the team share: the merge (engine), the share folder (share), and what a laptop
remembers between syncs (state). See docs/sync.md."""

from iro_desk.sync.engine import (
    SyncItem,
    SyncNeedsConfirmationError,
    SyncReport,
    sync_caseload,
    work_folder,
)
from iro_desk.sync.share import ShareFileRefusedError, ShareUnavailableError, TeamShare

__all__ = [
    "ShareFileRefusedError",
    "ShareUnavailableError",
    "SyncItem",
    "SyncNeedsConfirmationError",
    "SyncReport",
    "TeamShare",
    "sync_caseload",
    "work_folder",
]
