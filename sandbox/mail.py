"""A mail catcher: an SMTP server that keeps every message, and HTTP routes to read them.

The product sends mail through Django's SMTP backend exactly as in production (`EMAIL_URL=smtp://…`);
`make run` and the tests point it here. `GET /__sandbox__/mail` lists what was sent (newest first,
`?to=` filters by recipient) and `GET /__sandbox__/mail/latest?to=` returns the newest message, so a
demo or an end-to-end test can read a linking code. The SMTP dialogue is the small subset Django's
backend uses: EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT (no TLS, no auth).
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from datetime import UTC, datetime
from typing import Any

from sandbox.server import Request, Response, Router, json_response


class MailSandbox:
    title = "Mail"  # the index page's heading

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()

    def deliver(self, sender: str, recipients: list[str], raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        with self._lock:
            self._messages.append({
                "id": len(self._messages) + 1,
                "from": sender,
                "to": recipients,
                "subject": str(message.get("Subject", "")),
                "body": body.get_content() if body is not None else "",
                "received_at": datetime.now(UTC).isoformat(),
            })

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            chosen = [m for m in self._messages if to is None or to.lower() in (r.lower() for r in m["to"])]
        return list(reversed(chosen))

    def register(self, router: Router) -> None:
        router.add("GET", "/__sandbox__/mail", self._list)
        router.add("GET", "/__sandbox__/mail/latest", self._latest)

    def _list(self, request: Request) -> Response:
        return json_response({"messages": self.messages(request.query.get("to"))})

    def _latest(self, request: Request) -> Response:
        found = self.messages(request.query.get("to"))
        if not found:
            return json_response({"error": "no mail yet"}, status=404)
        return json_response(found[0])


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _SmtpServer

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._reply("220 sandbox.local ESMTP Scholar Link sandbox")
        sender, recipients = "", []
        while True:
            raw_line = self.rfile.readline(65537)
            if not raw_line:
                return
            command = raw_line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250-sandbox.local" if verb == "EHLO" else "250 sandbox.local")
                if verb == "EHLO":
                    self._reply("250-8BITMIME")
                    self._reply("250 SMTPUTF8")
            elif verb == "MAIL":
                sender, recipients = _address(command), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(_address(command))
                self._reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self._reply("503 need RCPT first")
                    continue
                self._reply("354 end with <CRLF>.<CRLF>")
                self.server.mail.deliver(sender, recipients, self._read_data())
                self._reply("250 OK queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self._reply("250 OK")
            elif verb == "NOOP":
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 command not implemented")

    def _read_data(self) -> bytes:
        lines = []
        while True:
            line = self.rfile.readline(1_000_001)
            if not line or line in (b".\r\n", b".\n"):
                break
            lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
        return b"".join(lines)


def _address(command: str) -> str:
    _verb, _colon, rest = command.partition(":")
    return rest.strip().split(" ")[0].strip("<>")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], mail: MailSandbox) -> None:
        self.mail = mail
        super().__init__(address, _SmtpHandler)


class SmtpListener:
    """The SMTP side of the mail catcher, in a background thread."""

    def __init__(self, host: str, port: int, mail: MailSandbox) -> None:
        self._server = _SmtpServer((host, port), mail)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="sandbox-smtp", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
