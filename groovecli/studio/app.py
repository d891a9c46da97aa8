"""The studio's HTTP face (Starlette): the page, its assets, and a small JSON API.

    GET  /                      the page (static/index.html)
    GET  /api/setup             modes, controls, genres, presets, maps, the takes so far
    POST /api/upload            a MIDI file as the raw body (X-Filename: its name), at most 5 MB
    POST /api/command           the CLI line for some settings (checked by click)
    POST /api/run               run a mode; the take, with both lanes to draw
    GET  /api/take/ID.mid|.wav  the result as MIDI (the CLI's bytes) or WAV; /before.wav: the input

Every request first passes ``HostGuard`` (a page on another site cannot reach the studio through
DNS rebinding or a cross-site POST); every handler answers a GrooveError, a click refusal or a
bug with a one-line JSON error, so no request can take the server down.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import secrets
from importlib import resources
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import GrooveError
from ..version import __version__
from . import modes, views
from .guard import HostGuard
from .session import UPLOAD_LIMIT, Session, Take

log = logging.getLogger("groove.studio")
SETTINGS_LIMIT = 64 * 1024


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message.splitlines()[0] if message else "failed"}, status_code=status)


def guarded(handler):
    """One line for the page whatever goes wrong; a bug is logged with its traceback, and the
    server carries on with the next request."""
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except GrooveError as exc:
            return _error(str(exc))
        except Exception as exc:  # noqa: BLE001 - the studio outlives any one request
            log.exception("studio request failed")
            return _error(f"unexpected {type(exc).__name__}: {exc} (a bug in groove; the studio keeps running)", 500)
    return endpoint


async def _json(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise GrooveError("send the settings as application/json")
    try:
        body = json.loads(await _body(request, SETTINGS_LIMIT, "the settings"))
    except ValueError:
        raise GrooveError("the settings are not valid JSON") from None
    if not isinstance(body, dict):
        raise GrooveError("the settings must be a JSON object")
    return body


async def _body(request: Request, limit: int, what: str) -> bytes:
    """The request body, refused as soon as it passes ``limit`` bytes (never held whole)."""
    too_big = GrooveError(f"{what} is larger than {_size(limit)}, the most the studio takes")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} kB"


def _settings(session: Session, body: dict[str, Any], *, placeholders: bool = False) -> tuple[str, dict, list[str], dict]:
    """The mode, its uploads by file argument, the command line, and the options as sent."""
    mode = str(body.get("mode", ""))
    modes.command(mode)  # an unknown mode is refused here
    files = body.get("files") or {}
    options = body.get("options") or {}
    if not isinstance(files, dict) or not isinstance(options, dict):
        raise GrooveError("files and options must be JSON objects")
    uploads = {slot: session.upload(str(file_id)) for slot, file_id in files.items()}
    try:
        seed = int(body.get("seed"))
    except (TypeError, ValueError):
        raise GrooveError("the seed must be a whole number") from None
    if not 0 <= seed < 2**63:
        raise GrooveError("the seed must be a whole number from 0")
    args = modes.command_args(mode, {slot: u.name for slot, u in uploads.items()}, options, seed,
                              placeholders=placeholders)
    return mode, uploads, args, options


STATIC = resources.files("groovecli.studio") / "static"


def _session(request: Request) -> Session:
    return request.app.state.session


async def page(request: Request) -> Response:
    return FileResponse(str(STATIC / "index.html"), headers={"Cache-Control": "no-store"})


async def setup(request: Request) -> Response:
    from ..bundled import bundled_entry
    from ..grid.drawn import TIMING_PRESETS, VELOCITY_PRESETS
    from ..midi.drummap import builtin_maps

    choices = {"genre": ["auto", *bundled_entry().get("genres", [])], "drum_map": ["auto", *builtin_maps()],
               "velocity_pattern": list(VELOCITY_PRESETS), "timing_pattern": list(TIMING_PRESETS)}
    return JSONResponse({"version": __version__, "upload_limit": UPLOAD_LIMIT,
                         "modes": [modes.mode_spec(m, _choices_for(m, choices)) for m in modes.MODES],
                         "takes": [t.public() for t in _session(request).takes.values()]})


async def upload(request: Request) -> Response:
    session = _session(request)
    name = unquote(request.headers.get("x-filename", "song.mid"))
    data = await _body(request, UPLOAD_LIMIT, "the file")
    if not data:
        raise GrooveError("the file is empty")
    file = session.add_upload(name, data)
    notices: list[str] = []
    try:
        perf = await run_in_threadpool(_read_upload, session, file, notices)
    except GrooveError:
        session.uploads.pop(file.id, None)
        raise
    file.perf = perf
    return JSONResponse({"id": file.id, "name": file.name, "view": views.view(perf, file.name),
                         "notices": notices, "wav": f"/api/file/{file.id}.wav"},
                        background=BackgroundTask(_prerender, session, [perf]))  # so Play A answers at once


async def command(request: Request) -> Response:
    _, _, args, _ = _settings(_session(request), await _json(request), placeholders=True)
    return JSONResponse({"cli": modes.shell_line(args)})


async def run(request: Request) -> Response:
    session = _session(request)
    mode, uploads, args, options = _settings(session, await _json(request))
    params = modes.parse(args)
    ticket = session.ticket()

    def work():
        with session.work:
            if not session.current(ticket):  # a knob moved again while this waited: only the newest runs
                return None
            with session.files_on_disk(uploads) as staged:
                outcome = modes.run_mode(mode, params, staged.paths, session.models)
                return dataclasses.replace(outcome, notices=[staged.mask(n) for n in outcome.notices])

    outcome = await run_in_threadpool(work)
    if outcome is None:
        return _error("superseded by newer settings", 409)
    take = _take(session, mode, args, options, uploads, params, outcome)
    # rendered once the answer is sent (not competing with it), while the page draws: Play B is then ready
    later = [p for p in (outcome.after, outcome.before) if p is not None]
    return JSONResponse(take.public(), background=BackgroundTask(_prerender, session, later))


async def take_file(request: Request) -> Response:
    session = _session(request)
    take = session.take(request.path_params["id"])
    kind = request.path_params.get("kind", "before")
    if kind not in ("mid", "wav", "before"):
        return _error("no such file", 404)
    if kind == "mid":
        plain = take.name.encode("ascii", "replace").decode().replace("?", "_")
        return Response(take.midi, media_type="audio/midi", headers={
            "Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(take.name)}"})
    perf = take.before if kind == "before" else take.after
    if perf is None:
        raise GrooveError("this take has no input to play")
    return await _wav_response(session, perf)


async def file_wav(request: Request) -> Response:
    session = _session(request)
    file = session.upload(request.path_params["id"])
    perf = file.perf if file.perf is not None else await run_in_threadpool(_read_upload, session, file, [])
    return await _wav_response(session, perf)


def create_app(session: Session | None = None, *, allowed_hosts: set[str] | None = None) -> HostGuard:
    """The studio as an ASGI app. ``allowed_hosts``: the Host headers it answers (``host:port``);
    None answers only the loopback names TestClient and a browser on this machine use. A session
    given is its giver's to close; one made here goes when the app shuts down."""
    owned = session is None
    session = session or Session()
    routes = [
        Route("/", guarded(page)),
        Route("/api/setup", guarded(setup)),
        Route("/api/upload", guarded(upload), methods=["POST"]),
        Route("/api/command", guarded(command), methods=["POST"]),
        Route("/api/run", guarded(run), methods=["POST"]),
        Route("/api/take/{id:str}.{kind:str}", guarded(take_file)),
        Route("/api/take/{id:str}/before.wav", guarded(take_file)),
        Route("/api/file/{id:str}.wav", guarded(file_wav)),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        if owned:
            session.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.session = session
    return HostGuard(app, allowed_hosts or {"testserver", "127.0.0.1", "localhost"})


def _read_upload(session: Session, file, notices: list[str]):
    """An upload read as ``groove humanize`` reads it with the default drum options."""
    found: list[str] = []
    with session.files_on_disk({"inputs": file}) as staged:
        params = {"drum_map": "auto", "drum_channel": None, "drum_track": None}
        perf = modes.read_with_notices(staged.paths["inputs"], params, found, meters=True)
        notices.extend(staged.mask(n) for n in found if n)
        return perf


def _choices_for(mode: str, choices: dict[str, list[str]]) -> dict[str, list[str]]:
    """drumify's --drum-map names the map to write with: a built-in one, never auto."""
    if mode == "drumify":
        return choices | {"drum_map": [m for m in choices["drum_map"] if m != "auto"]}
    return choices


def _prerender(session: Session, performances: list) -> None:
    for perf in performances:
        session.wav(perf)


async def _wav_response(session: Session, perf) -> Response:
    path = await asyncio.wrap_future(session.wav(perf))
    return FileResponse(str(path), media_type="audio/wav")


def _take(session: Session, mode: str, args: list[str], options: dict, uploads: dict, params: dict,
          outcome: modes.Outcome) -> Take:
    from ..midi.write import midi_bytes

    names = [u.name for u in uploads.values()]
    name = modes.output_name(mode, names, params)
    lanes = {"before": views.view(outcome.before, names[0]) if outcome.before is not None else None,
             "after": views.view(outcome.after, name)}
    return session.add_take(Take(
        id=secrets.token_hex(8), number=session.next_number(), mode=mode, name=name, seed=outcome.seed,
        cli=modes.shell_line(args), options=options, files={slot: u.id for slot, u in uploads.items()},
        before=outcome.before, after=outcome.after, midi=midi_bytes(outcome.after),
        summary=views.summary(mode, outcome.report, outcome.seed), notices=outcome.notices, views=lanes,
        genre=str(outcome.report.get("genre", params.get("genre", "")))))
