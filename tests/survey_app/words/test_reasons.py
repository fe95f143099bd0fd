"""Every flag code as a sentence in en, es and ar, through words/reasons.py, with the
plural boundaries (0, 1, 2, 3, 11, 100: Arabic's six forms zero/one/two/few/many/other)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from relationships.input_tables import SUPPORT_TYPES
from relationships.rules import CODES
from survey_app.words import reasons

NAMES = {7: "Nana", 1: "Ms A", 2: "Mr B", 3: "Dr C"}
#: params per code, as relationships reports them
PARAMS = {
    "no_data": {}, "no_reliable_adult": {}, "single_anchor": {"adult_id": 7},
    "few_reliable_adults": {"count": 1, "minimum": 3}, "no_school_adult": {"view": "student"},
    "narrow_web": {"settings": ["family"]}, "support_gap": {"missing": ["emotional"]},
    "no_future_guide": {}, "perception_gap": {"marked_not_named": [1], "named_not_marked": []},
    "access_barrier": {"internet": "phone_only", "no_device": True},
    "lost_adults": {"count": 1, "previous": 4}, "five_adults": {"count": 2},
    "anchor_load": {"students": 12},
}
#: code -> the parameter that is counted
COUNTED = {"few_reliable_adults": "count", "lost_adults": "count", "five_adults": "count",
           "anchor_load": "students"}
BOUNDARIES = (0, 1, 2, 3, 11, 100)
EXPECTED = {
    ("en", "few_reliable_adults"): {
        1: "1 adult beyond parents they can count on; 3 or more helps.",
        2: "2 adults beyond parents they can count on; 3 or more helps."},
    ("es", "few_reliable_adults"): {
        1: "1 adulto aparte de sus padres con quien puede contar; ayuda tener 3 o más.",
        2: "2 adultos aparte de sus padres con quienes puede contar; ayuda tener 3 o más."},
    ("ar", "anchor_load"): {
        1: "البالغ الوحيد في المدرسة لطالب واحد.",
        2: "البالغ الوحيد في المدرسة لطالبين.",
        3: "البالغ الوحيد في المدرسة لـ 3 طلاب.",
        11: "البالغ الوحيد في المدرسة لـ 11 طالبًا.",
        100: "البالغ الوحيد في المدرسة لـ 100 طالب."},
    ("en", "anchor_load"): {1: "The only adult at school for 1 student.",
                            2: "The only adult at school for 2 students."},
}


def _say(app, lang, code, params):
    with app.test_request_context(), force_locale(lang):
        return reasons.sentence(code, params, NAMES)


def test_every_code_has_params_here():
    assert set(PARAMS) == set(CODES)


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
@pytest.mark.parametrize("code", CODES)
def test_every_code_reads_as_a_sentence(app, lang, code):
    text = _say(app, lang, code, PARAMS[code])
    assert text
    assert "%(" not in text
    assert "%" not in text
    if lang != "en":
        assert text != _say(app, "en", code, PARAMS[code]), "not translated"
    with app.test_request_context(), force_locale(lang):
        assert text != reasons.flag_name(code), "no sentence, only the short name"
    if code == "single_anchor":
        assert "Nana" in text
    if code == "perception_gap":
        assert "Ms A" in text


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
@pytest.mark.parametrize("code", sorted(COUNTED))
def test_counted_sentences_at_plural_boundaries(app, lang, code):
    said = {}
    for n in BOUNDARIES:
        text = _say(app, lang, code, {**PARAMS[code], COUNTED[code]: n})
        assert "%" not in text
        if n >= 3:
            assert str(n) in text
        said[n] = text
    for n, want in EXPECTED.get((lang, code), {}).items():
        assert said[n] == want
    if lang == "en" and code != "lost_adults":  # "1 now, 4 before" reads the same
        assert said[1] != said[2]
    if lang == "ar" and code != "lost_adults":
        # zero, one, two, few (3), many (11), other (100): six different sentences
        assert len(set(said.values())) == 6, said


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_perception_gap_counts_staff_at_boundaries(app, lang):
    said = [_say(app, lang, "perception_gap",
                 {"marked_not_named": list(range(1, n + 1)), "named_not_marked": []})
            for n in (1, 2, 3)]
    assert said[0] != said[1] != said[2]
    assert all("Ms A" in s for s in said)
    assert "Dr C" in said[2]
    none = _say(app, lang, "perception_gap", {"marked_not_named": [], "named_not_marked": []})
    with app.test_request_context(), force_locale(lang):
        assert none == reasons.flag_name("perception_gap")  # nothing counted: the short name


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_narrow_web_by_number_of_settings(app, lang):
    said = [_say(app, lang, "narrow_web", {"settings": ["family", "school", "community"][:n]})
            for n in (0, 1, 2, 3)]
    assert len(set(said)) == 4
    assert "3" in said[3]


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_several_support_gaps_are_counted_and_kept_apart(app, lang):
    one = _say(app, lang, "support_gap", {"missing": ["practical"]})
    several = [_say(app, lang, "support_gap", {"missing": SUPPORT_TYPES[:n]})
               for n in (2, 3, 6)]
    with app.test_request_context(), force_locale(lang):
        words = [str(reasons.SUPPORT_WORDS[k]) for k in SUPPORT_TYPES]
    assert words[2] in one
    assert " · " not in one
    for n, text in zip((2, 3, 6), several, strict=True):
        assert " · ".join(words[:n]) in text  # each kind whole, set apart
        assert "%" not in text
        if n > 2 or lang != "ar":  # Arabic says "two kinds" in words
            assert str(n) in text
    if lang == "en":
        assert several[0] == ("No adult to turn to for 2 kinds of help: talking when something "
                              "is wrong · homework and school.")


LANGUAGES = ("en", "es", "ar", "fa", "ht", "ko", "pt", "ru", "so", "vi", "zh_Hans")


def _strengths(app, lang, family, school, community):
    with app.test_request_context(), force_locale(lang):
        return reasons.strengths({"setting_family": family, "setting_school": school,
                                  "setting_community": community})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_strengths_say_what_is_there_and_never_count_a_zero(app, lang):
    """A strength is an adult who is there: no clause for a part of life with none ("none
    at school" read as one more gap), and nothing at all when there is no one (the reasons
    say so already). Each clause of a line is the line of that part of life alone."""
    assert _strengths(app, lang, 0, 0, 0) == ""
    assert _strengths(app, "en", 1, 0, 0) == "1 reliable adult in the family"
    assert _strengths(app, "en", 0, 2, 0) == "2 reliable adults at school"
    assert _strengths(app, "en", 0, 0, 1) == "1 reliable adult in the community"
    assert _strengths(app, "en", 2, 0, 1) == ("2 reliable adults in the family, "
                                              "1 reliable adult in the community")
    for counts in ((a, b, c) for a in range(3) for b in range(3) for c in range(3)):
        text = _strengths(app, lang, *counts)
        alone = [_strengths(app, lang, *(n if i == k else 0 for i in range(3)))
                 for k, n in enumerate(counts) if n]
        assert bool(text) is any(counts)
        assert all(part and part in text for part in alone), (counts, text)
        assert "%(" not in text
        if lang == "en":
            assert "none" not in text, (counts, text)
            assert "0" not in text, (counts, text)
