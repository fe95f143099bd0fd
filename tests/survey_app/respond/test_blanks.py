"""A blank made of spaces on the adults page is no answer (it was a 500, or stored " ")."""

import pytest
from sqlmodel import select

from survey_app.models import Answer


@pytest.mark.parametrize("field", ["reliability", "staff_id", "frequency", "relation",
                                   "lives_with", "support"])
def test_a_blank_of_spaces_on_the_adults_page_is_no_answer(client, started, session, field):
    started()
    r = client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-name": "Rosa",
                                            f"adults-0-{field}": " "})
    assert r.status_code == 302, r.data[-1500:]
    session.rollback()
    value = session.exec(select(Answer.value).where(Answer.item_id == "adults")).one()
    assert value["name"] == "Rosa"
    assert value.get(field) in (None, [], False) or field == "support"
    assert " " not in (value.get("frequency"), value.get("relation"))


def test_the_letters_language_starts_as_the_one_the_family_answers_in(client, invite):
    inv = invite("family", language="so")
    client.get(f"/r/{inv.token}")
    page = client.get("/survey/contact").data.decode()
    assert '<option selected value="so">' in page or 'value="so" selected' in page
