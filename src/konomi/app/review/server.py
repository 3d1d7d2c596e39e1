"""`konomi review`: a small local web server for going through the model's proposals by keyboard.

The page (plain HTML/CSS/JS in `konomi/static/`, no build step, nothing from the network) shows
one image at a time with its score and proposal; `l` likes, `d` dislikes, `s` skips, `u` undoes,
`k` makes the image the keeper of its burst (`konomi cull`).
Decisions and their moves live in `queue`; who may talk to the server is `guard`'s
business; this module wires the routes and runs uvicorn on a socket bound to 127.0.0.1.

Files are served by the ids of the server's own queue only — a request never names a path — and
the page, its script and its style are read from the package once, at start-up, from a fixed list.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from konomi import i18n
from konomi.app.context import Context
from konomi.app.review.guard import ASGIApp, Guard, Receive, Scope, Send, new_token
from konomi.app.review.queue import ReviewQueue
from konomi.app.suggestion import remembered
from konomi.encode import previews
from konomi.errors import KonomiError, UnreadableImage, WorkspaceBusy

HOST = "127.0.0.1"
MAX_BODY = 64 * 1024  # a decision is a few dozen bytes
GRACE_S = 2  # after Ctrl-C, requests in flight get this long to finish
ASSETS = {  # URL path → (file in konomi/static, media type); nothing else is ever served
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/app.css": ("app.css", "text/css; charset=utf-8"),
    "/static/icon.svg": ("icon.svg", "image/svg+xml"),
}


def _load_assets() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("konomi") / "static"
    return {url: ((folder / name).read_bytes(), media) for url, (name, media) in ASSETS.items()}


def page_messages() -> dict[str, dict[str, str]]:
    """Every text of the page (`page.*`, without the prefix), in every language."""
    keys = [k for k in i18n.CATALOG if k.startswith("page.") and not k.startswith("page.server.")]
    return {lang: {k[5:]: i18n.template(k, lang) for k in keys} for lang in i18n.LANGUAGES}


class Routes:
    """The server's routes, one method each, around one queue.

    Every answer is in the language of the request: the one konomi.toml or KONOMI_LANG set,
    else the browser's (its Accept-Language header). The queue's state, its notes and the
    quality line are put into words inside `i18n.speaking`, so a Japanese browser reads Japanese
    even when the server was started in an English terminal.
    """

    def __init__(
        self,
        queue: ReviewQueue,
        ctx_factory: Callable[[], Context],
        language: str | None,
    ) -> None:
        self.queue = queue
        self.ctx_factory = ctx_factory
        self.language = language
        self.assets = _load_assets()
        self.texts = {"language": language, "messages": page_messages()}

    def lang_of(self, request: Request) -> str:
        """The language of the server's answers: the setting, else what the page asks for."""
        return self.language or i18n.from_browser(request.headers.get("accept-language"))

    def view(self, lang: str) -> dict[str, Any]:
        """The queue's state for the page in `lang`, with the number `konomi round` suggested
        for its head."""
        with i18n.speaking(lang):
            snap = self.queue.snapshot()
        found = remembered(self.queue.ws, snap["head"])
        snap["suggested"] = found.n if found else None
        return snap

    def error(self, exc: KonomiError, status: int, request: Request) -> JSONResponse:
        state = self.view(self.lang_of(request))
        body = {"ok": False, "error": exc.message, "hint": exc.hint or "", "state": state}
        return JSONResponse(body, status_code=status)

    def messages(self, request: Request) -> JSONResponse:
        return JSONResponse(self.texts)

    def asset(self, request: Request) -> Response:
        body, media = self.assets[request.url.path]
        return Response(body, media_type=media)

    def state(self, request: Request) -> JSONResponse:
        self.queue.catch_up()  # a terminal command may have moved files since the last look
        return JSONResponse(self.view(self.lang_of(request)))

    def preview(self, request: Request) -> Response:
        item = self.queue.get(request.path_params["item_id"])
        lang = self.lang_of(request)
        if item is None:
            error = i18n.t("page.server.no_such_image", lang)
            return JSONResponse({"ok": False, "error": error}, status_code=404)
        try:
            with i18n.speaking(lang):  # the reason in the page's language
                jpeg = previews.cached_preview(self.queue.ws, item.path, item.digest, item.identity)
        except UnreadableImage as exc:
            return JSONResponse({"ok": False, "error": exc.message}, status_code=422)
        return Response(jpeg, media_type="image/jpeg")

    async def read_json(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise KonomiError(i18n.t("page.server.body_too_large", self.lang_of(request)))
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, RecursionError):  # not JSON, or nested past Python's stack
            body = None
        if not isinstance(body, dict):
            raise KonomiError(i18n.t("page.server.body_json", self.lang_of(request)))
        return body

    async def act(self, request: Request, action: Callable[[], str]) -> JSONResponse:
        """Run a queue action in a worker thread, in the request's language."""
        lang = self.lang_of(request)
        try:
            message = await run_in_threadpool(_speaking, lang, action)
        except WorkspaceBusy as exc:
            return self.error(exc, 423, request)
        except KonomiError as exc:
            return self.error(exc, 409, request)
        return JSONResponse({"ok": True, "message": message, "state": self.view(lang)})

    async def decide(self, request: Request) -> JSONResponse:
        try:
            body = await self.read_json(request)
            item_id, decision = body.get("id"), body.get("decision")
            burst = body.get("burst", False)
            if (
                not isinstance(item_id, int)
                or not isinstance(decision, str)
                or not isinstance(burst, bool)
            ):
                shape = "{id: <number>, decision: like|dislike|skip, burst: true|false}"
                raise KonomiError(
                    i18n.t("page.server.decide_shape", self.lang_of(request), shape=shape)
                )
        except KonomiError as exc:
            return self.error(exc, 400, request)
        return await self.act(request, lambda: self.queue.decide(item_id, decision, burst=burst))

    async def keep(self, request: Request) -> JSONResponse:
        """Make an image its burst's keeper (`{id: <number>}`)."""
        try:
            body = await self.read_json(request)
            item_id = body.get("id")
            if not isinstance(item_id, int) or isinstance(item_id, bool):
                raise KonomiError(
                    i18n.t("page.server.keep_shape", self.lang_of(request), shape="{id: <number>}")
                )
        except KonomiError as exc:
            return self.error(exc, 400, request)
        return await self.act(request, lambda: self.queue.keep(item_id))

    async def undo(self, request: Request) -> JSONResponse:
        return await self.act(request, self.queue.undo)

    async def retrain(self, request: Request) -> JSONResponse:
        lang = self.lang_of(request)
        with i18n.speaking(lang):  # the retrain's own messages too
            started = self.queue.retrain(self.ctx_factory)
        message = i18n.t("page.server.retraining" if started else "page.server.already", lang)
        return JSONResponse({"ok": True, "message": message, "state": self.view(lang)})

    async def search(self, request: Request) -> JSONResponse:
        text = request.query_params.get("q", "")
        return await self.act(request, lambda: self.queue.search(text))

    async def set_taste(self, request: Request) -> JSONResponse:
        try:
            body = await self.read_json(request)
            with i18n.speaking(self.lang_of(request)):
                like, dislike = _phrases(body.get("like")), _phrases(body.get("dislike"))
        except KonomiError as exc:
            return self.error(exc, 400, request)
        return await self.act(request, lambda: self.queue.set_taste(like, dislike))

    def routes(self) -> list[Route]:
        routes = [Route(url, self.asset, methods=["GET", "HEAD"]) for url in ASSETS]
        routes += [
            Route("/api/state", self.state, methods=["GET"]),
            Route("/api/messages", self.messages, methods=["GET"]),
            Route("/api/preview/{item_id:int}", self.preview, methods=["GET"]),
            Route("/api/decide", self.decide, methods=["POST"]),
            Route("/api/undo", self.undo, methods=["POST"]),
            Route("/api/keeper", self.keep, methods=["POST"]),
            Route("/api/retrain", self.retrain, methods=["POST"]),
            Route("/api/search", self.search, methods=["GET"]),
            Route("/api/taste", self.set_taste, methods=["POST"]),
        ]
        return routes


