"""The one export analysts may take holds aggregates only: no name, id or sourcedId."""

from __future__ import annotations

from tests.factories import make_student


def test_analysts_equity_export_names_no_student(client, world, login_as, session):
    for i in range(12):  # enough students that some groups are shown
        make_student(session, world.school, given_name=f"Zelda{i}", family_name="Quill",
                     english_learner=i % 2 == 0)
    session.commit()
    login_as(world.users["analyst"])
    for fmt in ("csv", "xlsx"):
        response = client.post("/exports/download", data={"kind": "equity", "equity-fmt": fmt,
                                                          "equity-school": ""})
        assert response.status_code == 200
        data = response.data
        response.close()
        if fmt == "csv":
            text = data.decode("utf-8-sig")
            assert "All students" in text
            for needle in ("Zelda", "Quill", "stu-", "S0"):
                assert needle not in text, needle
        else:
            import io

            import openpyxl

            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            cells = [str(c) for ws in book for row in ws.iter_rows(values_only=True)
                     for c in row if c is not None]
            book.close()
            assert not any("Zelda" in c or "Quill" in c for c in cells)
