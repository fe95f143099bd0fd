"""District settings: flag rules, the smallest group shown, languages offered.

Every change is audited with the values before and after.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from relationships.rules import MIN_N, FlagRules
from relationships.tiers import TierRules
from survey_app.models import DistrictSettings
from survey_app.models.base import utcnow
from survey_app.services import audit

DEFAULT_MIN_N = MIN_N


def get_settings(*, session: Session, district_id: int, create: bool = False
                 ) -> DistrictSettings:
    """The district's settings; the defaults when none are stored (added only if ``create``)."""
    row = session.exec(
        select(DistrictSettings).where(DistrictSettings.district_id == district_id)).first()
    if row is None:
        row = DistrictSettings(district_id=district_id, flag_rules=FlagRules().to_dict(),
                               min_n=DEFAULT_MIN_N, languages=[])
        if create:
            session.add(row)
            session.flush()
    return row


def flag_rules(settings: DistrictSettings) -> FlagRules:
    """The district's rules; stored values are merged over the defaults."""
    return FlagRules.from_dict(settings.flag_rules or {})


def tier_rules(settings: DistrictSettings) -> TierRules:
    """The district's priority tiers; stored values are merged over the defaults."""
    return TierRules.from_dict(settings.priority_tiers or {})


def snapshot(settings: DistrictSettings) -> dict[str, Any]:
    return {"flag_rules": flag_rules(settings).to_dict(), "min_n": settings.min_n,
            "languages": sorted(settings.languages or []),
            "priority_tiers": tier_rules(settings).to_dict()}


def update_settings(*, session: Session, settings: DistrictSettings, staff_id: int,
                    rules: FlagRules, min_n: int, languages: list[str],
                    tiers: TierRules | None = None, ip: str | None = None) -> dict[str, Any]:
    """Store new values; audit what changed (before and after). Return the changes.

    ``tiers`` None keeps the stored priority tiers.
    """
    before = snapshot(settings)
    after = {"flag_rules": rules.to_dict(), "min_n": min_n, "languages": sorted(languages),
             "priority_tiers": (tiers or tier_rules(settings)).to_dict()}
    changed_before, changed_after = _diff(before, after)
    if not changed_after:
        return {}
    settings.flag_rules = after["flag_rules"]
    settings.priority_tiers = after["priority_tiers"]
    settings.min_n = min_n
    settings.languages = after["languages"]
    settings.updated_at = utcnow()
    settings.updated_by_id = staff_id
    session.add(settings)
    audit.record(session=session, staff_id=staff_id, action="settings_change",
                 target_type="district_settings", target_id=settings.district_id,
                 detail={"before": changed_before, "after": changed_after}, ip=ip)
    session.flush()
    return changed_after


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys that changed (flag rules compared key by key)."""
    old, new = {}, {}
    for key in after:
        if key in ("flag_rules", "priority_tiers"):
            keys = [k for k in after[key] if before[key].get(k) != after[key][k]]
            if keys:
                old[key] = {k: before[key].get(k) for k in keys}
                new[key] = {k: after[key][k] for k in keys}
        elif before[key] != after[key]:
            old[key], new[key] = before[key], after[key]
    return old, new


def set_password_sign_in(*, session: Session, settings: DistrictSettings, staff_id: int,
                         allowed: bool, ip: str | None = None) -> bool:
    """Turn the district's password sign-in on or off; audited. Whether it changed.

    The caller checks that a single sign-on provider is configured before turning it off.
    """
    if settings.password_sign_in == allowed:
        return False
    before = settings.password_sign_in
    settings.password_sign_in = allowed
    settings.updated_at = utcnow()
    settings.updated_by_id = staff_id
    session.add(settings)
    audit.record(session=session, staff_id=staff_id, action="settings_change",
                 target_type="district_settings", target_id=settings.district_id,
                 detail={"before": {"password_sign_in": before},
                         "after": {"password_sign_in": allowed}}, ip=ip)
    session.flush()
    return True
