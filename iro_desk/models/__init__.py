"""The caseload's tables (sqlmodel). Importing this package registers every table."""

from iro_desk.models.base import Record, UtcDateTime, new_id
from iro_desk.models.challenge import Challenge, ChallengeStep, QaTool
from iro_desk.models.child import CareEpisode, CaseTrack, Child
from iro_desk.models.history import ChangeLog, Setting
from iro_desk.models.letter import Letter
from iro_desk.models.people import Iro, Person
from iro_desk.models.review import Decision, Review, Visit
from iro_desk.models.sync import SyncConflict, SyncRun

# Every table whose rows are caseload records, parents before children (for import order).
RECORD_TABLES: tuple[type[Record], ...] = (
    Iro,
    Child,
    CareEpisode,
    CaseTrack,
    Person,
    Review,
    Decision,
    Visit,
    QaTool,
    Challenge,
    ChallengeStep,
    Letter,
)

# Tables that belong to one laptop (sync's conflicts and history): not caseload records, so
# never synced, exported or imported.
LOCAL_TABLES: tuple[type[Record], ...] = (SyncConflict, SyncRun)

__all__ = [
    "LOCAL_TABLES",
    "RECORD_TABLES",
    "CareEpisode",
    "CaseTrack",
    "ChallengeStep",
    "Challenge",
    "ChangeLog",
    "Child",
    "Decision",
    "Iro",
    "Letter",
    "Person",
    "QaTool",
    "Record",
    "Review",
    "Setting",
    "SyncConflict",
    "SyncRun",
    "UtcDateTime",
    "Visit",
    "new_id",
]
