"""Saved adults fold to one line on the adults page (issue 15: a survey a child finishes).

A folded adult is a closed ``<details>``: its questions are still fields of the page form
(sent with every save, so nothing is lost), shown on a tap, with or without JavaScript.
The block being filled, a block with a mistake and a block with a staff search stay open.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Blocks(HTMLParser):
    """Each form field's name → whether it sits in a folded adult; the summaries' text."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # open <details class="adult-folded"> elements (and those inside)
        self.details = 0
        self.fields: dict[str, bool] = {}
        self.checked: set[str] = set()
        self.summaries: list[str] = []
        self._summary = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details":
            self.details += 1
            if "adult-folded" in (a.get("class") or "") or self.depth:
                self.depth += 1
        elif tag == "summary" and self.depth == 1:  # a folded adult's own line
            self._summary = True
            self.summaries.append("")
        elif tag in ("input", "select", "textarea") and a.get("name"):
            self.fields.setdefault(a["name"], bool(self.depth))
            if "checked" in a:
                self.checked.add(f"{a['name']}={a.get('value')}")

    def handle_endtag(self, tag):
        if tag == "details" and self.depth:
            self.depth -= 1
        elif tag == "summary":
            self._summary = False

    def handle_data(self, data):
        if self._summary:
            self.summaries[-1] += data


def _read(html: str) -> _Blocks:
    parsed = _Blocks()
    parsed.feed(html)
    return parsed


ROSA = {"adults-0-entry": "", "adults-0-name": "Rosa", "adults-0-relation": "aunt_uncle",
        "adults-0-support": "emotional", "adults-0-reliability": "4", "adults-0-lives_with": "no"}


def test_a_saved_adult_folds_and_keeps_its_answers_in_the_form(client, started):
    started()
    r = client.post("/survey/adults", data={**ROSA, "action": "add"})
    page = _read(client.get(r.headers["Location"]).get_data(as_text=True))
    assert page.fields["adults-0-name"] is True  # folded, and still a field of the form
    assert page.fields["adults-0-reliability"] is True
    assert {"adults-0-reliability=4", "adults-0-lives_with=no"} <= page.checked
    assert page.fields["adults-1-name"] is False  # the new one is open
    (summary,) = page.summaries
    assert "Rosa" in summary
    assert "Show or change" in summary


def test_the_folded_line_speaks_the_page_language(client, started):
    started()
    client.post("/survey/adults", data=ROSA)
    page = _read(client.get("/survey/adults?lang=es").get_data(as_text=True))
    (summary,) = page.summaries
    assert "Rosa" in summary
    assert "Ver o cambiar" in summary


def test_a_block_with_a_mistake_or_a_staff_search_stays_open(client, started, school_staff):
    started()
    client.post("/survey/adults", data=ROSA)
    # The saved adult sent back without a name: the mistake must be seen, so it is open.
    r = client.post("/survey/adults", data={**ROSA, "adults-0-entry": "0", "adults-0-name": ""})
    assert r.status_code == 400
    page = _read(r.get_data(as_text=True))
    assert page.fields["adults-0-name"] is False
    assert page.summaries == []
    # A search for a staff member in a saved block shows the matches, open.
    r = client.post("/survey/adults", data={**ROSA, "adults-0-entry": "0",
                                            "adults-0-staff_query": "rive", "find": "0"})
    page = _read(client.get(r.headers["Location"]).get_data(as_text=True))
    assert page.fields["adults-0-staff_id"] is False
    assert page.summaries == []
