"""Senders: how a reminder leaves the app. Email through SMTP now; a text-message gateway
later, without touching the callers.

A caller builds a :class:`Message` (the address, a subject, a plain-text body, an HTML
body and headers for channels that have them) and gives it to the :class:`Sender` for
its channel. The sender answers with a :class:`Result`: sent, or refused by the other
side (*bounced*: the address or the message was turned away, recorded and not retried).
A failure of the channel itself (the server cannot be reached) raises
:class:`SenderUnavailable`: the job stops, what was sent stays recorded, and a retry
carries on from there.

Email uses the standard library's ``smtplib`` and ``email``: a reminder run is a few
thousand messages over one connection from a worker, which needs no asynchronous
client and no dependency; ``email.message.EmailMessage`` writes the multipart
(plain text + HTML, UTF-8) that every mail program reads.

To add text messages: write ``SmsSender`` with the same ``send(message) -> Result``
(``message.text`` is the body, ``message.to`` the number), add it to
:func:`sender_for`, and let the recipient finder (``services.reminder_audience``)
return numbers with ``channel="sms"``. The job, the caps, the opt-outs and the
figures do not change.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    """One reminder to one address, already in the recipient's language."""

    channel: str
    to: str
    subject: str
    text: str
    html: str | None = None
    language: str = "en"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    sent: bool
    #: The server's code and the first words of its answer when it refused.
    detail: str | None = None
    #: Refused for now (a 4xx answer: greylisting, a full mailbox): not a bounce; the
    #: message is not recorded and goes with the next round.
    temporary: bool = False

    @property
    def bounced(self) -> bool:
        return not self.sent and not self.temporary


class SenderUnavailable(RuntimeError):
    """The channel itself failed (no connection, authentication refused): stop the run."""


class Sender(Protocol):
    """Anything that can send a :class:`Message`; used as a context manager for one run."""

    channel: str

    def __enter__(self) -> Sender: ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, message: Message) -> Result: ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    #: ``starttls`` (port 587), ``ssl`` (implicit TLS, port 465) or ``none`` (a relay on
    #: the same host or network, as in the tests).
    tls: str = "starttls"
    sender: str = "noreply@localhost"
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The app's ``SMTP_*`` and ``MAIL_FROM`` settings; None when no host is set."""
        if not config.get("SMTP_HOST"):
            return None
        return cls(host=config["SMTP_HOST"], port=int(config.get("SMTP_PORT") or 587),
                   user=config.get("SMTP_USER") or None,
                   password=config.get("SMTP_PASSWORD") or None,
                   tls=(config.get("SMTP_TLS") or "starttls").lower(),
                   sender=config.get("MAIL_FROM") or "noreply@localhost")


class EmailSender:
    """Email over one SMTP connection for a whole run (``with EmailSender(s) as sender``)."""

    channel = "email"

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> EmailSender:
        s = self.settings
        try:
            if s.tls == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password or "")
        except (OSError, smtplib.SMTPException) as error:
            raise SenderUnavailable(f"SMTP {s.host}:{s.port}: {type(error).__name__}") from error
        self._smtp = smtp
        return self

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def send(self, message: Message) -> Result:
        if self._smtp is None:
            raise RuntimeError("use the sender as a context manager")
        try:
            refused = self._smtp.send_message(email_message(message, self.settings.sender))
        except smtplib.SMTPRecipientsRefused as error:
            return _refusal(*next(iter(error.recipients.values())))
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
            return _refusal(error.smtp_code, error.smtp_error)
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            raise SenderUnavailable(f"SMTP connection lost: {type(error).__name__}") from error
        if refused:  # several recipients, some refused: ours is the only one
            return _refusal(*next(iter(refused.values())))
        return Result(True)


def _refusal(code: int, reply: bytes | str) -> Result:
    """5xx: bounced. 421: the server is closing, stop the run. Other 4xx: try next round."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    detail = f"{code} {text}"[:200]
    if code == 421:
        raise SenderUnavailable(f"SMTP server closing: {detail}")
    return Result(False, detail, temporary=400 <= code < 500)


def email_message(message: Message, sender: str) -> EmailMessage:
    """The MIME message: plain text first, then HTML (mail programs show the last they can)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.text, cte="quoted-printable")
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html", cte="quoted-printable")
    # After the content: setting content clears every Content-* header.
    mail["Content-Language"] = message.language.replace("_", "-")
    return mail


def sender_for(channel: str, config: Mapping[str, Any]) -> Sender | None:
    """The sender of ``channel`` as the app is configured; None when it is not set up."""
    if channel == "email":
        settings = SmtpSettings.from_config(config)
        return EmailSender(settings) if settings else None
    return None
