"""The sandbox's mail catcher receives mail from Django's real SMTP backend and shows it over HTTP."""

import pytest
import requests
from django.core.mail import get_connection, send_mail

from sandbox.server import SandboxServer


@pytest.fixture
def server():
    with SandboxServer(port=0, smtp_port=0, quiet=True) as running:
        yield running


def smtp_connection(server: SandboxServer):
    return get_connection("django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=server.smtp_port,
                          use_tls=False, timeout=5)


def test_mail_sent_over_smtp_is_listed_newest_first(server):
    connection = smtp_connection(server)
    send_mail("First", "one", "from@example.org", ["a@example.org"], connection=connection)
    send_mail("验证码 123456", "您的验证码：123456", "from@example.org", ["b@example.org"], connection=connection)

    messages = requests.get(f"{server.base_url}/__sandbox__/mail", timeout=5).json()["messages"]

    assert [m["subject"] for m in messages] == ["验证码 123456", "First"]
    assert messages[0]["to"] == ["b@example.org"]
    assert "123456" in messages[0]["body"]


def test_latest_mail_for_a_recipient(server):
    connection = smtp_connection(server)
    send_mail("For A", "a", "from@example.org", ["a@example.org"], connection=connection)
    send_mail("For B", "b", "from@example.org", ["b@example.org"], connection=connection)

    latest = requests.get(f"{server.base_url}/__sandbox__/mail/latest", params={"to": "A@example.org"}, timeout=5)

    assert latest.json()["subject"] == "For A"


def test_no_mail_yet_is_404(server):
    response = requests.get(f"{server.base_url}/__sandbox__/mail/latest", params={"to": "x@example.org"}, timeout=5)

    assert response.status_code == 404


def test_dot_stuffed_lines_are_restored(server):
    send_mail("Dots", "line one\n.hidden dot line\n", "from@example.org", ["a@example.org"],
              connection=smtp_connection(server))

    assert ".hidden dot line" in server.mail.messages()[0]["body"]


def test_reset_forgets_mail(server):
    send_mail("x", "y", "from@example.org", ["a@example.org"], connection=smtp_connection(server))

    requests.post(f"{server.base_url}/__sandbox__/reset", timeout=5)

    assert server.mail.messages() == []
