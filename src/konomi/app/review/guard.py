"""The review server's gate: only the person who started it, from their own browser, gets in.

The server holds someone's private photos and can move their files, so every request passes
these checks before any route sees it:

1. **Host** must be `127.0.0.1:PORT` or `localhost:PORT` — a page on another site that rebinds its
   DNS name to 127.0.0.1 still sends its own name, and is refused (400).
2. **Token**: a fresh random one per start, required on every request. The printed URL carries it
   once (`?token=`); the answer sets it as an HttpOnly, SameSite=Strict cookie, and the page
   then drops it from the address bar. No token → 401, a wrong one → 403.
3. **State changes** are POST only (the routes allow nothing else), with a JSON body (a plain
   HTML form cannot send one), and an `Origin` header that is ours → else 403.
4. **Headers** on every answer: a strict Content-Security-Policy (nothing from anywhere else,
   no inline script), no sniffing, no referrer, no framing, and `Cache-Control: no-store`.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
TOKEN_HEADER = "x-konomi-token"
SAFE_METHODS = ("GET", "HEAD")
HOSTS = ("127.0.0.1", "localhost")


def new_token() -> str:
    """A fresh secret for one server start (256 bits)."""
    return secrets.token_urlsafe(32)


class Guard:
    """ASGI middleware that refuses every request that is not the person's own."""

    def __init__(self, app: ASGIApp, token: str, port: int) -> None:
        self.app = app
        self.token = token
        self.port = port
        self.cookie = f"konomi_token_{port}"  # cookies ignore ports: one name per server
        self.hosts = {f"{h}:{port}" for h in HOSTS}
        self.origins = {f"http://{h}:{port}" for h in HOSTS}

    def _valid(self, value: str | None) -> bool:
        return value is not None and secrets.compare_digest(value.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no websockets; lifespan is off
            return
        request = Request(scope)
        headers = Headers(scope=scope)
        set_cookie = False

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
                raw += SECURITY_HEADERS
                if set_cookie:
                    cookie = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                    raw.append((b"set-cookie", cookie.encode()))
                message["headers"] = raw
            await send(message)

        async def refuse(status: int, text: str) -> None:
            await PlainTextResponse(text + "\n", status_code=status)(scope, receive, secured)

        if headers.get("host", "").lower() not in self.hosts:
            await refuse(400, "Refused: this server answers only to 127.0.0.1 and localhost.")
            return

        # The most explicit token decides: the link's, else a script's header, else the cookie
        # (so a cookie left by an earlier start on this port never spoils a fresh link).
        from_query = request.query_params.get("token")
        given = from_query or headers.get(TOKEN_HEADER) or request.cookies.get(self.cookie)
        if not given:
            await refuse(
                401, "This page needs the link that `konomi review` printed (it carries a token)."
            )
            return
        if not self._valid(given):
            await refuse(
                403,
                "Wrong or old token. Open the link that `konomi review` printed this time "
                "(each start makes a new one).",
            )
            return
        set_cookie = bool(from_query)

        if scope["method"] not in SAFE_METHODS:
            if headers.get("origin") not in self.origins:
                await refuse(403, "Refused: a change must come from the review page itself.")
                return
            if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                await refuse(403, "Refused: cross-site request.")
                return
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != "application/json":
                await refuse(415, "Refused: send JSON.")
                return
        await self.app(scope, receive, secured)
