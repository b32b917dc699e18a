"""What every `flask` command shares: one French line and exit 1 on bad input."""

import datetime
import sys
from typing import NoReturn

import click
from flask import current_app

from cabinet import dates
from cabinet.db import utcnow


def fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


def require_ready() -> None:
    if not current_app.config["DATABASE_READY"]:
        fail("La base n'existe pas encore : lancez d'abord `flask --app app init`.")


def as_of(value: str | None) -> datetime.datetime:
    """A date given on the command line as midnight UTC, or now."""
    if value is None:
        return utcnow()
    day = dates.parse_day(value)
    if day is None:
        fail(
            f"Date invalide : {value} (format attendu AAAA-MM-JJ, "
            f"entre {dates.FIRST_DAY.year} et {dates.LAST_DAY.year})."
        )
    return datetime.datetime.combine(day, datetime.time(0))


AS_OF = click.option("--as-of", "as_of", default=None, help="Date de référence AAAA-MM-JJ")
