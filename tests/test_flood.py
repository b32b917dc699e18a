"""19.3: a flood of failed logins while a patient page is read — every page is served, no
5xx, nothing waits on a write lock held during hashing. The timing is `make bench`'s
(`python -m bench.login_flood`), never asserted here."""

import http.client
import re
import secrets
import threading
from urllib.parse import urlencode

from werkzeug.serving import make_server

from cabinet import create_app
from cabinet.db import database
from tests.conftest import PASSWORDS, instance_config

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Visitor:
    """An HTTP client with its cookies, one connection per request (like a browser tab)."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def send(self, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        page = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        connection.close()
        return response.status, page

    def login(self, login, password):
        _, page = self.send("GET", "/connexion")
        form = {"login": login, "password": password, "csrf_token": TOKEN.search(page).group(1)}
        return self.send("POST", "/connexion", form)


def test_a_login_flood_leaves_every_page_served(instance, make_patient):
    patient = make_patient(birth_name="Pendant")
    # The production Argon2 cost: the flood must weigh what a real one weighs.
    cost = {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_KIB": 65536, "ARGON2_PARALLELISM": 4}
    app = create_app(instance_config(instance, WTF_CSRF_ENABLED=True, **cost))
    with app.app_context():
        from cabinet import settings

        settings.put("secretary_second_factor_exempt", True)
    database.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    statuses, pages = [], []
    try:
        reader = Visitor(server.server_port)
        assert reader.login("secretaire", PASSWORDS["secretaire"])[0] == 302

        def attack():
            attacker = Visitor(server.server_port)
            for _ in range(3):
                statuses.append(
                    attacker.login(f"inconnu-{secrets.token_hex(3)}", secrets.token_hex(8))[0]
                )

        attackers = [threading.Thread(target=attack) for _ in range(10)]
        for attacker in attackers:
            attacker.start()
        while any(a.is_alive() for a in attackers) or len(pages) < 3:
            pages.append(reader.send("GET", f"/patients/{patient.ref}"))
        for attacker in attackers:
            attacker.join()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        database.close()
    assert len(statuses) == 30 and set(statuses) == {401}
    assert pages and all(status == 200 and "PENDANT" in page for status, page in pages)
