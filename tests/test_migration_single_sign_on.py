"""c1d0a5150001 (staff single sign-on) on a database holding data: staff, settings and a
link survive; issuer + subject is unique; the downgrade drops only what it added."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.test_migrations import _config, _district_wave_household, empty_url  # noqa: F401

BEFORE, THIS = "f8a1b2c3d418", "c1d0a5150001"


def test_staff_identity_added_to_a_database_holding_data(empty_url):  # noqa: F811
    cfg = _config(empty_url)
    command.upgrade(cfg, BEFORE)
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        _district_wave_household(conn)
        conn.execute(text(
            "INSERT INTO staff_user (id, district_id, email, password_hash, given_name, "
            "family_name, role, languages, language, active, session_generation, created_at) "
            "VALUES (7, 1, 'kept@example.org', 'hash', 'Kept', 'Teacher', 'staff', '[]', 'en', "
            "true, 3, CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO district_settings (district_id, flag_rules, priority_tiers, min_n, "
            "languages, retention_days, removal_share, updated_at) VALUES (1, '{}', '{}', 12, "
            "'[]', 365, 0.1, CURRENT_TIMESTAMP)"))
    command.upgrade(cfg, THIS)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT password_sign_in, min_n FROM district_settings")
                            ).one() == (True, 12)
        conn.execute(text("INSERT INTO staff_identity (user_id, issuer, subject, email, "
                          "created_at) VALUES (7, 'https://idp.example', 'abc', "
                          "'kept@example.org', CURRENT_TIMESTAMP)"))
    for other in ("(7, 'https://idp.example', 'abc')", "(7, 'https://idp.example', 'xyz')"):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO staff_identity (user_id, issuer, subject, email, "
                              f"created_at) VALUES {other[:-1]}, 'x@example.org', "
                              "CURRENT_TIMESTAMP)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT session_generation FROM staff_user")).scalar_one() == 3
    command.downgrade(cfg, BEFORE)
    with engine.connect() as conn:
        assert "staff_identity" not in inspect(conn).get_table_names()
        assert "password_sign_in" not in {c["name"] for c in
                                          inspect(conn).get_columns("district_settings")}
        assert conn.execute(text("SELECT email FROM staff_user")).scalar_one() == \
            "kept@example.org"
    command.upgrade(cfg, "head")
    engine.dispose()
