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
