"""The IRO's own details, for letters."""

from __future__ import annotations

import pytest

from iro_desk.errors import ValidationError
from iro_desk.profile import MyDetails, get_me, save_me
from iro_desk.store import CaseloadStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_my_details_are_saved_once_and_updated(store: CaseloadStore) -> None:
    with store.session() as session:
        save_me(session, MyDetails(name="Robin Example", email="robin@council.invalid"))
    with store.session() as session:
        save_me(session, MyDetails(name="Robin Example", phone="01234 000000", photo=PNG))
    with store.session() as session:
        me = get_me(session)
        assert me is not None
        assert (me.name, me.phone, me.photo) == ("Robin Example", "01234 000000", PNG)


@pytest.mark.parametrize(
    ("details", "field"),
    [
        (MyDetails(name="   "), "name"),
        (MyDetails(name="Robin", email="robin at council"), "email"),
        (MyDetails(name="Robin", photo=b"GIF89a..."), "photo"),
        (MyDetails(name="Robin", profile_text="x" * 5000), "profile_text"),
    ],
    ids=["name of only spaces", "email without @", "photo not png or jpeg", "about me too long"],
)
def test_details_a_letter_could_not_use_are_refused(
    store: CaseloadStore, details: MyDetails, field: str
) -> None:
    with pytest.raises(ValidationError) as caught, store.session() as session:
        save_me(session, details)
    assert field in caught.value.problems
    with store.session() as session:
        assert get_me(session) is None
