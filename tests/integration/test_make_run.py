"""The newcomer's path: `make run` starts web, worker, beat and the WeChat sandbox on SQLite and a
filesystem broker; a login through it works, its worker records the login, syncs a linked account and
sends the subscription message; the accepted demo manuscript's APC is paid with the sandbox's WeChat Pay;
the demo ORCID iD is proven at the sandbox's ORCID and links Crossref."""

import html
import os
import re
import signal
import sqlite3
import subprocess

import pytest
import requests

from tests.conftest import REPO_ROOT, free_port, stop_process, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedded_stack(tmp_path_factory):
    """One `make run` stack for the module: starting it costs ~15 s on two cores."""
    tmp_path = tmp_path_factory.mktemp("make-run")
    web_port, sandbox_port, smtp_port = free_port(), free_port(), free_port()
    environment = {
        **os.environ,
        "PORT": str(web_port),
        "SANDBOX_PORT": str(sandbox_port),
        "SANDBOX_SMTP_PORT": str(smtp_port),
        "DJANGO_VAR_DIR": str(tmp_path),
    }
    log_path = tmp_path / "make-run.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(["make", "run"], cwd=REPO_ROOT, env=environment, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{web_port}"

    def healthy() -> bool:
        assert process.poll() is None, log_path.read_text()
        try:
            return requests.get(f"{base_url}/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_until(healthy, timeout=120, interval=0.5, message="make run to become healthy")
        yield base_url, tmp_path / "scholar_link.sqlite3", log_path, f"http://127.0.0.1:{sandbox_port}"
    finally:
        stop_process(process, sig=signal.SIGINT, timeout=30)


def test_make_run_serves_login_and_its_worker_runs_tasks(embedded_stack):
    base_url, database_path, log_path, _sandbox_url = embedded_stack

    health = requests.get(f"{base_url}/healthz", timeout=5).json()
    response = requests.post(f"{base_url}/api/v1/auth/login", json={"code": "newcomer-1"}, timeout=10)

    assert health["status"] == "ok"
    assert response.status_code == 200, response.text
    researcher_id = response.json()["researcher"]["id"]

    def login_recorded() -> bool:
        with sqlite3.connect(database_path) as database:
            row = database.execute("SELECT login_count FROM accounts_researcher WHERE id = ?",
                                   [researcher_id]).fetchone()
        return row is not None and row[0] == 1

    wait_until(login_recorded, timeout=30, interval=0.3, message="the embedded worker to record the login")
    me = requests.get(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {response.json()['token']}"},
                      timeout=5)
    assert me.json()["id"] == researcher_id
    assert requests.get(f"{base_url}/api/docs/", timeout=5).status_code == 200
    # DEBUG is on under make run, and an unknown API path still gets the envelope, not the debug page.
    unknown = requests.get(f"{base_url}/api/v1/no-such-thing", timeout=5)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    # The staff credentials are printed for the newcomer: the password kept in var/ (the same at every run).
    kept_password = (database_path.parent / "admin-password").read_text().strip()
    assert f"password '{kept_password}'" in log_path.read_text()


def test_make_run_links_the_demo_account_and_shows_its_manuscripts(embedded_stack):
    base_url, _database_path, _log_path, sandbox_url = embedded_stack
    assert "<h1>Scholar Link sandbox</h1>" in requests.get(f"{sandbox_url}/", timeout=5).text  # README lists it
    token = requests.post(f"{base_url}/api/v1/auth/login", json={"code": "demo-1"}, timeout=10).json()["token"]
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    systems = session.get(f"{base_url}/api/v1/journal-systems", timeout=5).json()["results"]
    demo = next(system for system in systems if system["key"] == "demo-ojs")

    created = session.post(f"{base_url}/api/v1/journal-accounts",
                           json={"journal_system": demo["id"], "identity": "li.wei@example.org"}, timeout=10)
    assert created.status_code == 201, created.text
    mail = wait_until(lambda: requests.get(f"{sandbox_url}/__sandbox__/mail/latest",
                                           params={"to": "li.wei@example.org"}, timeout=5).json().get("body"),
                      timeout=30, message="the code mail in the sandbox")
    code = re.search(r"\b(\d{6})\b", mail).group(1)
    # The researcher allows the "account linked" message, in WeChat (the sandbox) and then in our backend.
    template_id = next(item["template_id"] for item in session.get(
        f"{base_url}/api/v1/notifications/subscriptions", timeout=5).json() if item["kind"] == "account_linked")
    answer = requests.post(f"{sandbox_url}/__sandbox__/wechat/subscriptions",
                           json={"user": "demo", "results": {template_id: "accept"}}, timeout=5).json()
    session.post(f"{base_url}/api/v1/notifications/subscriptions",
                 json={"errMsg": "requestSubscribeMessage:ok", template_id: "accept"}, timeout=5)
    verified = session.post(f"{base_url}/api/v1/journal-accounts/{created.json()['id']}/verify",
                            json={"code": code}, timeout=10)
    assert verified.status_code == 200, verified.text

    def linked_message() -> list[dict]:
        return requests.get(f"{sandbox_url}/__sandbox__/wechat/messages", params={"touser": answer["openid"]},
                            timeout=5).json()["messages"]

    [message] = wait_until(linked_message, timeout=60, message="the embedded worker to send the subscribe message")
    assert (message["template_id"], message["page"]) == (template_id, "pages/accounts/list")

    def manuscripts() -> list[dict]:
        return session.get(f"{base_url}/api/v1/manuscripts", timeout=5).json()["results"]

    listed = wait_until(lambda: len(manuscripts()) == 4 and manuscripts(), timeout=60,
                        message="the embedded worker to sync the demo account")
    assert {item["status"] for item in listed} == {"under_review", "revision_requested", "with_editor", "accepted"}

    # The accepted manuscript's APC is due; the newcomer pays it with the sandbox's WeChat Pay.
    [order] = session.get(f"{base_url}/api/v1/orders", timeout=5).json()["results"]
    assert (order["kind"], order["amount_fen"], order["status"]) == ("apc", 250000, "created")
    # The order's page on SQLite: what it offers (no agreement here; the demo publisher's bank account).
    detail = session.get(f"{base_url}/api/v1/orders/{order['id']}", timeout=5)
    assert detail.status_code == 200, detail.text
    assert detail.json()["coverage_offers"] == [] and detail.json()["bank_transfer"]["amount_fen"] == 250000
    pay = session.post(f"{base_url}/api/v1/orders/{order['id']}/pay", timeout=10)
    assert pay.status_code == 200, pay.text
    prepay_id = pay.json()["package"].removeprefix("prepay_id=")
    paid = requests.post(f"{sandbox_url}/__sandbox__/wechatpay/pay", json={"prepay_id": prepay_id}, timeout=10)
    assert paid.status_code == 200, paid.text
    assert session.get(f"{base_url}/api/v1/orders/{order['id']}", timeout=5).json()["status"] == "paid"


def test_make_run_proves_the_demo_orcid_id_and_links_crossref(embedded_stack):
    """The newcomer proves the demo iD at the sandbox's ORCID (as the Mini Program's web-view would, with its own
    cookies) and links Crossref with it; the worker then finds the published article."""
    base_url, _database_path, _log_path, sandbox_url = embedded_stack
    token = requests.post(f"{base_url}/api/v1/auth/login", json={"code": "orcid-1"}, timeout=10).json()["token"]
    api = requests.Session()
    api.headers.update({"Authorization": f"Bearer {token}", "Accept-Language": "en"})

    started = api.post(f"{base_url}/api/v1/me/orcid", timeout=10)
    assert started.status_code == 201, started.text
    web_view = requests.Session()
    to_orcid = web_view.get(started.json()["authorize_url"], allow_redirects=False, timeout=10)
    assert to_orcid.status_code == 302 and to_orcid.headers["Location"].startswith(f"{sandbox_url}/orcid/oauth/")
    page = web_view.get(to_orcid.headers["Location"], timeout=10)
    fields = {name: html.unescape(value)
              for name, value in re.findall(r"<input type='hidden' name='(\w+)' value='([^']*)'>", page.text)}
    back = web_view.post(f"{sandbox_url}/orcid/oauth/authorize", allow_redirects=False, timeout=10,
                         data={**fields, "orcid": "0000-0002-1825-0097", "decision": "authorize"})
    done = web_view.get(back.headers["Location"], timeout=10)
    assert done.status_code == 200, done.text
    assert api.get(f"{base_url}/api/v1/me", timeout=5).json()["orcid_verified"] is True

    systems = api.get(f"{base_url}/api/v1/journal-systems", timeout=5).json()["results"]
    crossref = next(system for system in systems if system["key"] == "demo-crossref")
    linked = api.post(f"{base_url}/api/v1/journal-accounts", timeout=10,
                      json={"journal_system": crossref["id"], "identity": "0000-0002-1825-0097"})
    assert linked.status_code == 201, linked.text
    assert linked.json()["status"] == "verified"

    def published() -> list[dict]:
        return [item for item in api.get(f"{base_url}/api/v1/manuscripts", timeout=5).json()["results"]
                if item["title"] == "Drought Legacy Effects on Soil Fungi"]

    [article] = wait_until(published, timeout=60, message="the embedded worker to sync the Crossref account")
    assert (article["status"], article["doi"]) == ("published", "10.5555/jas.2025.042")
