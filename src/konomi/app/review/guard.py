"""The review server's gate: only the person who started it, from their own browser, gets in.

The server holds someone's private photos and can move their files, so every request passes
these checks before any route sees it:

1. **Host** must be `127.0.0.1:PORT` or `localhost:PORT` — a page on another site that rebinds its
   DNS name to 127.0.0.1 still sends its own name, and is refused (400).
2. **Token**: a fresh random one per start, required on every request but the page's fixed
   assets (its script, style and icon, the same for everyone). The page itself needs it in the
   link (`?token=`); the page's script reads it from there once, drops it from the address bar,
   keeps it in memory only and sends it in the `X-Konomi-Token` header with every API call. No
   cookie is ever set or honoured: cookies are not scoped by port, so any other program serving
   a page on 127.0.0.1 would receive it. No token → 401, a wrong one → 403. A request that
   carries another origin's `Origin` header is refused (403) whatever it carries.
3. **State changes** are POST only (the routes allow nothing else), with a JSON body (a plain
   HTML form cannot send one), and an `Origin` header that is ours → else 403.
4. **Headers** on every answer: a strict Content-Security-Policy (nothing from anywhere else,
   no inline script), no sniffing, no referrer, no framing, and `Cache-Control: no-store`.
"""

from __future__ import annotations

import html
import os
import secrets
import shutil
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from konomi import i18n

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
# The package's own script, style and icon: no photo, no secret (a <script> tag cannot send
# a header, so these are the only paths served without the token).
PUBLIC = frozenset({"/static/app.js", "/static/app.css", "/static/icon.svg"})
PAGE = "/"  # the one path whose token may come in the link


def new_token() -> str:
    """A fresh secret for one server start (256 bits)."""
    return secrets.token_urlsafe(32)


def launch_file(url: str) -> Path:
    """A page only this user can read (0600, in a fresh 0700 folder) that redirects to `url`.

    The browser is opened on this file rather than on the tokened link, as Jupyter does: a
    browser's command line is readable by every user of the machine (`ps -eo args`), this file
    is not. `remove_launch_file` deletes it (and its folder) when the server stops.
    """
    folder = Path(tempfile.mkdtemp(prefix="konomi-review-"))  # mode 0700
    path = folder / "open.html"
    shown = html.escape(url, quote=True)
    opening = i18n.t("page.launch.opening", link=f'<a href="{shown}">konomi review</a>')
    page = (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        f'<meta http-equiv="refresh" content="0;url={shown}">'
        "<title>konomi review</title></head>\n"
        f"<body><p>{opening}</p></body></html>\n"
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, page.encode("utf-8"))
    finally:
        os.close(fd)
    return path


def remove_launch_file(path: Path) -> None:
    """Delete a page `launch_file` wrote, with its private folder."""
    shutil.rmtree(path.parent, ignore_errors=True)


class Guard:
    """ASGI middleware that refuses every request that is not the person's own."""

    def __init__(self, app: ASGIApp, token: str, port: int, language: str | None = None) -> None:
        self.app = app
        self.language = language  # konomi.toml's or KONOMI_LANG; None: the browser's
        self.token = token
        self.port = port
        self.hosts = {f"{h}:{port}" for h in HOSTS}
        self.origins = {f"http://{h}:{port}" for h in HOSTS}

    def _valid(self, value: str | None) -> bool:
        return value is not None and secrets.compare_digest(value.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no websockets; lifespan is off
            return
        request = Request(scope)
        headers = Headers(scope=scope)
        path = scope.get("path", "")

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
                message["headers"] = raw + SECURITY_HEADERS
            await send(message)

        async def refuse(status: int, key: str) -> None:
            lang = self.language or i18n.from_browser(headers.get("accept-language"))
            text = i18n.t(key, lang) + "\n"
            await PlainTextResponse(text, status_code=status)(scope, receive, secured)

        if headers.get("host", "").lower() not in self.hosts:
            await refuse(400, "page.guard.host")
            return
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            await refuse(403, "page.guard.origin")
            return

        if path not in PUBLIC:
            # The header (the page's script) or, for the page itself only, the link. A cookie
            # is never read: another program on this machine could have been sent it.
            given = headers.get(TOKEN_HEADER)
            if given is None and path == PAGE:
                given = request.query_params.get("token")
            if not given:
                await refuse(401, "page.guard.no_token")
                return
            if not self._valid(given):
                await refuse(403, "page.guard.bad_token")
                return

        if scope["method"] not in SAFE_METHODS:
            if origin is None:
                await refuse(403, "page.guard.not_the_page")
                return
            if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                await refuse(403, "page.guard.cross_site")
                return
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != "application/json":
                await refuse(415, "page.guard.json")
                return
        await self.app(scope, receive, secured)
