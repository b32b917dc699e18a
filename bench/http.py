"""A tiny HTTP client for the served benchmarks: keeps cookies, never follows redirects, reads
the CSRF token the way a browser would (from the page), so every request goes through the
real pipeline (gunicorn, sessions, CSRF, access checks)."""

import http.client
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

    def request(self, method: str, path: str, form: dict | None = None, headers=None):
        """(status, body, elapsed ms)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
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
