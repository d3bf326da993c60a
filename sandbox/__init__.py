"""Local stand-ins for the external platforms Scholar Link talks to (WeChat today).

The product reaches each platform only through a configurable base URL (e.g. ``WECHAT_API_BASE``), so
pointing that URL at a :class:`~sandbox.server.SandboxServer` exercises the real client code against a
server that answers in the platform's exact wire format, with deterministic users and injectable faults.
"""

from sandbox.server import SandboxServer

__all__ = ["SandboxServer"]
