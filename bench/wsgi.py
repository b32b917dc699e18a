"""What the HTTP benchmark serves (never the application's own entry point, `app.py`).

`app`: Cabinet, plus one bare route rendering a small template through the same server,
the same hooks and the same workers — the yardstick every page is compared to.
`plain_app`: the same, opening an UNENCRYPTED copy of the data (bench/pages.py makes it with
`sqlcipher_export` into a keyless file): the cost of SQLCipher, measured.
Both also serve every page under `/sans-trace` with `trace()` a no-op, for what tracing a
read costs over HTTP (bench/trace_cost.py): the same process, the same connections, the
page with and without its trace in interleaved rounds. The application
itself has no way to open a database without its key (`db.configure` refuses an empty one;
tests/test_storage.py).
"""

import os
import sys

from flask import has_request_context, render_template_string, request

from bench.served import UNTRACED
from cabinet import create_app, db
from cabinet.security import public

BARE = "<!doctype html><title>banc</title><p>{{ word }} {{ number }}</p>"


def _with_bare_route(application):
    @application.route("/banc/nu")
    @public
    def bare():
        """The yardstick: a small template, nothing read, nothing traced."""
        return render_template_string(BARE, word="banc", number=42)

    return _with_untraced_prefix(application)


def _with_untraced_prefix(application):
    """Bench only: a page asked under UNTRACED is served as itself with trace() a no-op."""
    from cabinet.audit import services

    real = services.trace

    def trace(*args, **kwargs):
        if has_request_context() and request.environ.get("bench.untraced"):
            return None
        return real(*args, **kwargs)

    # Every module that imported trace() by name (`from cabinet.audit import trace`).
    for module in list(sys.modules.values()):
        if (
            module
            and module.__name__.startswith("cabinet")
            and getattr(module, "trace", None) is real
        ):
            module.trace = trace
    served = application.wsgi_app

    def wsgi_app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(UNTRACED + "/"):
            environ["PATH_INFO"] = path[len(UNTRACED) :]
            environ["bench.untraced"] = True
        return served(environ, start_response)

    application.wsgi_app = wsgi_app
    return application


def _plain(database, path, hex_key):
    # Bench only: the copy made by bench/pages.py has no key at all.
    database.init(str(path), passphrase="", pragmas=db.PRAGMAS)


if os.environ.get("CABINET_BENCH_PLAIN") == "1":
    db.configure = _plain
    plain_app = _with_bare_route(create_app())
else:
    app = _with_bare_route(create_app())
