"""Autosaved drafts: written privately, read back as written, removed after saving."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest

from iro_desk import paths
from iro_desk.drafts import DraftStore, default_drafts_dir

KEY = "review:0b6c5d0e-8d53-4c1e-9f3f-2f8f1b0f6a11"
WHEN = dt.datetime(2027, 1, 4, 14, 5, tzinfo=dt.UTC)


def test_a_draft_comes_back_as_it_was_written(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path / "drafts")
    fields = {"child_views": "I want to stay with Jo 💙", "decisions": [{"text": "PEP"}]}
    drafts.save(KEY, fields, now=WHEN)
    draft = drafts.load(KEY)
    assert draft is not None
    assert draft.fields == fields
    assert draft.saved_at == WHEN
    assert draft.key == KEY


def test_saving_again_replaces_the_draft(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path)
    drafts.save(KEY, {"iro_summary": "first"})
    drafts.save(KEY, {"iro_summary": "second"})
    assert drafts.load(KEY).fields == {"iro_summary": "second"}
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_no_draft_means_none(tmp_path: Path) -> None:
    assert DraftStore(tmp_path).load(KEY) is None


def test_discarding_removes_the_file(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path)
    drafts.save(KEY, {"venue": "Demo Centre"})
    drafts.discard(KEY)
    assert drafts.load(KEY) is None
    assert list(tmp_path.iterdir()) == []
    drafts.discard(KEY)  # nothing there: no error


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_drafts_are_readable_only_by_the_user(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path / "drafts")
    path = drafts.save(KEY, {"child_views": "private"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "content",
    [
        pytest.param('{"format": "iro-desk-draft", "key": "review:', id="cut-short"),
        pytest.param('{"format": "something-else"}', id="not-a-draft"),
        pytest.param("[1, 2, 3]", id="not-an-object"),
    ],
)
def test_an_unreadable_draft_is_set_aside_not_lost(tmp_path: Path, content: str) -> None:
    drafts = DraftStore(tmp_path)
    path = drafts.path_for(KEY)
    path.write_text(content, encoding="utf-8")
    assert drafts.load(KEY) is None
    assert not path.exists()
    assert path.with_suffix(".unreadable").read_text(encoding="utf-8") == content


def test_a_draft_for_another_key_is_not_taken(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path)
    drafts.save("new-review:abc", {"venue": "x"})
    other = drafts.path_for("new-review:abc")
    drafts.path_for(KEY).write_text(other.read_text(encoding="utf-8"), encoding="utf-8")
    assert drafts.load(KEY) is None


def test_keys_with_odd_characters_get_distinct_safe_file_names(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path)
    first = drafts.path_for("review:a/b")
    second = drafts.path_for("review:a:b")
    assert first != second
    assert first.parent == tmp_path and "/" not in first.name


def test_the_file_says_what_it_is(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path)
    document = json.loads(drafts.save(KEY, {"a": 1}, now=WHEN).read_text(encoding="utf-8"))
    assert document["format"] == "iro-desk-draft"
    assert document["version"] == 1
    assert document["saved_at"] == "2027-01-04T14:05:00+00:00"


def test_keys_lists_the_drafts_waiting(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path)
    drafts.save("visit:2", {}, now=WHEN + dt.timedelta(minutes=1))
    drafts.save("visit:1", {}, now=WHEN)
    assert drafts.keys() == ["visit:1", "visit:2"]


def test_drafts_live_in_the_user_data_folder_by_default() -> None:
    assert DraftStore().folder == default_drafts_dir() == paths.data_dir() / "drafts"


def test_saved_at_text_is_local_time_for_people() -> None:
    from iro_desk.drafts import Draft

    draft = Draft(key=KEY, saved_at=WHEN, fields={})
    local = WHEN.astimezone()
    assert draft.saved_at_text() == f"{local:%H:%M} on 4 Jan 2027"
