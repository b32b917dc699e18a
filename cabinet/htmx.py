"""The one place that decides between a full page and an htmx fragment."""

from flask import make_response, render_template, request


def is_fragment_request() -> bool:
    """True for an htmx request that wants a fragment.

    A history restore and a boosted link or form (hx-boost on the page) need the
    whole page, even though htmx sends them with HX-Request too.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-History-Restore-Request") != "true"
        and headers.get("HX-Boosted") != "true"
    )


def render(page: str, partial: str | None = None, status: int = 200, **context):
    """Render `partial` for htmx requests and `page` otherwise; caches must tell them apart."""
    template = partial if partial and is_fragment_request() else page
    response = make_response(render_template(template, **context), status)
    response.headers.add("Vary", "HX-Request")
    return response
