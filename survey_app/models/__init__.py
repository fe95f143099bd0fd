"""Every table, re-exported so Alembic and the tests see the full metadata."""

from sqlmodel import SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION

from survey_app.models.adult import Adult, AdultMatch  # noqa: E402
from survey_app.models.audit import AuditEvent  # noqa: E402
from survey_app.models.engagement import Engagement, FamilyTrustMark  # noqa: E402
from survey_app.models.flags import FlagSnapshot, StudentFlags  # noqa: E402
from survey_app.models.followup import FollowUp, FollowUpNote  # noqa: E402
from survey_app.models.imports import ImportRun  # noqa: E402
from survey_app.models.job import JobFile, JobRun  # noqa: E402
from survey_app.models.reminder import ReminderOptOut, ReminderSend  # noqa: E402
from survey_app.models.school import District, School, Section, SectionStudent, SectionTeacher  # noqa: E402
from survey_app.models.settings import DataVersion, DistrictSettings, RespondentChange  # noqa: E402
from survey_app.models.student import ContextMeasure, Household, Student  # noqa: E402
from survey_app.models.survey import (  # noqa: E402
    Answer,
    HouseholdCondition,
    Invitation,
    LanguageSwitch,
    PageSubmission,
    Response,
    SurveyWave,
)
from survey_app.models.tie import StaffMark, SupportTie  # noqa: E402
from survey_app.models.user import CounselorSchool, StaffIdentity, StaffUser  # noqa: E402

__all__ = [
    "Adult", "AdultMatch", "Answer", "AuditEvent", "ContextMeasure", "CounselorSchool",
    "DataVersion",
    "District", "DistrictSettings", "Engagement", "FamilyTrustMark", "FlagSnapshot", "FollowUp",
    "FollowUpNote", "Household", "HouseholdCondition", "ImportRun",
    "Invitation", "JobFile", "JobRun",
    "LanguageSwitch", "NAMING_CONVENTION", "PageSubmission", "ReminderOptOut", "ReminderSend",
    "RespondentChange", "Response", "School", "Section", "SectionStudent",
    "SectionTeacher", "StaffIdentity", "StaffMark", "StaffUser", "Student", "StudentFlags",
    "SupportTie",
    "SurveyWave",
]
