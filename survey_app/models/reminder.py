"""Reminders sent to those who have not answered a wave, and the addresses that said stop.

Addresses are kept only as SHA-256 digests of their normalised form (``address_key``):
enough to honour an opt-out and to count sends, without a second copy of a family's
email beside the roster. The digest is not keyed by ``SECRET_KEY`` on purpose: an
opt-out must outlive a change of secret ("honoured forever").
"""

from datetime import datetime

from sqlmodel import Field, SQLModel

from survey_app.models.base import created_at_field


class ReminderSend(SQLModel, table=True):
    """One message to one address about one invitation, as the sender answered."""

    __tablename__ = "reminder_send"
    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="survey_wave.id", index=True)
    invitation_id: int = Field(foreign_key="invitation.id", index=True)
    job_id: int | None = Field(default=None, foreign_key="job_run.id", index=True)
    #: The school the reminder was sent for (scopes the response-rates figures).
    school_id: int | None = Field(default=None, foreign_key="school.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    channel: str = Field(default="email", max_length=16)
    address_key: str = Field(max_length=64, index=True)
    language: str = Field(max_length=16)
    #: sent | bounced (the server refused the message or its recipient)
    status: str = Field(max_length=12)
    #: The server's reply code and a few words of its answer for a refusal.
    detail: str | None = Field(default=None, max_length=200)
    sent_at: datetime = created_at_field()


class ReminderOptOut(SQLModel, table=True):
    """An address (and its household) that asked for no more reminders: never sent to again."""

    __tablename__ = "reminder_opt_out"
    id: int | None = Field(default=None, primary_key=True)
    address_key: str = Field(max_length=64, unique=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    language: str = Field(default="en", max_length=16)
    at: datetime = created_at_field()
