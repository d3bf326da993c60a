"""The newcomer's path: `make run` starts web, worker, beat and the WeChat sandbox on SQLite and a
filesystem broker; a login through it works and its worker records the login."""

import os
import signal
import socket
import sqlite3
import subprocess

import pytest
import requests

from tests.conftest import REPO_ROOT, stop_process, wait_until

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def embedded_stack(tmp_path):
    web_port, sandbox_port = free_port(), free_port()
    environment = {
        **os.environ,
        "PORT": str(web_port),
        "SANDBOX_PORT": str(sandbox_port),
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
        yield base_url, tmp_path / "scholar_link.sqlite3", log_path
    finally:
        stop_process(process, sig=signal.SIGINT, timeout=30)


def test_make_run_serves_login_and_its_worker_runs_tasks(embedded_stack):
    base_url, database_path, log_path = embedded_stack

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
    assert "password" in log_path.read_text()  # the staff credentials are printed for the newcomer
