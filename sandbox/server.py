"""A small threaded HTTP server and router shared by the sandbox's platform stand-ins.

The server only turns HTTP into :class:`Request` objects and :class:`Response` objects back into HTTP.
Everything platform-specific (WeChat now; WeChat Pay and journal systems later) lives in a platform
module that registers its routes on the :class:`Router` and owns its own thread-safe state.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]  # first value of each parameter, like the real platforms read them
    headers: dict[str, str]  # names lower-cased
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)  # filled from "{name}" route segments
    query_string: str = ""  # the raw query as sent (WeChat Pay signs the path with it, byte for byte)

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError so each platform can answer in its own error format."""
        return json.loads(self.body.decode("utf-8"))


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # Runs in a thread of its own once the answer is written (a platform acting after it answered, as WeChat
    # Pay sends a refund's notification after answering the refund request).
    after: Callable[[], None] | None = field(default=None, compare=False)


Handler = Callable[[Request], Response]


def json_response(payload: Any, status: int = 200) -> Response:
    # ensure_ascii=False: WeChat sends raw UTF-8 (e.g. Chinese errmsg text), so clients must cope with it.
    return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def not_found() -> Response:
    return json_response({"errcode": -1, "errmsg": "not found"}, status=404)


class Router:
    """Maps (method, path pattern) to handlers; ``{name}`` segments match one path segment."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        method = method.upper()
        if any(m == method and p == pattern for m, p, _, _ in self._routes):
            raise ValueError(f"route already registered: {method} {pattern}")
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
        self._routes.append((method, pattern, re.compile(f"^{regex}$"), handler))

    def routes(self) -> list[tuple[str, str]]:
        """(method, pattern) of every route, in the order they were added."""
        return [(method, pattern) for method, pattern, _, _ in self._routes]

    def dispatch(self, request: Request) -> Response:
        for method, _, regex, handler in self._routes:
            match = regex.match(request.path)
            if method == request.method and match:
                params = {name: unquote(value) for name, value in match.groupdict().items()}
                return handler(dataclasses.replace(request, path_params=params))
        return not_found()


# Platform modules build on the primitives above, so they are imported only once those exist.
from sandbox.crossref import CrossrefSandbox  # noqa: E402
from sandbox.mail import MailSandbox, SmtpListener  # noqa: E402
from sandbox.ojs import OjsSandbox  # noqa: E402
from sandbox.orcid import OrcidSandbox  # noqa: E402
from sandbox.scholarone import ScholarOneSandbox  # noqa: E402
from sandbox.wechat import DEFAULT_APP_ID, DEFAULT_APP_SECRET, WeChatSandbox  # noqa: E402
from sandbox.wechat_oa import (  # noqa: E402
    DEFAULT_OA_AES_KEY,
    DEFAULT_OA_APP_ID,
    DEFAULT_OA_APP_SECRET,
    DEFAULT_OA_TOKEN,
    OfficialAccountSandbox,
)
from sandbox.wechatpay import (  # noqa: E402
    DEFAULT_API_V3_KEY,
    DEFAULT_MCH_ID,
    DEFAULT_MERCHANT_SERIAL,
    DEFAULT_PUBLIC_KEY_ID,
    KEYS_DIR,
    WeChatPaySandbox,
)


class Platform(Protocol):
    """What a platform module provides to the server."""

    title: str  # its heading on the index page, as the platform writes its own name

    def register(self, router: Router) -> None: ...

    def reset(self) -> None: ...


class _HTTPServer(ThreadingHTTPServer):
    # Daemon threads: a handler deliberately sleeping (an injected timeout) must never block exit.
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when a burst of clients (concurrent workers,
    # threaded tests) connects at once; a real platform takes them all.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], router: Router, quiet: bool) -> None:
        super().__init__(address, _RequestHandler)
        self.router = router
        self.quiet = quiet


class _RequestHandler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "ScholarLinkSandbox/1.0"
    sys_version = ""
    # Keep-alive, as the real platforms offer: clients reuse one connection instead of a TCP handshake
    # per call (every answer carries Content-Length, which HTTP/1.1 needs for that).
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; without TCP_NODELAY the body of a kept-alive connection waits
    # for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _handle(self) -> None:
        url = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "bad Content-Length")
            return
        request = Request(
            method=self.command,
            path=url.path,
            query={k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length > 0 else b"",
            query_string=url.query,
        )
        try:
            response = self.server.router.dispatch(request)
        except Exception:
            traceback.print_exc()
            response = json_response({"errcode": -1, "errmsg": "sandbox internal error"}, status=500)
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its read timeout beat an injected delay); nothing to answer
        if response.after is not None:
            threading.Thread(target=response.after, name="sandbox-after", daemon=True).start()
        if not self.server.quiet:
            # Path only: query strings carry app secrets and access tokens.
            sys.stderr.write(f"{self.command} {url.path} {response.status}\n")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # replaced by the single line per request written in _handle


class SandboxServer:
    """Every sandbox platform behind one HTTP server; it binds on construction (``port=0``: a free port)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        wechat_app_id: str = DEFAULT_APP_ID,
        wechat_app_secret: str = DEFAULT_APP_SECRET,
        quiet: bool = False,
        smtp_port: int | None = None,
        wechatpay_mch_id: str = DEFAULT_MCH_ID,
        wechatpay_api_v3_key: str = DEFAULT_API_V3_KEY,
        wechatpay_merchant_serial: str = DEFAULT_MERCHANT_SERIAL,
        wechatpay_public_key_id: str = DEFAULT_PUBLIC_KEY_ID,
        wechatpay_keys_dir: str | Path = KEYS_DIR,
        wechat_oa_app_id: str = DEFAULT_OA_APP_ID,
        wechat_oa_app_secret: str = DEFAULT_OA_APP_SECRET,
        wechat_oa_token: str = DEFAULT_OA_TOKEN,
        wechat_oa_aes_key: str = DEFAULT_OA_AES_KEY,
        wechat_oa_callback_url: str = "",
    ) -> None:
        self.wechat = WeChatSandbox(wechat_app_id, wechat_app_secret)
        # The publisher's Official Account: its own API routes, its tokens from WeChat's shared token routes.
        self.wechat_oa = OfficialAccountSandbox(wechat_oa_app_id, wechat_oa_app_secret, token=wechat_oa_token,
                                                aes_key=wechat_oa_aes_key, callback_url=wechat_oa_callback_url)
        self.wechat.add_app(wechat_oa_app_id, self.wechat_oa)
        # WeChat Pay serves the same Mini Program, so its appid is WeChat's.
        self.wechatpay = WeChatPaySandbox(
            mch_id=wechatpay_mch_id, app_id=wechat_app_id, api_v3_key=wechatpay_api_v3_key,
            merchant_serial=wechatpay_merchant_serial, public_key_id=wechatpay_public_key_id,
            keys_dir=wechatpay_keys_dir,
        )
        # The mail catcher's HTTP routes always exist; its SMTP side listens only when given a port (0: free).
        self.mail = MailSandbox()
        self._smtp = SmtpListener(host, smtp_port, self.mail) if smtp_port is not None else None
        self.ojs = OjsSandbox()
        self.scholarone = ScholarOneSandbox()
        self.crossref = CrossrefSandbox()
        self.orcid = OrcidSandbox()
        self.platforms: list[Platform] = [self.wechat, self.ojs, self.mail, self.scholarone, self.crossref, self.orcid,
                                          self.wechatpay, self.wechat_oa]
        self.router = Router()
        self.router.add("GET", "/__sandbox__/health", lambda request: json_response({"ok": True}))
        self.router.add("POST", "/__sandbox__/reset", self._reset_route)
        # The index page lists each platform's routes as it registered them.
        self._routes_by_platform = [("Sandbox", self.router.routes())]
        for platform in self.platforms:
            registered_before = len(self.router.routes())
            platform.register(self.router)
            self._routes_by_platform.append((platform.title, self.router.routes()[registered_before:]))
        self.router.add("GET", "/", self._index_route)
        self._httpd = _HTTPServer((host, port), self.router, quiet)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{host}:{port}"

    @property
    def smtp_port(self) -> int | None:
        return self._smtp.port if self._smtp else None

    def start(self) -> SandboxServer:
        """Serve in a background daemon thread."""
        if self._smtp is not None:
            self._smtp.start()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by ``python -m sandbox``)."""
        if self._smtp is not None:
            self._smtp.start()
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._smtp is not None:
            self._smtp.stop()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def reset(self) -> None:
        """Forget all recorded state in every platform (configuration such as app secrets is kept)."""
        for platform in self.platforms:
            platform.reset()

    def _index_route(self, request: Request) -> Response:
        """What this sandbox offers: every platform with its routes (GETs without parameters are links)."""
        sections = []
        for title, routes in self._routes_by_platform:
            items = "".join(
                f'<li><code>{method}</code> <a href="{html.escape(pattern)}">{html.escape(pattern)}</a></li>'
                if method == "GET" and "{" not in pattern else
                f"<li><code>{method}</code> {html.escape(pattern)}</li>"
                for method, pattern in routes
            )
            sections.append(f'<section id="{html.escape(title.lower())}"><h2>{html.escape(title)}</h2>'
                            f"<ul>{items}</ul></section>")
        smtp = f"<p>SMTP (the mail catcher): port {self.smtp_port}</p>" if self.smtp_port else ""
        page = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Scholar Link sandbox</title></head>"
                "<body><h1>Scholar Link sandbox</h1><p>Local stand-ins for the outside platforms, each reached "
                f"by the product only through its configured base URL.</p>{smtp}{''.join(sections)}</body></html>")
        return Response(200, page.encode("utf-8"), content_type="text/html; charset=utf-8")

    def _reset_route(self, request: Request) -> Response:
        self.reset()
        return json_response({"ok": True})

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
