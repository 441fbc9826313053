"""Sync test helpers: a laptop is a caseload file of its own; the team share is a folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import select

from iro_desk.clock import FixedClock
from iro_desk.history import record_values
from iro_desk.models import Child, Iro, Record
from iro_desk.settings import Settings, load_settings, update_settings
from iro_desk.store import CaseloadStore
from iro_desk.sync.engine import SyncReport, sync_caseload
from iro_desk.sync.state import TABLES

TODAY = dt.date(2027, 1, 4)


@dataclass
class Laptop:
    """One IRO's laptop: a caseload file of its own, synced with the shared folder."""

    name: str
    store: CaseloadStore
    share: Path
    reports: list[SyncReport] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        with self.store.session() as session:
            return load_settings(session)

    def configure(self, **changes: Any) -> None:
        with self.store.session() as session:
            update_settings(session, **changes)

    def sync(self, **kwargs: Any) -> SyncReport:
        kwargs.setdefault("clock", FixedClock(TODAY))
        report = sync_caseload(self.store, self.settings, **kwargs)
        self.reports.append(report)
        return report

    def child(self, ref: str) -> Child:
        with self.store.session() as session:
            return session.exec(select(Child).where(Child.child_ref == ref)).one()

    def get(self, model: type[Record], row_id: Any) -> Any:
        with self.store.session() as session:
            return session.get(model, row_id)

    def edit(self, model: type[Record], row_id: Any, **changes: Any) -> None:
        with self.store.session() as session:
            record = session.get(model, row_id)
            assert record is not None, f"{model.__name__} {row_id} is not on {self.name}"
            for name, value in changes.items():
                setattr(record, name, value)
            session.add(record)

    def add(self, record: Record) -> Any:
        with self.store.session() as session:
            session.add(record)
        return record.id

    def snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every record's values (what an export holds), minus what is one laptop's own."""
        values: dict[str, dict[str, dict[str, Any]]] = {}
        with self.store.session() as session:
            for name, spec in TABLES.items():
                rows = {}
                for record in session.exec(select(spec.model)):
                    row = record_values(record)
                    for local in spec.local_only:
                        row.pop(local, None)
                    rows[str(record.id)] = row
                values[name] = rows
        return values

    def ids(self, model: type[Record]) -> set[Any]:
        with self.store.session() as session:
            return {record.id for record in session.exec(select(model))}



LaptopFactory = Callable[..., Laptop]


def add_colleague(machine: Laptop, name: str, identity: str) -> Any:
    """Another IRO on the team file."""
    return machine.add(Iro(name=name, identity=identity, email=f"{identity}@council.invalid"))
