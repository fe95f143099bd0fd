"""The student survey (grades 3–12), version 1. Item ids follow ITEMS.md."""

from flask_babel import lazy_gettext as _l

from survey_app.surveys import choices as c
from survey_app.surveys.model import (
    ADULT_REF,
    ADULTS,
    MULTI,
    SINGLE,
    Choice,
    Definition,
    Item,
    Page,
)

HOME_1 = Page("home", _l("About home"), _l("A few questions about where you do schoolwork."), (
    Item("home.internet", SINGLE, _l("Do you have internet at home?"), choices=c.INTERNET,
         soft_required=True),
    Item("home.devices", MULTI, _l("What do you use for schoolwork at home?"),
         hint=_l("Choose all that are true."), choices=c.DEVICES, soft_required=True),
    Item("home.quiet_place", SINGLE, _l("Do you have a quiet place at home to do schoolwork?"),
         choices=(Choice("always", _l("Always")), Choice("sometimes", _l("Sometimes")),
                  Choice("no", _l("No")))),
))

HOME_2 = Page("after_school", _l("After school"), None, (
    Item("home.adult_after_school", SINGLE, _l("After school, is an adult usually at home?"),
         choices=c.YES_SOMETIMES_NO, soft_required=True),
    Item("home.transport", SINGLE, _l("How do you usually get to school?"), choices=(
        Choice("walk", _l("Walk")), Choice("bus", _l("Bus")), Choice("car", _l("Car")),
        Choice("bike", _l("Bike")), Choice("other", _l("Another way")))),
    Item("home.caregiving", SINGLE,
         _l("Do you take care of younger children or family members after school?"),
         choices=(Choice("often", _l("Often")), Choice("sometimes", _l("Sometimes")),
                  Choice("no", _l("No"))), soft_required=True),
    Item("home.job", SINGLE, _l("Do you have a job?"), choices=c.YES_NO, grades=(9, 12)),
))

ADULTS_PAGE = Page(
    "adults", _l("The adults you can count on"),
    _l("Think of adults (not kids) you can count on. A first name or a nickname is enough. "
       "The school uses this only to help every student have people to go to. "
       "You can add up to 10 adults, or none."),
    (Item("adults", ADULTS, _l("Adults you can count on"), prefer_not=False),),
)

SCHOOL = Page("school", _l("At school"), None, (
    Item("school.trusted_adult", SINGLE,
         _l("Is there an adult at this school you could go to with a personal problem?"),
         choices=c.YES_NO_NOT_SURE),
    Item("school.trusted_adult_entry", ADULT_REF,
         _l("If yes, is it one of the adults you named?"),
         hint=_l("You can skip this."), prefer_not=False),
    Item("school.wants_mentor", SINGLE,
         _l("Would you like the school to help you get to know an adult who could be a mentor?"),
         hint=_l("A mentor is an adult who meets with you to help and encourage you."),
         choices=(Choice("yes", _l("Yes")), Choice("no", _l("No")), Choice("maybe", _l("Maybe")))),
))

STUDENT_V1 = Definition("student", "2025.1", (3, 12), (HOME_1, HOME_2, ADULTS_PAGE, SCHOOL))
