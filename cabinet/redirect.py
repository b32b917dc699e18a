"""The optional plain-HTTP port (`CABINET_HTTP_PORT`, e.g. 80): it only redirects.

Every request, whatever its method, gets a 301 to the same path over HTTPS on the host
name (`https://cabinet.local/...`). Nothing is served and no request body is read, so a
password typed on a plain-HTTP page is never processed: the login itself only exists over
HTTPS, where the browser then keeps HSTS. gunicorn.conf.py starts this small server in its
own process beside the workers (`python -m cabinet.redirect`) and stops it with them.
"""

import os
import threading
import time
from html import escape

from werkzeug.serving import WSGIRequestHandler, make_server

PAGE = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Cabinet</title>'
    "<p>Cabinet ne s'utilise qu'en connexion sécurisée : <a href=\"{url}\">{url}</a></p></html>"
)


def application_for(origin: str):
    """A WSGI application redirecting every request to `origin` + the same path."""
    origin = origin.rstrip("/")

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "/") or "/"
        query = environ.get("QUERY_STRING", "")
        url = origin + path + (f"?{query}" if query else "")
        body = PAGE.format(url=escape(url)).encode()
        start_response(
            "301 Moved Permanently",
            [
                ("Location", url),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                ("Connection", "close"),
            ],
        )
        return [body]

    return application


class _Quiet(WSGIRequestHandler):
    """No access log: addresses and paths stay out of the service's log (issue 13)."""

    def log_request(self, code="-", size="-") -> None:
        pass


def _stop_with_parent(server, parent: int) -> None:
    """gunicorn's master may die without saying so (SIGKILL): then this server goes too."""
    while os.getppid() == parent:
        time.sleep(1)
    server.shutdown()


def main() -> None:
    from cabinet import config

    settings = config.load()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ["CABINET_HTTP_PORT"])
    application = application_for(settings["ORIGINS"][0])
    server = make_server(host, port, application, threaded=True, request_handler=_Quiet)
    watcher = threading.Thread(
        target=_stop_with_parent, args=(server, os.getppid()), daemon=True, name="parent"
    )
    watcher.start()
    server.serve_forever(poll_interval=0.5)


if __name__ == "__main__":
    main()
