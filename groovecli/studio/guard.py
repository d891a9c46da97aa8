"""Answer only requests meant for this studio.

A page on any site can make the browser send requests to 127.0.0.1; two checks keep it out:
- Host: through DNS rebinding, an attacker's name resolves to 127.0.0.1 and the browser treats
  the studio as that site. Its requests then carry the attacker's name as Host, so only the
  studio's own names (``localhost:PORT``, ``127.0.0.1:PORT``, the --host given) are answered.
- Origin: a cross-site POST carries its page's Origin; one that is not the studio's is refused.
"""

from __future__ import annotations

import json


class HostGuard:
    """ASGI middleware: 403 with a one-line error unless Host (and Origin, when sent) is ours."""

    def __init__(self, app, allowed_hosts: set[str]) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts}

    def __getattr__(self, name: str):  # app.state and friends, for whoever holds the guarded app
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "").strip().lower()
        origin = headers.get("origin")
        if host not in self.allowed:
            return await _refuse(send, f"refused: Host {host or '(none)'!r} is not this studio's address")
        if origin is not None and origin.lower() not in {f"http://{h}" for h in self.allowed}:
            return await _refuse(send, f"refused: a page from {origin} may not use this studio")
        return await self.app(scope, receive, send)


async def _refuse(send, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
