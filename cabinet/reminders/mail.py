"""The practice's SMTP account, over TLS only (STARTTLS required or TLS from the start), with
the standard library's smtplib. Errors come back as MailFailed with a short French reason
that holds neither the password nor the message."""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

from cabinet import settings


class MailFailed(Exception):
    """The server could not be reached or refused the message (French, short)."""


@dataclass(frozen=True)
class Account:
    host: str
    port: int
    security: str  # "starttls" | "tls"
    login: str
    password: str
    sender: str

    @property
    def is_complete(self) -> bool:
        return bool(self.host and self.sender)


def account() -> Account:
    return Account(
        host=settings.get("smtp_host"),
        port=settings.get("smtp_port"),
        security=settings.get("smtp_security"),
        login=settings.get("smtp_login"),
        password=settings.get("smtp_password"),
        sender=settings.get("smtp_sender"),
    )


def _context() -> ssl.SSLContext:
    """The system's authorities, plus the configured one (a test server, a practice's own)."""
    context = ssl.create_default_context()
    extra = current_app.config.get("SMTP_CA_FILE")
    if extra:
        context.load_verify_locations(cafile=str(extra))
    return context


def _connect(smtp: Account, timeout: float) -> smtplib.SMTP:
    if smtp.security == "tls":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=_context())
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    try:
        client.ehlo()
        if not client.has_extn("starttls"):
            raise MailFailed(
                "Le serveur ne propose pas STARTTLS : envoi refusé (chiffrement exigé)."
            )
        client.starttls(context=_context())
        client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


def send(message: EmailMessage, smtp: Account | None = None) -> None:
    """Send one message, or raise MailFailed."""
    smtp = smtp or account()
    if not smtp.is_complete:
        raise MailFailed("Compte SMTP incomplet : indiquez le serveur et l'adresse d'expédition.")
    try:
        client = _connect(smtp, current_app.config.get("SMTP_TIMEOUT", 15))
        try:
            if smtp.login:
                client.login(smtp.login, smtp.password)
            client.send_message(message)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    except MailFailed:
        raise
    except smtplib.SMTPAuthenticationError:
        raise MailFailed("Identifiant ou mot de passe SMTP refusé par le serveur.") from None
    except smtplib.SMTPRecipientsRefused as refused:
        codes = sorted({code for code, _ in refused.recipients.values()})
        raise MailFailed(f"Destinataire refusé par le serveur (code {codes[0]}).") from None
    except smtplib.SMTPResponseException as refused:
        raise MailFailed(f"Message refusé par le serveur (code {refused.smtp_code}).") from None
    except ssl.SSLError:
        raise MailFailed(
            "Échec du chiffrement TLS (certificat du serveur non reconnu ?)."
        ) from None
    except TimeoutError:
        raise MailFailed("Le serveur SMTP ne répond pas (délai dépassé).") from None
    except (smtplib.SMTPException, OSError) as failed:
        raise MailFailed(f"Serveur SMTP injoignable ({type(failed).__name__}).") from None
