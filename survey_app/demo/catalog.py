"""The demo district's vocabularies and distributions. People are invented; shares roughly
follow a diverse US district, and the answers to the survey's questions follow published
prevalence so that what a newcomer sees on the caseload is plausible. Changing a number
here changes the data for every seed.

Published figures the demo follows (what the 3,000-student demo gives, from
``benchmarks/pages.py``, in brackets):

- An adult at school to talk to: Vermont Youth Risk Behavior Survey (Vermont Department
  of Health, Healthy Vermonters 2030 indicator, 2024): about seven in ten high-school
  students have at least one teacher or other adult at school they can talk to if they
  have a problem, 15% say they have none; Providence SurveyWorks (SCORE indicator 4):
  49-65% favourable by high school; Making Caring Common's relationship mapping finds
  about a third of students with no school adult identified by staff (``SCHOOL_TIE_P``;
  [no school adult: 30% elementary, 31% high school]).
- Three or more non-parent adults (Search Institute Developmental Asset #3, "other adult
  relationships"): reported by about half of surveyed youth in Search Institute's
  aggregate profiles [fewer than 3: 45-46%].
- Internet at home: Pew Research Center (2018, "Nearly one-in-five teens can't always
  finish their homework because of the digital divide"): 15% of US households with
  school-age children have no high-speed internet at home (``INTERNET_P``: 15% answer
  unreliable, phone only or none).
- No adult at all the student is sure of: rare (``PROFILE_P`` "zero", 3%) [4-4.5%].

With these, the top caseload tier ("connect now", relationships/tiers.py) holds 10-15%
of a school (1 in 8 of the demo district), against about half of the students in
"strengthen": a list a school's counselors can each work through in a term.
"""

from __future__ import annotations

import numpy as np

#: Federal categories with their shares, and the raw OneRoster flags that yield each.
RACES = (
    "hispanic_latino", "white", "black_african_american", "asian", "two_or_more",
    "american_indian_alaska_native", "native_hawaiian_pacific_islander",
)
RACE_P = (0.30, 0.35, 0.15, 0.08, 0.08, 0.02, 0.02)
ONEROSTER_RACE_FLAGS = (
    "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander", "white",
)
GENDERS = ("female", "male", "other")
GENDER_P = (0.49, 0.49, 0.02)

#: Home languages by race group (rows follow RACES); columns follow LANGUAGES.
LANGUAGES = ("en", "es", "ar", "zh_Hans", "vi", "so", "ht", "pt", "ru", "fa", "ko")
LANGUAGE_P = np.array([
    # en    es    ar    zh    vi    so    ht    pt    ru    fa    ko
    [0.38, 0.60, 0.00, 0.00, 0.00, 0.00, 0.00, 0.02, 0.00, 0.00, 0.00],  # hispanic
    [0.85, 0.00, 0.05, 0.00, 0.00, 0.00, 0.00, 0.03, 0.04, 0.03, 0.00],  # white (incl. MENA)
    [0.80, 0.00, 0.00, 0.00, 0.00, 0.11, 0.09, 0.00, 0.00, 0.00, 0.00],  # black
    [0.40, 0.00, 0.00, 0.28, 0.20, 0.00, 0.00, 0.00, 0.00, 0.00, 0.12],  # asian
    [0.93, 0.05, 0.00, 0.00, 0.00, 0.00, 0.00, 0.02, 0.00, 0.00, 0.00],  # two or more
    [0.95, 0.05, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],  # AI/AN
    [0.95, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.05],  # NH/PI
])

GIVEN_NAMES = (
    "Sofia", "Mateo", "Emma", "Liam", "Aaliyah", "Jayden", "Mia", "Noah", "Camila", "Elijah",
    "Zainab", "Omar", "Mei", "Wei", "Linh", "Minh", "Hodan", "Abdi", "Jean", "Nadege",
    "Ana", "Joao", "Ivan", "Daria", "Leila", "Reza", "Ji-woo", "Min-jun", "Olivia", "Lucas",
    "Isabella", "Diego", "Amara", "Malik", "Chloe", "Ethan", "Valentina", "Santiago", "Grace",
    "Kai", "Nia", "Jamal", "Hana", "Yusuf", "Ava", "Leo", "Maya", "Julian", "Aria", "Gabriel",
)
FAMILY_NAMES = (
    "Garcia", "Smith", "Johnson", "Nguyen", "Martinez", "Williams", "Rodriguez", "Brown",
    "Chen", "Hernandez", "Jones", "Lopez", "Ali", "Hassan", "Pierre", "Silva", "Ivanova",
    "Kim", "Park", "Rahimi", "Tran", "Lee", "Davis", "Gonzalez", "Wilson", "Perez", "Taylor",
    "Thomas", "Moore", "Jackson", "Santos", "Wang", "Le", "Mohamed", "Jean-Baptiste",
    "Cruz", "Reyes", "Morales", "Walker", "Young", "Begay", "Tupou", "Yazzie", "Kealoha",
)
#: How an adult is written in the survey's "first name or nickname" box, by relation.
NICKNAMES = {
    "parent_guardian": ("Mom", "Dad", "Mama", "Papa", "Mum"),
    "grandparent": ("Grandma", "Grandpa", "Abuela", "Nana"),
    "aunt_uncle": ("Aunt", "Uncle", "Tia", "Tio"),
}

