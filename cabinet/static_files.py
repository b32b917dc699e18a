"""Static files cached for good and sent compressed (issue 20).

Each URL carries the file's fingerprint (`/static/css/app.css?v=<first 12 hex of its
SHA-256>`), and a request naming the current fingerprint is answered with
`Cache-Control: public, max-age=31536000, immutable` — the tablet never asks again until a
new version changes the URL. A request without it (or with an old one) keeps Flask's
default: revalidated each time.

Text files (CSS, JavaScript, SVG) are gzipped once at start-up, in memory, and sent as such
to a browser that accepts gzip (htmx: 52 kB → about 16 kB). Only static files: they hold
no patient data, whereas compressing the dynamic pages beside a secret they carry (the CSRF
token) would open them to BREACH-style guessing.
"""

import gzip
import hashlib
from pathlib import Path

from flask import Flask, request

YEAR = 365 * 24 * 3600
COMPRESSIBLE = {".css", ".js", ".svg", ".txt", ".json"}
SMALLEST = 512  # below this, gzip's header costs more than it saves


def fingerprints(folder: Path) -> dict[str, str]:
    """{"css/app.css": "3f2a…"} for every file under the static folder, read once."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            found[path.relative_to(folder).as_posix()] = digest
    return found


def compressed(folder: Path) -> dict[str, bytes]:
    """{"js/app.js": <gzip bytes>} for the text files worth compressing (mtime 0: the same
    bytes on every start, so the ETag below stays stable)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in COMPRESSIBLE:
            raw = path.read_bytes()
            if len(raw) >= SMALLEST:
                packed = gzip.compress(raw, compresslevel=9, mtime=0)
                if len(packed) < len(raw):
                    found[path.relative_to(folder).as_posix()] = packed
    return found


def _accepts_gzip() -> bool:
    return any(name == "gzip" and quality > 0 for name, quality in request.accept_encodings)


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder)
    prints = fingerprints(folder)
    packed = compressed(folder)

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
    def _cache_and_compress(response):
        if request.endpoint != "static":
            return response
        filename = (request.view_args or {}).get("filename", "")
        if response.cache_control.max_age == YEAR:
            response.cache_control.public = True
            response.cache_control.immutable = True
        if filename in packed:
            response.vary.add("Accept-Encoding")
            if response.status_code == 200 and _accepts_gzip() and "Range" not in request.headers:
                file = response.response
                response.direct_passthrough = False
                response.set_data(packed[filename])
                getattr(file, "close", lambda: None)()  # the file Flask opened for us
                response.headers["Content-Encoding"] = "gzip"
                # Another representation, another validator (RFC 9110 §8.8.3).
                response.set_etag(f"{prints[filename]}-gzip")
                response.make_conditional(request)
        return response
