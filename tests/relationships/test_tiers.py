"""Priority tiers: nothing a rule finds is hidden, only ordered."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relationships.rules import STUDENT_CODES
from relationships.tiers import RANKED, TIER_CODES, TIERS, TierRules, ordered, shares, tier

REASONS = st.lists(st.sampled_from((*STUDENT_CODES, "help_request")), unique=True)
RULES = st.builds(
    lambda placed, escalate: TierRules.from_dict(
        {"tier_of": dict(zip(TIER_CODES, placed, strict=True)), "escalate": escalate}),
    st.lists(st.sampled_from(RANKED), min_size=len(TIER_CODES), max_size=len(TIER_CODES)),
    st.lists(st.sampled_from(TIER_CODES), unique=True))


@given(REASONS, RULES)
def test_every_flagged_student_lands_in_exactly_one_tier(codes, rules):
    found = tier(codes, rules)
    assert (found is None) == (not codes)
    if codes:
        assert found in TIERS
        assert (found == "no_data") == ("no_data" in codes)


@given(REASONS, RULES)
def test_tier_is_the_most_urgent_reason(codes, rules):
    """An independent statement of the rule: the least tier index any reason reaches."""
    if "no_data" in codes:
        assert tier(codes, rules) == "no_data"
        return
    reached = [rules.tier_of[c] for c in codes if c in rules.tier_of]
    if "no_school_adult" in codes and set(codes) & rules.escalate:
        reached.append("connect_now")
    expected = min(reached, key=RANKED.index) if reached else (
        "no_data" if "no_data" in codes else None)
    assert tier(codes, rules) == expected


@given(REASONS, RULES)
def test_ordered_keeps_every_reason_and_leads_with_the_tier(codes, rules):
    out = ordered(codes, rules)
    assert sorted(out) == sorted(codes)
    if out and tier(codes, rules) in RANKED and "no_data" not in codes:
        first = out[0]
        lead = "connect_now" if "no_school_adult" in codes and first in rules.escalate \
            else rules.tier_of[first]
        assert lead == tier(codes, rules)


def test_defaults_put_a_student_with_no_reliable_adult_first():
    assert tier(["no_reliable_adult", "access_barrier"], TierRules()) == "connect_now"
    assert tier(["access_barrier"], TierRules()) == "watch"
    assert tier(["no_school_adult", "few_reliable_adults"], TierRules()) == "strengthen"
    assert tier(["no_school_adult", "help_request"], TierRules()) == "connect_now"
    assert tier(["help_request"], TierRules()) == "strengthen"


@pytest.mark.parametrize("bad", [
    {"tier_of": {"no_data": "watch"}}, {"tier_of": {"single_anchor": "later"}},
    {"escalate": ["nonsense"]}, {"colour": "red"},
])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError, match="unknown|must be one of"):
        TierRules.from_dict(bad)


def test_stored_rules_merge_over_defaults_and_round_trip():
    rules = TierRules.from_dict({"tier_of": {"access_barrier": "connect_now"}})
    assert rules.tier_of["access_barrier"] == "connect_now"
    assert rules.tier_of["no_reliable_adult"] == "connect_now"
    assert TierRules.from_dict(rules.to_dict()) == rules
    assert hash(TierRules.from_dict(rules.to_dict())) == hash(rules)


def test_shares_add_up_to_the_flagged_share():
    out = shares(["connect_now", "no_data", None, "strengthen", "strengthen"], 5)
    assert out == {"connect_now": 0.2, "strengthen": 0.4, "watch": 0.0, "no_data": 0.2}