HOUSEHOLD_SIZE = (1, 2, 3, 4, 5)
HOUSEHOLD_SIZE_P = (0.56, 0.29, 0.11, 0.03, 0.01)  # ≈ 1.6 students per household

#: Relations (ITEMS.md) with shares for a student's first adult and for the others outside
#: school (school adults are drawn apart, below); the family survey's list may name staff.
RELATIONS = (
    "parent_guardian", "grandparent", "aunt_uncle", "sibling_adult", "other_relative",
    "family_friend", "neighbour", "coach", "teacher", "counselor", "school_staff", "mentor",
    "faith_leader", "employer", "other",
)
FIRST_RELATION_P = (0.82, 0.08, 0.04, 0.03, 0.01, 0.01, 0, 0, 0, 0, 0, 0, 0, 0, 0.01)
OTHER_RELATION_P = (0.22, 0.14, 0.13, 0.08, 0.06, 0.09, 0.04, 0, 0, 0, 0,
                    0.07, 0.06, 0.03, 0.08)
FAMILY_RELATION_P = (0.30, 0.15, 0.11, 0.05, 0.04, 0.11, 0.06, 0.04, 0.05, 0.01, 0.0,
                     0.03, 0.04, 0.0, 0.01)
RELATIVES = frozenset(RELATIONS[:5])
STAFF_RELATIONS = ("teacher", "counselor", "school_staff", "coach")

SUPPORTS = ("emotional", "academic", "practical", "appraisal", "future", "emergency")
#: P(support type | relation), rows follow RELATIONS.
SUPPORT_P = np.array([
    [0.80, 0.50, 0.85, 0.60, 0.35, 0.80],  # parent_guardian
    [0.60, 0.25, 0.50, 0.55, 0.15, 0.45],  # grandparent
    [0.50, 0.25, 0.40, 0.45, 0.20, 0.35],  # aunt_uncle
    [0.55, 0.40, 0.35, 0.40, 0.30, 0.25],  # sibling_adult
    [0.40, 0.20, 0.35, 0.35, 0.15, 0.30],  # other_relative
    [0.45, 0.15, 0.40, 0.40, 0.15, 0.35],  # family_friend
    [0.20, 0.05, 0.45, 0.20, 0.05, 0.45],  # neighbour
    [0.35, 0.15, 0.30, 0.70, 0.25, 0.10],  # coach
    [0.30, 0.85, 0.05, 0.50, 0.30, 0.05],  # teacher
    [0.65, 0.40, 0.10, 0.40, 0.60, 0.10],  # counselor
    [0.35, 0.25, 0.20, 0.40, 0.15, 0.15],  # school_staff
    [0.55, 0.40, 0.15, 0.65, 0.60, 0.10],  # mentor
    [0.55, 0.05, 0.25, 0.55, 0.15, 0.20],  # faith_leader
    [0.15, 0.00, 0.20, 0.40, 0.55, 0.05],  # employer
    [0.40, 0.20, 0.30, 0.30, 0.15, 0.20],  # other
])
FREQUENCIES = ("daily", "weekly", "monthly", "less")
HOME_FREQ_P = (0.75, 0.18, 0.05, 0.02)
OTHER_FREQ_P = (0.15, 0.50, 0.25, 0.10)
#: Reliability 4, 3, 2, 1 for parents, for everyone else, and for a student's real school
#: adults (students who name a school adult mostly count on them).
PARENT_RELIABILITY_P = (0.74, 0.19, 0.05, 0.02)
OTHER_RELIABILITY_P = (0.40, 0.36, 0.16, 0.08)
SCHOOL_RELIABILITY_P = (0.45, 0.45, 0.08, 0.02)
LIVES_WITH_P = {"parent_guardian": 0.88, "grandparent": 0.30, "aunt_uncle": 0.12,
                "sibling_adult": 0.60, "other_relative": 0.10}

