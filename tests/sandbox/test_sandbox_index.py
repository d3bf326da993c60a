"""The sandbox's root URL (the one README lists) is an index of what it offers, read from its routes."""

import re

import requests

from sandbox.server import SandboxServer


def test_root_lists_every_platform_with_its_routes():
    with SandboxServer(port=0, quiet=True, smtp_port=0) as sandbox:
        response = requests.get(f"{sandbox.base_url}/", timeout=5)
        registered = sandbox.router.routes()

    page = response.text
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    # Each platform under its own name, as it writes it (not a class name: "Ojs").
    assert headings == ["Sandbox", "WeChat", "OJS", "Mail", "ScholarOne", "Crossref", "ORCID", "WeChat Pay",
                        "WeChat Official Account"]
    listed = set(re.findall(r"<li><code>([A-Z]+)</code> (?:<a href=\"[^\"]*\">)?([^<]+)", page))
    assert listed == {route for route in registered if route != ("GET", "/")}
    assert "SMTP (the mail catcher): port" in page


def test_parameterless_get_routes_are_links_that_answer():
    with SandboxServer(port=0, quiet=True) as sandbox:
        page = requests.get(f"{sandbox.base_url}/", timeout=5).text
        health = requests.get(sandbox.base_url + re.search(r'href="(/__sandbox__/health)"', page).group(1), timeout=5)

    assert health.json() == {"ok": True}
