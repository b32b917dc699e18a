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

from flask import render_template_string

from bench.served import with_untraced_prefix
from cabinet import create_app, db
from cabinet.security import public

BARE = "<!doctype html><title>banc</title><p>{{ word }} {{ number }}</p>"


def _with_bare_route(application):
    @application.route("/banc/nu")
    @public
    def bare():
        """The yardstick: a small template, nothing read, nothing traced."""
        return render_template_string(BARE, word="banc", number=42)

    return with_untraced_prefix(application)


def _plain(database, path, hex_key):
    # Bench only: the copy made by bench/pages.py has no key at all.
    database.init(str(path), passphrase="", pragmas=db.PRAGMAS)


if os.environ.get("CABINET_BENCH_PLAIN") == "1":
    db.configure = _plain
    plain_app = _with_bare_route(create_app())
else:
    app = _with_bare_route(create_app())
