"""Settings with safe defaults, read from the environment and the instance folder.

Only deployment facts live here (paths, origins, cookie flags). What the practice
chooses itself (durations, names, sharing) are settings stored in the database.
"""

import os
import re
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
# The practice's legal time: every stored time is naive UTC, shown and typed in this zone.
TIMEZONE = ZoneInfo("Europe/Paris")


def use_practice_clock() -> None:
    """Make the process's local time the practice's, so that "today" (`date.today()`, a
    form's default date, the last day of a report) is the practice's day whatever zone the
    server's system clock is set to. Found when the suite ran at 00:02 in Paris on a machine
    kept in UTC: « today » was still the day before, and the access report, ending
    « today », left out the reading just made. Stored times are UTC and do not move."""
    os.environ["TZ"] = TIMEZONE.key
    time.tzset()


# At import: everything that asks for today's date, in the app, the CLI, gunicorn's
# configuration and the tests alike, imports this module first.
use_practice_clock()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "oui"}


def _env_hops() -> int:
    value = os.environ.get("CABINET_BEHIND_PROXY", "0").strip() or "0"
    if not value.isdigit() or int(value) > 3:
        raise SystemExit(
            "CABINET_BEHIND_PROXY doit valoir 0 (aucun mandataire) ou le nombre de mandataires "
            "de confiance devant Cabinet (1 en général)."
        )
    return int(value)


# A DNS name (WebAuthn refuses an IP address as relying party): labels of letters, digits, "-".
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
)


def _env_hostname() -> str:
    value = os.environ.get("CABINET_HOSTNAME", "cabinet.local").strip().lower().rstrip(".")
    if not _HOSTNAME.match(value):
        raise SystemExit(
            f"CABINET_HOSTNAME ({value!r}) doit être un nom d'hôte, par exemple cabinet.local "
            "(pas une adresse IP : l'authentification forte exige un nom)."
        )
    return value


def _served_origin(https: bool, hostname: str, port: str, hops: int) -> tuple[str, str]:
    """WebAuthn's relying party and origin, derived from how Cabinet is served (X3, S5):
    the host name over HTTPS (gunicorn's own TLS on PORT, or a proxy on 443), else
    `localhost` for `make run`."""
    if not https:
        return "localhost", f"http://localhost:{port}"
    if hops or port == "443":
        return hostname, f"https://{hostname}"
    return hostname, f"https://{hostname}:{port}"


def load(overrides: dict | None = None) -> dict:
    """Build the Flask config: defaults, then environment, then explicit overrides."""
    instance = Path(os.environ.get("CABINET_INSTANCE", ROOT / "instance")).resolve()
    port = os.environ.get("PORT", "5000")
    hostname = _env_hostname()
    hops = _env_hops()
    # gunicorn.conf.py sets CABINET_TLS=1 when it serves HTTPS itself (`make serve`).
    tls = _env_bool("CABINET_TLS", False)
    rp_id, origin = _served_origin(tls or hops > 0, hostname, port, hops)
    config = {
        "INSTANCE_PATH": instance,
        "DATABASE_PATH": instance / "cabinet.db",
        "ARCHIVE_PATH": Path(os.environ.get("CABINET_ARCHIVE_PATH", instance / "archive.db")),
        "KEYS_PATH": instance / "keys",
        # WebAuthn relying party: the host name users type, never an IP address.
        # Both derived from how Cabinet is served; the variables only override the derivation.
        "RP_ID": os.environ.get("CABINET_RP_ID", rp_id),
        "RP_NAME": os.environ.get("CABINET_RP_NAME", "Cabinet"),
        "ORIGINS": os.environ.get("CABINET_ORIGINS", origin).split(","),
        # The name the tablets type (and mDNS announces), and the instance's own TLS.
        "HOSTNAME": hostname,
        "TLS": tls,
        # mDNS announcement of HOSTNAME (gunicorn.conf.py: only when serving the network).
        "MDNS": _env_bool("CABINET_MDNS", True),
        "SESSION_COOKIE_NAME": "cabinet_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        # Secure cookies need TLS; `make run` serves plain http on localhost.
        "SESSION_COOKIE_SECURE": _env_bool("CABINET_SECURE_COOKIES", False),
        # Reverse proxies whose X-Forwarded-For/-Proto are trusted: exactly this many hops,
        # configured, never guessed (0: the client address is the socket's).
        "PROXY_HOPS": hops,
        "REMEMBER_COOKIE_DURATION": 0,
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        # Over HTTPS Flask-WTF also demands a same-site Referer by default; Cabinet sends
        # `Referrer-Policy: no-referrer` (X4), so browsers send none and every form would be
        # refused. The token, bound to a SameSite=Strict session, is the protection.
        "WTF_CSRF_SSL_STRICT": False,
        "WTF_I18N_ENABLED": False,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Argon2id cost (RFC 9106 second recommended option: 64 MiB, t=3, p=4).
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_KIB": 65536,
        "ARGON2_PARALLELISM": 4,
        "TESTING": False,
        # The nightly jobs (retention, housekeeping); CABINET_SCHEDULER=0 turns them off
        # in a process that must not run them (benchmarks, one-off scripts).
        "SCHEDULER": _env_bool("CABINET_SCHEDULER", True),
        # Backups (X2): a folder on another disk wins over the admin's setting; without
        # either, instance/backups, shown in red (a backup on the same disk protects nothing).
        "BACKUP_DIR": os.environ.get("CABINET_BACKUP_DIR") or None,
        "BACKUP_COPY_DIR": os.environ.get("CABINET_BACKUP_COPY_DIR") or None,
        # E-mail reminders: an extra authority to trust for the SMTP server's certificate
        # (the system's authorities are always trusted), and how long one exchange may take.
        "SMTP_CA_FILE": os.environ.get("CABINET_SMTP_CA") or None,
        "SMTP_TIMEOUT": 15,
    }
    if overrides:
        config.update(overrides)
    # Beside the instance it belongs to, also when a test moves the instance.
    config.setdefault("TLS_PATH", Path(config["INSTANCE_PATH"]) / "tls")
    # The journal of readings (issue 20): always beside the active database it belongs to.
    config.setdefault("READINGS_PATH", Path(config["DATABASE_PATH"]).with_name("lectures.db"))
    for key in (
        "INSTANCE_PATH",
        "DATABASE_PATH",
        "ARCHIVE_PATH",
        "READINGS_PATH",
        "KEYS_PATH",
        "TLS_PATH",
    ):
        config[key] = Path(config[key])
    return config
