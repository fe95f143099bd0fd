"""What a roster import may not do: lock the district out, or remove most of it unasked.

A bulk file removes everyone it does not list, so a truncated or wrong file would
deactivate the district. Before an import the active students and staff are
counted; after it (still inside its transaction) the import is refused when it
would remove more than the district's ``removal_share`` of either, unless the
removals were confirmed. Whatever the file says, the account of the person
importing and the district's last active admin stay active.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlmodel import Session

from survey_app.imports.report import ImportReport
from survey_app.models import DistrictSettings, School, StaffUser, Student
from survey_app.models.enums import Role

__all__ = ["DEFAULT_SHARE", "Guard"]

DEFAULT_SHARE = 0.1


@dataclass
class Guard:
    session: Session
    staff_id: int | None = None  # the person importing (None on the command line)
    allow_removals: bool = False

    def before(self, district_id: int | None) -> None:
        """Count what is active now (call before anything is written)."""
        self.district_id = district_id
        self.students = self._count(select(func.count()).select_from(Student).join(
            School, School.id == Student.school_id).where(
            Student.active.is_(True), School.district_id == district_id))
        self.staff = self._count(select(func.count()).select_from(StaffUser).where(
            StaffUser.active.is_(True), StaffUser.district_id == district_id,
            StaffUser.sourced_id.is_not(None)))
        self.admins = list(self.session.execute(select(StaffUser.id).where(
            StaffUser.active.is_(True), StaffUser.district_id == district_id,
            StaffUser.role == Role.DISTRICT_ADMIN).order_by(StaffUser.id)).scalars())

    def _count(self, stmt) -> int:
        return int(self.session.execute(stmt).scalar_one()) if self.district_id else 0

    def share(self) -> float:
        if not self.district_id:
            return DEFAULT_SHARE
        value = self.session.execute(select(DistrictSettings.removal_share).where(
            DistrictSettings.district_id == self.district_id)).scalar_one_or_none()
        return DEFAULT_SHARE if value is None else float(value)

    def after(self, report: ImportReport) -> None:
        """Keep the protected accounts active; refuse removals beyond the share."""
        self._keep_accounts(report)
        limit = self.share()
        for kind, before in (("students", self.students), ("staff", self.staff)):
            removed = report.counts.get(kind, {}).get("deleted", 0)
            if before and removed and removed > limit * before and not self.allow_removals:
                report.problem(f"too_many_{kind}_removed", removed=f"{removed:,}",
                               active=f"{before:,}", share=f"{removed / before:.0%}",
                               limit=f"{limit:.0%}")

    def _keep_accounts(self, report: ImportReport) -> None:
        keep = set()
        if self.staff_id is not None:
            keep.add(self.staff_id)
        active_admins = set(self.session.execute(select(StaffUser.id).where(
            StaffUser.active.is_(True), StaffUser.id.in_(self.admins))).scalars()) \
            if self.admins else set()
        if self.admins and not active_admins - {self.staff_id}:
            keep.add(self.admins[0])  # the last admin: the oldest account stays
        if not keep:
            return
        lost = list(self.session.execute(select(StaffUser.id, StaffUser.email).where(
            StaffUser.id.in_(list(keep)), StaffUser.active.is_(False))).all())
        if not lost:
            return
        self.session.execute(update(StaffUser).where(
            StaffUser.id.in_([pk for pk, _e in lost])).values(active=True))
        counts = report.counts.get("staff")
        for pk, email in lost:
            if counts and counts.get("deleted"):
                counts["deleted"] -= 1
                counts["unchanged"] += 1
            report.note("kept_account", email=email or str(pk))
