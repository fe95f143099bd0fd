""""Same person?" proposals between adults a student and their family named.

Proposals come from :func:`relationships.propose_merges` over the student's
neighbourhood, minus pairs a counselor already rejected, plus stored
``AdultMatch`` rows still waiting. Accepting one marks the named adult as
merged into the family's (``Adult.merged_into_id``); the loader
(:mod:`survey_app.reading.loader`) then counts them as one person.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlmodel import Session

from relationships import propose_merges
from survey_app.models import Adult, AdultMatch
from survey_app.models.base import utcnow
from survey_app.models.enums import MatchStatus


def proposals(*, session: Session, tables, student_id: int) -> list[dict]:
    """Open "same person?" questions for this student, best first."""
    found = [p for p in propose_merges(tables) if p["student_id"] == student_id]
    stored = session.exec(select(AdultMatch).where(or_(
        AdultMatch.student_id == student_id,
        AdultMatch.adult_a_id.in_([p["keep"] for p in found])))).scalars().all()
    decided = {(m.adult_a_id, m.adult_b_id) for m in stored if m.status != MatchStatus.PROPOSED}
    out = [p for p in found if (p["keep"], p["merge"]) not in decided]
    seen = {(p["keep"], p["merge"]) for p in out}
    for m in stored:
        if m.status == MatchStatus.PROPOSED and (m.adult_a_id, m.adult_b_id) not in seen:
            out.append({"keep": m.adult_a_id, "merge": m.adult_b_id, "score": m.score,
                        "student_id": student_id, "same_household": False, "roles": []})
    names = dict(zip(tables.adults["adult_id"].tolist(), tables.adults["name"].tolist(),
                     strict=True))
    roles = dict(zip(tables.adults["adult_id"].tolist(),
                     tables.adults["role"].astype(object).tolist(), strict=True))
    for p in out:
        p.update(keep_name=names.get(p["keep"], ""), merge_name=names.get(p["merge"], ""),
                 keep_role=roles.get(p["keep"]), merge_role=roles.get(p["merge"]))
    return out


def decide(*, session: Session, proposal: dict, accept: bool, staff_id: int) -> AdultMatch:
    """Record the counselor's answer; on "same person" merge the adults."""
    match = session.exec(select(AdultMatch).where(
        AdultMatch.adult_a_id == proposal["keep"],
        AdultMatch.adult_b_id == proposal["merge"])).scalars().first()
    if match is None:
        match = AdultMatch(student_id=proposal["student_id"], adult_a_id=proposal["keep"],
                           adult_b_id=proposal["merge"], score=float(proposal["score"]))
    match.status = MatchStatus.CONFIRMED if accept else MatchStatus.REJECTED
    match.decided_by_id, match.decided_at = staff_id, utcnow()
    session.add(match)
    if accept:
        merged = session.get(Adult, proposal["merge"])
        merged.merged_into_id = proposal["keep"]
        session.add(merged)
    session.flush()
    return match