#: Household conditions: codes with shares (student answers; the family's use the same).
INTERNET = ("works_well", "unreliable", "phone_only", "none")
INTERNET_P = (0.85, 0.06, 0.05, 0.04)  # 15% without working internet (Pew 2018, above)
#: A computer for schoolwork (own, shared only, none) with working internet and without.
COMPUTER_P = (0.68, 0.29, 0.03)
COMPUTER_NO_INTERNET_P = (0.35, 0.35, 0.30)
PHONE_P = 0.75  # a phone besides
QUIET = ("always", "sometimes", "no")
QUIET_P = (0.50, 0.35, 0.15)
AFTER_SCHOOL = ("yes", "sometimes", "no")
AFTER_SCHOOL_P = (0.55, 0.30, 0.15)
TRANSPORT = ("walk", "bus", "car", "bike", "other")
TRANSPORT_P = (0.22, 0.38, 0.33, 0.04, 0.03)
CAREGIVING = ("often", "sometimes", "no")
CAREGIVING_P = (0.10, 0.25, 0.65)
WORK_HOURS = ("day", "evening", "night", "changes")
CHANNELS = ("text", "call", "email", "app", "in_person")
HELP_TYPES = ("internet", "device", "food", "transport", "tutoring", "mentor", "other")
CONTACT_TIMES = ("mornings", "after 5 pm", "weekends", "lunchtime", "any time")
PREFER_NOT_P = 0.02  # per single-choice item

STAFF_SUBJECTS = ("English", "Math", "Biology", "Chemistry", "History", "Spanish", "Art",
                  "Music", "Physical Education", "Computer Science", "Economics", "Physics")
#: The demo staff's titles, by turns (None: no title, shown by full name).
STAFF_HONORIFICS = ("ms", "mr", "mrs", "ms", "mr", "dr", None, "mx", "miss")
OTHER_STAFF_TITLES = ("Coach", "Librarian", "Nurse", "Social Worker", "Office Manager",
                      "Assistant Principal", "Paraprofessional", "Family Liaison")

#: Student profiles: normal, zero (names no adult, no other source), single (names one
#: adult), lost (names three fewer adults in spring).
PROFILE_P = (0.90, 0.03, 0.05, 0.02)  # grades 3-12 (K-2 students answer no survey)
#: Adults outside school a student lists: 1 + Poisson(mean) (elementary, high school); and
#: a family lists.
OUTSIDE_ADULTS_MEAN = (2.5, 1.9)
FAMILY_ADULTS_MEAN = 2.3
#: Spring against fall: one adult fewer, the same, one more.
SPRING_CHANGE_P = (0.02, 0.86, 0.12)
RELIABILITY_DRIFT_P = 0.01  # each way, per adult, between waves
#: Students with at least one real tie to a staff member (elementary, high school): Making
#: Caring Common found about a third of students with no school adult identified.
SCHOOL_TIE_P = (0.74, 0.82)
SECOND_SCHOOL_ADULT_P = (0.35, 0.4)
#: Who the first and a second school adult are: own teacher, counselor, coach, other staff
#: (rows: elementary, high school).
FIRST_SCHOOL_ADULT_P = ((0.74, 0.12, 0.03, 0.11), (0.62, 0.10, 0.18, 0.10))
OTHER_SCHOOL_ADULT_P = ((0.0, 0.35, 0.15, 0.5), (0.6, 0.12, 0.16, 0.12))
WEAK_TIE_P = 0.2  # students without a school adult who name a teacher they are unsure of
NAMES_SCHOOL_ADULT_P = 0.96
HIGH_SCHOOL_FUTURE_P = 0.08  # extra chance an adult of a high-school student helps with it
#: Taking part (answering a survey, doing the staff mapping): the share ever engaged, then
#: of those the share in the fall and again in the spring, and of the others late (spring).
STUDENT_RESPONSE_P = (0.88, 0.93, 0.96, 0.15)
FAMILY_RESPONSE_P = ((0.78, 0.62), 0.93, 0.96, 0.1)  # families of elementary, high school
STAFF_MAPS_P = (1.0, 0.96, 0.98, 0.6)
UNREACHED_P = 0.02  # households no survey or mapping reaches
