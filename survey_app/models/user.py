"""Staff: the roster of school adults, some of whom sign in."""

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from survey_app.models.base import created_at_field, json_field
from survey_app.models.enums import Role


class StaffUser(SQLModel, table=True):
    """A staff member. Without a password hash the person is on the roster but cannot sign in."""

    __tablename__ = "staff_user"
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    school_id: int | None = Field(default=None, foreign_key="school.id", index=True)
    sourced_id: str | None = Field(default=None, max_length=255, unique=True)
    email: str | None = Field(default=None, max_length=320, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    given_name: str = Field(max_length=200)
    family_name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=100)
    role: str = Field(default=Role.STAFF, max_length=20)
    languages: list[str] = json_field(list)
    language: str = Field(default="en", max_length=16)
    active: bool = True
    #: Bumped at sign-out: a session cookie signed for an older generation is refused, so a
    #: copied cookie cannot be replayed after the user signed out (cookies are signed, not stored).
    session_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_login_at: datetime | None = None
    created_at: datetime = created_at_field()

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class CounselorSchool(SQLModel, table=True):
    """The schools a counselor serves."""

    __tablename__ = "counselor_school"
    __table_args__ = (UniqueConstraint("staff_id", "school_id"),)
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
    school_id: int = Field(foreign_key="school.id", index=True)


class StaffIdentity(SQLModel, table=True):
    """A staff account's sign-in at an OpenID Connect provider: the provider's issuer and
    the person's subject there (stable, never reassigned), stored at the first sign-in that
    matched the account by verified email. Later sign-ins match on these two alone, so an
    email changed at the provider cannot reach another account."""

    __tablename__ = "staff_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),
                      UniqueConstraint("user_id", "issuer"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    #: The verified email the link was made with (for the audit trail and the admin).
    email: str = Field(max_length=320)
    created_at: datetime = created_at_field()
    last_used_at: datetime | None = None
