"""Which backups to keep (X2): pure rules, calendar windows in Paris time.

By default the newest good backup of each of the last 7 days, of each of the last 4 weeks
and of each of the last 12 months (settings `backup_keep_*`). Windows are calendar ones, so
nothing older than the longest window survives, which bounds how long a file deleted by
retention lives on in backups (the register of processing says so, `register_sentence`).
Two exceptions: the newest *verified* backup is always kept, however old; and a backup not
verified yet, or whose restore test failed, is kept during the daily window (for the next
test, or to see what failed), then removed like the others.
"""

import datetime
from dataclasses import dataclass

from cabinet import settings
from cabinet.config import TIMEZONE


@dataclass(frozen=True)
class Rules:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


@dataclass(frozen=True)
class Candidate:
    name: str
    created_at: datetime.datetime  # naive UTC
    good: bool  # its last restore test passed


def current_rules() -> Rules:
    return Rules(
        daily=settings.get("backup_keep_daily"),
        weekly=settings.get("backup_keep_weekly"),
        monthly=settings.get("backup_keep_monthly"),
    )


def _local_day(moment: datetime.datetime) -> datetime.date:
    return moment.replace(tzinfo=datetime.UTC).astimezone(TIMEZONE).date()


def _buckets(today: datetime.date, rules: Rules):
    """(bucket of a day, the buckets still inside their window) for days, weeks, months."""
    monday = today - datetime.timedelta(days=today.weekday())
    days = {today - datetime.timedelta(days=n) for n in range(rules.daily)}
    weeks = {monday - datetime.timedelta(weeks=n) for n in range(rules.weekly)}
    months = set()
    year, month = today.year, today.month
    for _ in range(rules.monthly):
        months.add((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [
        (lambda day: day, days),
        (lambda day: day - datetime.timedelta(days=day.weekday()), weeks),
        (lambda day: (day.year, day.month), months),
    ]


def keep(candidates: list[Candidate], now: datetime.datetime, rules: Rules) -> set[str]:
    """The names to keep; every other candidate may be deleted."""
    today = _local_day(now)
    newest_first = sorted(candidates, key=lambda c: c.created_at, reverse=True)
    good = [c for c in newest_first if c.good]
    kept = {good[0].name} if good else set()
    for bucket_of, window in _buckets(today, rules):
        seen = set()
        for candidate in good:
            bucket = bucket_of(_local_day(candidate.created_at))
            if bucket in window and bucket not in seen:
                seen.add(bucket)
                kept.add(candidate.name)
    days = _buckets(today, rules)[0][1]
    kept |= {c.name for c in newest_first if not c.good and _local_day(c.created_at) in days}
    return kept


def longest_kept(rules: Rules) -> str:
    """The longest a backup is kept under these rules, in French words."""
    spans = [(rules.daily, rules.daily, "jour"), (rules.weekly * 7, rules.weekly, "semaine")]
    spans.append((rules.monthly * 31, rules.monthly, "mois"))
    _, count, unit = max(spans, key=lambda span: span[0])
    plural = "" if count == 1 or unit == "mois" else "s"
    return f"{count} {unit}{plural}"


def register_sentence() -> str:
    """The register of processing's backup measure: how long a deleted file may survive."""
    rules = current_rules()
    return (
        "Sauvegardes chiffrées chaque nuit et testées par une restauration automatique ; "
        f"rotation : {rules.daily} quotidiennes, {rules.weekly} hebdomadaires, "
        f"{rules.monthly} mensuelles. Un dossier supprimé au terme de sa conservation "
        f"peut subsister dans les sauvegardes au plus {longest_kept(rules)} après sa "
        "suppression (sauf si aucune sauvegarde plus récente n'a pu être vérifiée : la "
        "dernière sauvegarde vérifiée est toujours gardée), puis disparaît avec elles."
    )
