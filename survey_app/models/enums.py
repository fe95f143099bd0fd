"""Vocabularies stored as short strings (portable across SQLite and PostgreSQL)."""

from enum import StrEnum


class Role(StrEnum):
    DISTRICT_ADMIN = "district_admin"
    COUNSELOR = "counselor"
    STAFF = "staff"
    ANALYST = "analyst"


class Honorific(StrEnum):
    """How children address a staff member ("Ms. Brown"): a code, put into words per
    language (``words/honorifics.py``), never the text as typed. OneRoster has no field
    for it, so staff set it on their account page and admins on the staff page."""

    MS = "ms"
    MRS = "mrs"
    MISS = "miss"
    MR = "mr"
    MX = "mx"
    DR = "dr"
    COACH = "coach"


class Consent(StrEnum):
    NO_ANSWER = "no_answer"
    CONSENTED = "consented"
    OPTED_OUT = "opted_out"


class AdultKind(StrEnum):
    FAMILY = "family"
    COMMUNITY = "community"
    STAFF = "staff"


class Relation(StrEnum):
    PARENT_GUARDIAN = "parent_guardian"
    GRANDPARENT = "grandparent"
    AUNT_UNCLE = "aunt_uncle"
    SIBLING_ADULT = "sibling_adult"
    OTHER_RELATIVE = "other_relative"
    FAMILY_FRIEND = "family_friend"
    NEIGHBOUR = "neighbour"
    COACH = "coach"
    TEACHER = "teacher"
    COUNSELOR = "counselor"
    SCHOOL_STAFF = "school_staff"
    MENTOR = "mentor"
    FAITH_LEADER = "faith_leader"
    EMPLOYER = "employer"
    OTHER = "other"


class Setting(StrEnum):
    HOME = "home"
    FAMILY_ELSEWHERE = "family_elsewhere"
    SCHOOL = "school"
    COMMUNITY = "community"


class TieSource(StrEnum):
    STUDENT_SURVEY = "student_survey"
    FAMILY_SURVEY = "family_survey"
    STAFF_MARK = "staff_mark"


class SurveyKind(StrEnum):
    STUDENT = "student"
    FAMILY = "family"


class InvitationStatus(StrEnum):
    SENT = "sent"
    STARTED = "started"
    SUBMITTED = "submitted"


class MatchStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class FollowUpKind(StrEnum):
    FLAG = "flag"
    HELP_REQUEST = "help_request"
    MENTOR = "mentor"
    CHECK_IN = "check_in"
    REFERRAL = "referral"
    OTHER = "other"


class CheckInFrequency(StrEnum):
    """How often a plan's owner checks in; the next due date moves on by it."""

    WEEKLY = "weekly"
    TWO_WEEKS = "two_weeks"
    MONTHLY = "monthly"
