"""Every invitation of a small demo district opens: a newcomer's first clicks after ``make run``."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import SQLModel

from survey_app.db import get_engine
from survey_app.services import codes


def test_every_demo_invitation_opens(app, runner):
    result = runner.invoke(args=["demo", "--students", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    secret = app.config["SECRET_KEY"]
    with get_engine(app).connect() as conn:
        table = SQLModel.metadata.tables["invitation"]
        invitations = conn.execute(select(table.c.nonce, table.c.status)).all()
    assert {"started", "submitted"} <= {str(i.status) for i in invitations}
    opened = set()
    for inv in invitations:
        client = app.test_client()
        response = client.get(f"/r/{codes.derive_token(secret, inv.nonce)}",
                              follow_redirects=True)
        # 200: resumed or thanked; 410: a closed window's kind page. Never a 500.
        assert response.status_code in (200, 410), (inv.status, response.status_code)
        if response.status_code == 200:
            opened.add(str(inv.status))
    assert {"started", "submitted"} <= opened
