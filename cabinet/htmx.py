"""The one place that decides between a full page and an htmx fragment, and that speaks
htmx's response headers (through htmx-flask's `request.htmx` and `make_response`)."""

from flask import render_template
from htmx_flask import make_response, request


def is_fragment_request() -> bool:
    """True for an htmx request that wants a fragment.

    A history restore and a boosted link or form (hx-boost on the page) need the
    whole page, even though htmx sends them with HX-Request too.
    """
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render(page: str, partial: str | None = None, status: int = 200, **context):
    """Render `partial` for htmx requests and `page` otherwise; caches must tell them apart."""
    template = partial if partial and is_fragment_request() else page
    response = make_response(render_template(template, **context), status)
    response.headers.add("Vary", "HX-Request")
    return response


def redirect_away(url: str):
    """Send an htmx request to another page (401 + HX-Redirect: htmx would otherwise swap a
    login or lock page into a fragment's place)."""
    return make_response("", 401, redirect=url)


def retarget(response, selector: str, swap: str = "outerHTML"):
    """Swap this fragment into another element than the one that asked for it."""
    response.headers["HX-Retarget"] = selector
    response.headers["HX-Reswap"] = swap
    return response
