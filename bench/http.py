"""A tiny HTTP client for the served benchmarks: keeps cookies, never follows redirects, reads
the CSRF token the way a browser would (from the page), so every request goes through the
real pipeline (gunicorn, sessions, CSRF, access checks)."""

import http.client
import json
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

_FORM_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_HTMX_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


class Browser:
    def __init__(self, host: str, port: int, timeout: float = 60):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form=None, headers=None, json_body=None):
        """(status, body, elapsed ms)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            body = json.dumps(json_body)
            sent["Content-Type"] = "application/json"
        start = time.perf_counter()
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read().decode("utf-8", "replace")
        elapsed = (time.perf_counter() - start) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        connection.close()
        return response.status, data, elapsed

    def get(self, path: str, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path: str, form: dict, headers=None):
        return self.request("POST", path, form=form, headers=headers)

    def form_token(self, path: str) -> str:
        status, page, _ = self.get(path)
        match = _FORM_TOKEN.search(page)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return match.group(1)

    def login(self, login: str, password: str) -> None:
        token = self.form_token("/connexion")
        status, body, _ = self.post(
            "/connexion", {"login": login, "password": password, "csrf_token": token}
        )
        if status != 302:
            raise RuntimeError(f"login refused ({status}): {body[:200]}")

    def htmx_token(self) -> str:
        _, page, _ = self.get("/")
        return _HTMX_TOKEN.search(page).group(1)

    def post_json(self, path: str, body: dict, token: str):
        status, text, _ = self.request("POST", path, json_body=body, headers={"X-CSRFToken": token})
        return status, json.loads(text) if text else None

    def login_with_authenticator(self, login: str, password: str, authenticator) -> None:
        """Password, then the first enrolment (or the second factor) through the real
        WebAuthn endpoints, with a software authenticator (tests/soft_webauthn.py)."""
        self.login(login, password)
        status, page, _ = self.get("/enregistrement")
        if status == 200:
            token = _HTMX_TOKEN.search(page).group(1)
            _, options = self.post_json("/webauthn/enregistrement/options", {}, token)
            answer = {"credential": authenticator.create(options), "name": "Banc d'essai"}
            _, result = self.post_json("/webauthn/enregistrement", answer, token)
        else:
            _, page, _ = self.get("/second-facteur")
            token = _HTMX_TOKEN.search(page).group(1)
            _, options = self.post_json("/webauthn/connexion/options", {}, token)
            answer = {"credential": authenticator.get(options)}
            _, result = self.post_json("/webauthn/connexion", answer, token)
        if not result or result.get("status") != "ok":
            raise RuntimeError(f"second factor refused: {result}")