def _speaking(lang: str, action: Callable[[], str]) -> str:
    with i18n.speaking(lang):
        return action()


def build_app(
    queue: ReviewQueue,
    ctx_factory: Callable[[], Context],
    token: str,
    port: int,
    language: str | None = None,
) -> Guard:
    """The ASGI app: the routes behind the `Guard`. `ctx_factory()` opens a Context for retrain.

    `language`: the one konomi.toml or KONOMI_LANG set; None lets each browser choose its own.
    """
    routes = Routes(queue, ctx_factory, language)
    return Guard(Starlette(routes=routes.routes()), token, port, language)


TASTE_SHAPE = "{like: [phrases], dislike: [phrases]}"


def _phrases(value: Any) -> list[str]:
    """Phrases of taste from the page: a list of strings, or one comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("、", ",").split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KonomiError(i18n.t("page.server.taste_shape", shape=TASTE_SHAPE))
    return [v.strip()[:200] for v in value if v.strip()][:20]


def quiet_on_stop(app: ASGIApp) -> ASGIApp:
    """`app`, answering 503 instead of a `CancelledError` traceback when Ctrl-C stops the server
    while a request is still at work (uvicorn cancels what outlives its grace period)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                said = i18n.t("page.server.stopping") + "\n"
                stopping = PlainTextResponse(said, status_code=503)
                await stopping(scope, receive, send)

    return wrapped


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:`port` (0: a free port the system picks)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # on Windows the same flag would let two servers share a port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise KonomiError(
            i18n.t("page.server.cannot_listen", host=HOST, port=port, why=exc.strerror or exc),
            i18n.t("page.server.cannot_listen_hint"),
        ) from None
    sock.set_inheritable(True)
    return sock


