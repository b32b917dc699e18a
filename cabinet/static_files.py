"""Static files cached for good (issue 20): each URL carries the file's fingerprint
(`/static/css/app.css?v=<first 12 hex of its SHA-256>`), and a request naming the current
fingerprint is answered with `Cache-Control: public, max-age=31536000, immutable` — the
tablet never asks again until a new version changes the URL. A request without it (or with
an old one) keeps Flask's default: revalidated each time. Static files hold no patient data.
"""

import hashlib
from pathlib import Path

from flask import Flask, request

YEAR = 365 * 24 * 3600


def fingerprints(folder: Path) -> dict[str, str]:
    """{"css/app.css": "3f2a…"} for every file under the static folder, read once."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            found[path.relative_to(folder).as_posix()] = digest
    return found


def init_app(app: Flask) -> None:
    prints = fingerprints(Path(app.static_folder))

    @app.url_defaults
    def _fingerprint(endpoint, values):
        if endpoint == "static" and "v" not in values:
            stamp = prints.get(values.get("filename", ""))
            if stamp:
                values["v"] = stamp

    default_max_age = app.get_send_file_max_age

    def max_age(filename):
        if filename and request.args.get("v") == prints.get(filename):
            return YEAR
        return default_max_age(filename)

    app.get_send_file_max_age = max_age

    @app.after_request
    def _immutable(response):
        if request.endpoint == "static" and response.cache_control.max_age == YEAR:
            response.cache_control.public = True
            response.cache_control.immutable = True
        return response
