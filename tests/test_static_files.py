"""Issue 20: static files carry their fingerprint and are cached for good; without it (an
old URL) they are revalidated. Dynamic pages stay `no-store`."""

import re


def test_pages_link_fingerprinted_static_files_cached_for_a_year(app, secretary_client):
    page = secretary_client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page)
    assert css, page[:500]
    response = secretary_client.get(css.group(1))
    response.close()
    assert response.status_code == 200
    control = response.headers["Cache-Control"]
    assert "max-age=31536000" in control and "immutable" in control and "public" in control
    stale = secretary_client.get("/static/css/app.css?v=000000000000")
    stale.close()
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    assert secretary_client.get("/").headers["Cache-Control"] == "no-store"


def test_text_static_files_are_sent_gzipped_to_a_browser_that_accepts_it(app, client):
    import gzip
    from pathlib import Path

    path = "/static/vendor/htmx/htmx.min.js"
    raw = (Path(app.static_folder) / "vendor/htmx/htmx.min.js").read_bytes()
    plain = client.get(path)
    assert plain.headers.get("Content-Encoding") is None
    assert plain.get_data() == raw
    assert "Accept-Encoding" in plain.headers["Vary"]
    plain.close()
    packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = packed.get_data()
    assert len(body) < len(raw) / 2 and gzip.decompress(body) == raw
    assert int(packed.headers["Content-Length"]) == len(body)
    # Revalidation with the compressed copy's own validator: nothing sent again.
    again = client.get(
        path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""
    refused = client.get(path, headers={"Accept-Encoding": "gzip;q=0"})
    assert refused.headers.get("Content-Encoding") is None
    refused.close()
    # Images are already compressed: sent as they are.
    icon = client.get("/static/icons/icon-512.png", headers={"Accept-Encoding": "gzip"})
    assert icon.headers.get("Content-Encoding") is None
    icon.close()
