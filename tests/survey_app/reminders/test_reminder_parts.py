"""The parts of a reminder on their own: age, address digests, stop tokens, the MIME message."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from survey_app.services.reminder_audience import address_key, under_thirteen
from survey_app.services.reminder_mail import opt_out_token, read_opt_out_token
from survey_app.services.senders import Message, SmtpSettings, email_message

SECRET = "a-secret-that-is-long-enough-for-the-tests-0123456789"


def _birthdays_passed(born: date, today: date) -> int:
    """Age counted the slow way: the birthdays (Feb 29 → Mar 1 in other years) on or before today."""
    age = 0
    for year in range(born.year + 1, today.year + 1):
        try:
            birthday = born.replace(year=year)
        except ValueError:  # born on Feb 29
            birthday = date(year, 3, 1)
        age += birthday <= today
    return age


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
       st.integers(min_value=0, max_value=30 * 366))
def test_under_thirteen_agrees_with_counting_birthdays(born, days):
    today = born + timedelta(days=days)
    expected = _birthdays_passed(born, today) < 13
    assert under_thirteen(born, None, today) is expected


def test_without_a_birth_date_the_grade_decides_on_the_careful_side():
    today = date(2026, 12, 6)
    assert under_thirteen(None, None, today)
    assert under_thirteen(None, 7, today)
    assert not under_thirteen(None, 8, today)
    assert under_thirteen(date(2014, 12, 7), 12, today)  # the birth date wins over the grade


@given(st.emails())
def test_an_address_is_known_by_one_digest_however_it_is_written(address):
    assert address_key(address) == address_key(f"  {address.upper()} ")
    assert len(address_key(address)) == 64


@given(st.text(min_size=1, max_size=60), st.integers(min_value=0, max_value=10))
def test_a_stop_token_changed_anywhere_is_refused(junk, where):
    token = opt_out_token(secret=SECRET, key="a" * 64, household_id=7, language="ar")
    assert read_opt_out_token(secret=SECRET, token=token) == {"k": "a" * 64, "h": 7, "l": "ar"}
    position = min(where, len(token) - 1)
    changed = token[:position] + junk + token[position + 1:]
    if changed != token:
        assert read_opt_out_token(secret=SECRET, token=changed) is None
    assert read_opt_out_token(secret="another-" + SECRET, token=token) is None


def test_the_message_has_both_parts_the_language_and_one_click_unsubscribe():
    message = Message(channel="email", to="omar@usra.example", subject="تذكير", text="نص",
                      html='<html lang="ar" dir="rtl"><body>نص</body></html>', language="ar",
                      headers={"List-Unsubscribe": "<https://x.example/reminders/stop/t>",
                               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    mail = email_message(message, "Test <surveys@district.example>")
    assert mail["Content-Language"] == "ar"
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Message-ID"].endswith("@district.example>")
    assert mail["Auto-Submitted"] == "auto-generated"


def test_smtp_settings_come_from_the_config_or_not_at_all():
    assert SmtpSettings.from_config({}) is None
    settings = SmtpSettings.from_config({"SMTP_HOST": "mail.example", "SMTP_PORT": "465",
                                         "SMTP_TLS": "SSL", "MAIL_FROM": "a@b.example"})
    assert (settings.port, settings.tls, settings.sender) == (465, "ssl", "a@b.example")


def test_a_school_name_is_text_in_the_html_and_as_typed_in_the_plain_part(app):
    from survey_app.services.invitations import Access
    from survey_app.services.reminder_audience import Recipient
    from survey_app.services.reminder_mail import build

    recipient = Recipient(1, "family", "family", "email", "a@b.example", "fa", 1, 1)
    access = Access(code="ABCD-EFGH-JK", token="t", url="https://x.example/r/t")
    with app.app_context():
        message = build(app, recipient, access, stop_url="https://x.example/reminders/stop/s",
                        school_name='<img src=x onerror=alert(1)> Elm & "Oak"')
    assert "<img" not in message.html
    assert "&lt;img" in message.html
    assert '<img src=x onerror=alert(1)> Elm & "Oak"' in message.text
    assert '<html lang="fa" dir="rtl">' in message.html
    assert '<strong dir="ltr">ABCD-EFGH-JK</strong>' in message.html  # a code reads left to right
