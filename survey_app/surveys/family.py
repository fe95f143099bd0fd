"""The family survey (one per household, covering its children), version 1."""

from flask_babel import lazy_gettext as _l

from survey_app.surveys import choices as c
from survey_app.surveys.model import (
    ADULTS,
    LANGUAGE,
    MULTI,
    SINGLE,
    TEXT,
    Choice,
    Definition,
    Item,
    Page,
)

CONTACT = Page("contact", _l("How to reach you"), None, (
    Item("contact.language", LANGUAGE, _l("Which language do you want for letters and calls?")),
    Item("contact.channels", MULTI, _l("What is the best way to reach you?"),
         hint=_l("Choose all that are true."), choices=(
             Choice("text", _l("Text message")), Choice("call", _l("Phone call")),
             Choice("email", _l("Email")), Choice("app", _l("The school app")),
             Choice("in_person", _l("In person")))),
    Item("contact.times", TEXT, _l("What are the best times to reach you?"),
         hint=_l("For example: weekdays after 5 pm."), prefer_not=False, max_length=200),
    Item("contact.interpreter", SINGLE, _l("Would you like an interpreter at school meetings?"),
         choices=c.YES_NO),
))

HOME = Page("home", _l("Your home"), _l("This helps the school know what your children have for schoolwork."), (
    Item("home.internet", SINGLE, _l("Do you have internet at home?"), choices=c.INTERNET + (
        Choice("need_help", _l("We need help getting internet")),), soft_required=True),
    Item("home.devices", MULTI, _l("What can your children use for schoolwork at home?"),
         hint=_l("Choose all that are true."), choices=c.DEVICES_FAMILY, soft_required=True),
    Item("home.adult_after_school", SINGLE, _l("After school, is an adult usually at home?"),
         choices=c.YES_SOMETIMES_NO, soft_required=True),
    Item("home.work_hours", MULTI, _l("When do the adults at home work?"),
         hint=_l("Choose all that are true."), choices=(
             Choice("day", _l("Daytime")), Choice("evening", _l("Evening")),
             Choice("night", _l("Night")), Choice("changes", _l("It changes")))),
    Item("home.transport", SINGLE, _l("How do your children usually get to school?"), choices=(
        Choice("car", _l("Car")), Choice("bus", _l("Bus")), Choice("walk", _l("Walk")),
        Choice("other", _l("Another way")))),
    Item("home.homework_help", SINGLE, _l("Can someone at home help with homework?"),
         choices=c.YES_SOMETIMES_NO),
    Item("home.homework_language", LANGUAGE, _l("In which language can they help?")),
))

PEOPLE = Page(
    "adults", _l("People who help your children"),
    _l("Think of adults your children can count on: family, friends, neighbours, coaches, "
       "people at school. A first name or a nickname is enough. You can add up to 10, or none."),
    (Item("adults", ADULTS, _l("Adults your children can count on"), prefer_not=False),
     Item("family.emergency_pickup", TEXT,
          _l("Who can pick up your child from school in an emergency?"),
          hint=_l("A name and how they are related to the child is enough."),
          prefer_not=False, max_length=500)),
)

SCHOOL = Page("school", _l("You and the school"), None, (
    Item("school.trusted_person", SINGLE, _l("Is there someone at the school you trust?"),
         choices=c.YES_NO_NOT_SURE),
    Item("school.asked_strengths", SINGLE,
         _l("This year, has anyone at school asked you what your child is good at?"),
         choices=c.YES_NO),
    Item("school.good_news", SINGLE, _l("How often has the school called or written to you with good news?"),
         choices=(Choice("never", _l("Never")), Choice("once", _l("Once")),
                  Choice("several", _l("Several times")))),
))

HELP = Page("help", _l("Would you like help?"),
            _l("If you ask for help here, a counselor will get in touch with you."), (
    Item("help.requests", MULTI, _l("Would you like help with any of these?"),
         hint=_l("Choose all that you would like."), choices=(
             Choice("internet", _l("Internet at home")), Choice("device", _l("A computer or tablet")),
             Choice("food", _l("Food")), Choice("transport", _l("Getting to school")),
             Choice("tutoring", _l("Tutoring")), Choice("mentor", _l("A mentor for my child")),
             Choice("other", _l("Something else")))),
    Item("help.other", TEXT, _l("If something else, what would help?"), prefer_not=False,
         max_length=1000, multiline=True),
))

FAMILY_V1 = Definition("family", "2025.1", (0, 12), (CONTACT, HOME, PEOPLE, SCHOOL, HELP))
