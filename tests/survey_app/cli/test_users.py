from sqlmodel import select
from werkzeug.security import check_password_hash

from survey_app.models import CounselorSchool, StaffUser


def test_create_user_with_password_from_environment(runner, world, session, monkeypatch):
    monkeypatch.setenv("NEW_PW", "a long enough password")
    result = runner.invoke(args=["create-user", "New.Counselor@Example.org", "--role", "counselor",
                                 "--school", "ELM", "--school", "OAK", "--password-env", "NEW_PW",
                                 "--name", "Ana Reyes"])
    assert result.exit_code == 0, result.output
    user = session.exec(select(StaffUser).where(StaffUser.email == "new.counselor@example.org")).one()
    assert user.password_hash.startswith("scrypt:32768:8:1$")  # full cost, not the tests' cheap one
    assert (user.given_name, user.family_name) == ("Ana", "Reyes")
    served = session.exec(select(CounselorSchool).where(CounselorSchool.staff_id == user.id)).all()
    assert len(served) == 2


def test_create_user_refuses_short_password_and_unknown_school(runner, world, monkeypatch):
    monkeypatch.setenv("PW", "short")
    result = runner.invoke(args=["create-user", "x@example.org", "--role", "staff", "--school",
                                 "ELM", "--password-env", "PW"])
    assert result.exit_code != 0
    assert "at least 12" in result.output
    monkeypatch.setenv("PW", "a long enough password")
    result = runner.invoke(args=["create-user", "x@example.org", "--role", "staff", "--school",
                                 "NOPE", "--password-env", "PW"])
    assert result.exit_code != 0
    assert "NOPE" in result.output


def test_create_user_has_help(runner):
    result = runner.invoke(args=["create-user", "--help"])
    assert result.exit_code == 0
    assert "--role" in result.output


def test_unknown_email_costs_the_same_scrypt_as_a_real_account():
    """The hash checked for unknown emails has the production parameters, so both cost alike."""
    from survey_app.services import users

    assert users._DUMMY_HASH.split("$")[0] == users.hash_password("x" * 12).split("$")[0]
    assert check_password_hash(users._DUMMY_HASH, "not-a-real-password-0000")


def test_init_district_then_create_user_on_an_empty_install(runner, session, monkeypatch):
    from survey_app.models import District

    monkeypatch.setenv("PW", "a long enough password")
    refused = runner.invoke(args=["create-user", "c@example.org", "--role", "district_admin",
                                  "--password-env", "PW"])
    assert refused.exit_code != 0
    assert "init-district" in refused.output
    result = runner.invoke(args=["init-district", "Riverside  Unified", "--admin",
                                 "Admin@Example.org", "--password-env", "PW"])
    assert result.exit_code == 0, result.output
    district = session.exec(select(District)).one()
    assert (district.name, district.code) == ("Riverside Unified", "riverside-unified")
    admin = session.exec(select(StaffUser)).one()
    assert (admin.email, admin.role, admin.district_id) == ("admin@example.org",
                                                            "district_admin", district.id)
    again = runner.invoke(args=["init-district", "Other", "--admin", "b@example.org",
                                "--password-env", "PW"])
    assert again.exit_code != 0
    assert "exists already" in again.output
    result = runner.invoke(args=["create-user", "c@example.org", "--role", "district_admin",
                                 "--password-env", "PW"])
    assert result.exit_code == 0, result.output


def test_init_district_refuses_a_short_password_and_saves_nothing(runner, session, monkeypatch):
    from survey_app.models import District

    monkeypatch.setenv("PW", "short")
    result = runner.invoke(args=["init-district", "D", "--admin", "a@example.org",
                                 "--password-env", "PW"])
    assert result.exit_code != 0
    assert "at least 12" in result.output
    assert session.exec(select(District)).first() is None
