"""Template helpers: French dates in Europe/Paris, permission checks for navigation."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user

from cabinet import security

PARIS = ZoneInfo("Europe/Paris")


def local_datetime(value: datetime.datetime | None) -> str:
    """Stored UTC -> "29/11/2026 à 17:05" in Paris time."""
    if value is None:
        return ""
    local = value.replace(tzinfo=datetime.UTC).astimezone(PARIS)
    return local.strftime("%d/%m/%Y à %H:%M")


def paris_midnight_utc(day: datetime.date) -> datetime.datetime:
    """Midnight of a Paris calendar day, as the naive UTC time we store."""
    local = datetime.datetime.combine(day, datetime.time(0), tzinfo=PARIS)
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def number(value) -> str:
    """71.50 -> "71,5"; 3 -> "3" (French decimal comma, no useless zeros)."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def euros(value) -> str:
    """17.2 -> "17,20 €"."""
    return f"{Decimal(value).quantize(Decimal('0.01')):f}".replace(".", ",") + " €"


def french_date(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def age(birth_date: datetime.date, today: datetime.date | None = None) -> int:
    today = today or datetime.date.today()
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["french_date"] = french_date
    app.jinja_env.filters["age"] = age
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["utc_start"] = lambda day: paris_midnight_utc(day)
    app.jinja_env.filters["utc_end"] = lambda day: paris_midnight_utc(
        day + datetime.timedelta(days=1)
    )

    @app.context_processor
    def _permissions():
        def can(permission: str) -> bool:
            return current_user.is_authenticated and security.has_permission(
                current_user, permission
            )

        from cabinet import settings

        idle = 0
        if current_user.is_authenticated:
            idle = settings.get("idle_lock_minutes") * 60
        return {"can": can, "roles": security.ROLES, "idle_seconds": idle}
