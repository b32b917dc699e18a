"""Obsolete access disappears by itself (A4): a daily job disables the accounts past their
end date (already refused at login) and those unused for a set time (setting, 6 months by
default). It never disables the last admin who can still sign in: the practice would be
locked out of its own accounts. A disabled account keeps its traces; its reason is kept
on the account, shown to the admin and, after a right password, to the user.
"""

import datetime

from cabinet import settings
from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.auth.sessions import revoke
from cabinet.db import database, retrying

EXPIRED = "date de fin dépassée"


def inactivity_cutoff(now: datetime.datetime) -> datetime.datetime:
    months = settings.get("account_inactivity_months")
    return now - datetime.timedelta(days=round(months * 30.44))


def last_used(user: User) -> datetime.datetime:
    """The last login, the creation for an account never used, or its re-enabling by the
    admin (else the next night would disable it again)."""
    return max(d for d in (user.last_login_at, user.created_at, user.reenabled_at) if d)


def _reason(user: User, now: datetime.datetime) -> str | None:
    if user.is_expired(now.date()):
        return f"{EXPIRED} ({user.end_date.strftime('%d/%m/%Y')})"
    if last_used(user) < inactivity_cutoff(now):
        months = settings.get("account_inactivity_months")
        return f"inutilisé depuis le {last_used(user).strftime('%d/%m/%Y')} (plus de {months} mois)"
    return None


def _active_admins() -> int:
    return User.select().where((User.role == "admin") & User.disabled_at.is_null()).count()


def run(now: datetime.datetime) -> dict:
    """Disable what is obsolete today; return what was disabled and what was spared."""
    return retrying(lambda: _disable_obsolete(now))


def _disable_obsolete(now: datetime.datetime) -> dict:
    disabled, spared = [], []
    with database.atomic():
        for user in User.select().where(User.disabled_at.is_null()).order_by(User.id):
            reason = _reason(user, now)
            if reason is None:
                continue
            if user.role == "admin" and _active_admins() <= 1:
                spared.append(user.login)
                trace(
                    None,
                    "user.disable_spared",
                    target=f"user:{user.id}",
                    detail=f"dernier administrateur : non désactivé ({reason})",
                )
                continue
            User.update(disabled_at=now, disabled_reason=reason).where(User.id == user.id).execute()
            revoke(user_id=user.id, reason="compte désactivé automatiquement")
            trace(None, "user.disable", target=f"user:{user.id}", detail=f"automatique : {reason}")
            disabled.append(user.login)
    return {"disabled": disabled, "spared": spared}
