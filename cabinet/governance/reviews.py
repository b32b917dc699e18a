"""The annual review of permissions (A5, référentiel §10 « Gérer les habilitations »).

The page lists every account as it stands (role, second factors, last use, end date, open
sessions); the admin decides for each (kept, changed, disabled) and signs. The review keeps
a line per account as seen that day, so a past review prints as it was. A reminder shows
on the admin's home page, and the compliance report marks the measure missing, once 12
months have passed since the last signed review (or when none was ever signed).
"""

import datetime
from dataclasses import dataclass

from cabinet.audit import trace
from cabinet.auth.models import User, UserSession
from cabinet.dates import add_months
from cabinet.db import database
from cabinet.governance.models import DECISIONS, AccessReview, AccessReviewLine
from cabinet.users import expiry
from cabinet.users import services as users


class ReviewRefused(Exception):
    """A French message for the page; nothing was signed."""


@dataclass(frozen=True)
class Account:
    user: User
    second_factors: int
    last_used_at: datetime.datetime | None
    open_sessions: int


def accounts() -> list[Account]:
    rows = []
    for user in User.all_by_name():
        sessions = user.sessions.where(UserSession.revoked_at.is_null()).count()
        rows.append(Account(user, user.credentials.count(), user.last_login_at, sessions))
    return rows


def latest() -> AccessReview | None:
    return AccessReview.select().order_by(AccessReview.signed_at.desc()).first()


def next_due(today: datetime.date) -> tuple[AccessReview | None, datetime.date | None, bool]:
    """(last review, when the next is due, whether it is due now)."""
    last = latest()
    if last is None:
        return None, None, True
    due = add_months(last.signed_at.date(), 12)
    return last, due, today >= due


def sign(actor, decisions: dict[int, str], note: str = "") -> AccessReview:
    """Sign the review: every account decided; "disabled" disables it (never oneself)."""
    listed = accounts()
    missing = [a.user.display_name for a in listed if decisions.get(a.user.id) not in DECISIONS]
    if missing:
        raise ReviewRefused(
            "Décidez pour chaque compte avant de signer : " + ", ".join(missing) + "."
        )
    if decisions.get(actor.id) == "disabled":
        raise ReviewRefused("Vous ne pouvez pas désactiver votre propre compte.")
    with database.atomic():
        review = AccessReview.create(signed_by=actor.id, signer_name=actor.display_name, note=note)
        for account in listed:
            AccessReviewLine.create(
                review=review,
                account=account.user.id,
                display_name=account.user.display_name,
                role=account.user.role,
                second_factors=account.second_factors,
                last_used_at=expiry.last_used(account.user),
                end_date=account.user.end_date,
                open_sessions=account.open_sessions,
                decision=decisions[account.user.id],
            )
            if decisions[account.user.id] == "disabled" and account.user.disabled_at is None:
                users.disable(account.user, actor)
        trace(
            actor,
            "review.sign",
            target=f"review:{review.ref}",
            detail=f"{len(listed)} compte(s) revu(s)",
        )
    return review


def past():
    return AccessReview.select().order_by(AccessReview.signed_at.desc())


def get_or_none(actor, ref: str) -> AccessReview | None:
    review = AccessReview.get_or_none(AccessReview.ref == ref)
    if review is not None:
        trace(actor, "review.view", target=f"review:{review.ref}")
    return review


def decisions_from(form) -> dict[int, str]:
    """`decision-<account ref>` fields -> {account id: decision}."""
    by_ref = {user.ref: user.id for user in User.select(User.id, User.ref)}
    decided = {}
    for name, value in form.items():
        if name.startswith("decision-") and name[9:] in by_ref:
            decided[by_ref[name[9:]]] = value
    return decided
