"""Template helpers: French dates in Europe/Paris, permission checks for navigation."""

import datetime
import re
from decimal import Decimal
from urllib.parse import urlencode

from flask import Flask, has_request_context, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from cabinet import security, settings
from cabinet.config import TIMEZONE


def local_datetime(value: datetime.datetime | str | None) -> str:
    """Stored UTC -> "29/11/2026 à 17:05" in Paris time.

    Also takes the ISO text of a JSON document (an export, an archived file), naive or
    ending in "Z": both are UTC, as every timestamp we store."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    local = value.astimezone(TIMEZONE)
    return f"{french_date(local)} à {local.hour:02d}:{local.minute:02d}"


def paris_to_utc(day: datetime.date, at: datetime.time) -> datetime.datetime:
    """A Paris wall-clock time on a given day, as the naive UTC datetime we store."""
    local = datetime.datetime.combine(day, at, tzinfo=TIMEZONE)
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def paris_midnight_utc(day: datetime.date) -> datetime.datetime:
    """Midnight of a Paris calendar day, as the naive UTC time we store."""
    return paris_to_utc(day, datetime.time(0))


def number(value) -> str:
    """71.50 -> "71,5"; 3 -> "3" (French decimal comma, no useless zeros)."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def euros(value) -> str:
    """17.2 -> "17,20 €"."""
    return f"{Decimal(value).quantize(Decimal('0.01')):f}".replace(".", ",") + " €"


def french_date(value: datetime.date | str | None) -> str:
    """2026-11-29 (a date, or its ISO text in a JSON document) -> "29/11/2026"."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    # What strftime("%d/%m/%Y") writes, at half its cost: a list of twenty patients
    # writes twenty birth dates (issue 20).
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


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

    app.jinja_env.globals["url_for"] = _routed_once(app)

    @app.context_processor
    def _permissions():
        # The user and the role's permissions resolved once per page: the navigation asks
        # `can` about fifteen times, and each question went through flask-login's proxy.
        user = current_user._get_current_object()
        held = security.permissions_of(user) if user.is_authenticated else frozenset()
        idle = settings.get("idle_lock_minutes") * 60 if user.is_authenticated else 0
        return {"can": held.__contains__, "roles": security.ROLES, "idle_seconds": idle}


# A ref (secrets.token_urlsafe) and the stand-in below use only characters werkzeug never
# quotes, in a path or a query string: a link routed with the stand-in, then the stand-in
# replaced by the ref, is the link werkzeug would have built for the ref.
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_STAND_IN = "0routedonce0"
# What werkzeug leaves unquoted in a query string (werkzeug.urls._urlencode, 3.1).
_QUERY_SAFE = "!$'()*,/:;?@"


def _routed_once(app: Flask):
    """`url_for` for templates, routing each kind of link once per process and script root
    (werkzeug's URL building was a tenth of a page's time; issue 20):
    - a link without arguments (the navigation, the forms' actions: about twenty a page);
    - a static file by its name (its fingerprint, added by a url_defaults hook, is read
      once at start-up: static_files.py);
    - a link with one ref as its only argument (a patient's, an appointment's: the patient
      page holds about twenty) is routed once with a stand-in, which the ref replaces;
    - a link to a page whose one rule has no path arguments nor defaults, given texts and
      numbers (the agenda's days and views): its path routed once, its arguments written
      as werkzeug writes a query string (`_QUERY_SAFE`), Nones left out.
    Anything else (a number or another text in a path, a list, blueprint-relative links)
    is built each time, as Flask does."""
    routed: dict[tuple, str | None] = {}
    query_only: dict[str, bool] = {}

    def takes_only_a_query(endpoint: str) -> bool:
        if endpoint not in query_only:
            rules = list(app.url_map.iter_rules(endpoint)) if endpoint in app.view_functions else []
            query_only[endpoint] = len(rules) == 1 and not (rules[0].arguments or rules[0].defaults)
        return query_only[endpoint]

    def once(key: tuple, build) -> str | None:
        if key not in routed:
            routed[key] = build()
        return routed[key]

    def pattern_of(endpoint: str, name: str) -> str | None:
        try:
            return url_for(endpoint, **{name: _STAND_IN})
        except (BuildError, ValueError):
            return None  # not routable with a stand-in (a number's rule): built each time

    def url_for_in_template(endpoint: str, **values) -> str:
        if endpoint.startswith(".") or not has_request_context():
            return url_for(endpoint, **values)
        root = request.script_root
        if not values:
            return once((endpoint, root), lambda: url_for(endpoint))
        if len(values) > 1:
            return query_link(endpoint, root, values)
        ((name, value),) = values.items()
        if endpoint == "static" and name == "filename":
            return once((endpoint, value, root), lambda: url_for(endpoint, filename=value))
        if not name.startswith("_") and isinstance(value, str) and _TOKEN.fullmatch(value):
            pattern = once((endpoint, name, root), lambda: pattern_of(endpoint, name))
            if pattern is not None and pattern.count(_STAND_IN) == 1:
                return pattern.replace(_STAND_IN, value)
        return query_link(endpoint, root, values)

    def query_link(endpoint: str, root: str, values: dict) -> str:
        if (
            endpoint == "static"
            or not takes_only_a_query(endpoint)
            or any(name.startswith("_") for name in values)
            or any(value is not None and type(value) not in (str, int) for value in values.values())
        ):
            return url_for(endpoint, **values)
        path = once((endpoint, root), lambda: url_for(endpoint))
        query = [(name, value) for name, value in values.items() if value is not None]
        return f"{path}?{urlencode(query, safe=_QUERY_SAFE)}" if query else path

    return url_for_in_template
