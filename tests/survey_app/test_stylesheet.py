"""The stylesheet keeps the page inside a phone's width whatever staff type: every grid it
declares lets its items be narrower than their longest word (``min-width: 0``), which then
wraps (``overflow-wrap``) instead of widening the page. A plan's progress note of one long
word made a teacher's "my students" list 2,868 px wide at 390."""

from __future__ import annotations

import re

from tests.paths import ROOT

CSS = (ROOT / "survey_app" / "static" / "css" / "app.css").read_text(encoding="utf-8")


def _rules() -> list[tuple[str, str]]:
    body = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    body = re.sub(r"@media[^{]*{((?:[^{}]*{[^{}]*})*)[^{}]*}", r"\1", body)  # unwrap media
    return [(sel.strip(), decl) for sel, decl in re.findall(r"([^{}]+){([^{}]*)}", body)]


def test_every_grid_lets_its_items_shrink():
    shrinking = next(sel for sel, decl in _rules()
                     if ":where(" in sel and re.search(r"min-width:\s*0", decl))
    listed = {s.strip() for s in re.search(r":where\(([^)]*)\)", shrinking).group(1).split(",")}
    grids = {s.strip() for sel, decl in _rules() if re.search(r"display:\s*grid", decl)
             for s in sel.split(",")}
    # a table cell laid out as a grid holds its own label and value, not a page's width
    missing = {g for g in grids if not g.endswith(" td")} - listed
    assert not missing, f"grids whose items cannot shrink below their longest word: {missing}"


def test_long_words_wrap():
    assert any(sel == "body" and re.search(r"overflow-wrap:\s*break-word", decl)
               for sel, decl in _rules())