@dataclass
class ReviewServer:
    """A bound, ready review server; `serve()` runs it until Ctrl-C."""

    queue: ReviewQueue
    sock: socket.socket
    token: str
    app: Guard
    server: uvicorn.Server | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    @classmethod
    def start(cls, ctx: Context, port: int = 0) -> ReviewServer:
        """Fill the queue (a large library: its first images, the full scan in the background),
        then bind the socket."""
        queue = ReviewQueue(ctx)
        queue.start()
        previews.prune(ctx.ws)
        sock = bind(port)
        token = new_token()

        queue.make_context = ctx.sharing_model  # the page retrains itself every few labels
        language = ctx.settings.language or i18n.requested()
        app = build_app(queue, ctx.sharing_model, token, int(sock.getsockname()[1]), language)
        return cls(queue, sock, token, app)

    def serve(self) -> None:
        """Answer requests until interrupted (Ctrl-C); decisions in flight get `GRACE_S` seconds
        to finish (a journaled move is quick), then the server stops whatever they do."""
        config = uvicorn.Config(
            quiet_on_stop(self.app),
            log_level="error",  # malformed probes are answered, not logged
            access_log=False,  # the first request's URL carries the token
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=GRACE_S,
        )
        self.server = uvicorn.Server(config)
        try:
            self.server.run(sockets=[self.sock])
        except KeyboardInterrupt:
            pass
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()

    def suggested(self) -> int | None:
        """How many images `konomi round` suggested for the current head (None: no round)."""
        found = remembered(self.queue.ws, self.queue.head_id)
        return found.n if found else None

    def stop(self) -> None:
        """Ask a server running in another thread to finish (as Ctrl-C does)."""
        if self.server is not None:
            self.server.should_exit = True
