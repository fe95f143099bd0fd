"""Answer choices shared by the student and family surveys (codes from ITEMS.md)."""

from flask_babel import lazy_gettext as _l

from survey_app.surveys.model import Choice

YES_NO = (Choice("yes", _l("Yes")), Choice("no", _l("No")))
YES_SOMETIMES_NO = (Choice("yes", _l("Yes")), Choice("sometimes", _l("Sometimes")),
                    Choice("no", _l("No")))
YES_NO_NOT_SURE = (Choice("yes", _l("Yes")), Choice("no", _l("No")),
                   Choice("not_sure", _l("Not sure")))

INTERNET = (
    Choice("works_well", _l("Yes, and it works well")),
    Choice("unreliable", _l("Yes, but it often does not work")),
    Choice("phone_only", _l("Only on a phone")),
    Choice("none", _l("No")),
)

RELATION = (
    Choice("parent_guardian", _l("Parent or guardian")),
    Choice("grandparent", _l("Grandparent")),
    Choice("aunt_uncle", _l("Aunt or uncle")),
    Choice("sibling_adult", _l("Older brother or sister (18 or older)")),
    Choice("other_relative", _l("Other relative")),
    Choice("family_friend", _l("Family friend")),
    Choice("neighbour", _l("Neighbour")),
    Choice("coach", _l("Coach")),
    Choice("teacher", _l("Teacher")),
    Choice("counselor", _l("Counselor")),
    Choice("school_staff", _l("Other adult at school")),
    Choice("mentor", _l("Mentor")),
    Choice("faith_leader", _l("Faith leader")),
    Choice("employer", _l("Boss at work")),
    Choice("other", _l("Someone else")),
)
#: Relations that make an adult "family" (the setting rules in ITEMS.md).
RELATIVES = frozenset({"parent_guardian", "grandparent", "aunt_uncle", "sibling_adult",
                       "other_relative"})

SUPPORT = (
    Choice("emotional", _l("Talking when something is wrong")),
    Choice("academic", _l("Homework and school")),
    Choice("practical", _l("Rides, meals or other practical help")),
    Choice("appraisal", _l("Believing in me and encouraging me")),
    Choice("future", _l("Ideas about college, jobs or my future")),
    Choice("emergency", _l("An emergency")),
)
SUPPORT_FAMILY = (
    Choice("emotional", _l("Talking when something is wrong")),
    Choice("academic", _l("Homework and school")),
    Choice("practical", _l("Rides, meals or other practical help")),
    Choice("appraisal", _l("Believing in them and encouraging them")),
    Choice("future", _l("Ideas about college, jobs or their future")),
    Choice("emergency", _l("An emergency")),
)

FREQUENCY = (
    Choice("daily", _l("Almost every day")),
    Choice("weekly", _l("Every week")),
    Choice("monthly", _l("Every month")),
    Choice("less", _l("Less often")),
)

RELIABILITY = (
    Choice("4", _l("Very sure")),
    Choice("3", _l("Mostly sure")),
    Choice("2", _l("A little sure")),
    Choice("1", _l("Not sure")),
)

DEVICES = (
    Choice("own_computer", _l("My own computer or tablet")),
    Choice("shared_computer", _l("A computer I share")),
    Choice("phone", _l("A phone")),
    Choice("nothing", _l("Nothing")),
)
DEVICES_FAMILY = (
    Choice("own_computer", _l("Their own computer or tablet")),
    Choice("shared_computer", _l("A computer they share")),
    Choice("phone", _l("A phone")),
    Choice("nothing", _l("Nothing")),
)
