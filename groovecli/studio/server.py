"""Run the studio: bind the port first (so a busy port is a one-line error), load the model, serve
with uvicorn, and open the page in the default browser once the server answers."""

from __future__ import annotations

import ipaddress
import socket
import threading
import webbrowser
from collections.abc import Callable

from ..errors import GrooveError

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host headers the studio answers: its loopback names, and with --host the name given
    (for 0.0.0.0 or ::, this machine's own name and addresses)."""
    names = set(LOOPBACK_NAMES) | {host if ":" not in host else f"[{host.strip('[]')}]"}
    if host in ("0.0.0.0", "::"):
        own = socket.gethostname()
        names |= {own, *(a for a in _addresses(own))}
    return {f"{name}:{port}" for name in names} | ({*names} if port == 80 else set())


def _addresses(name: str) -> list[str]:
    try:
        return [info[4][0] for info in socket.getaddrinfo(name, None)]
    except OSError:
        return []


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a one-line error that says what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise GrooveError(f"port {port} is in use (another studio?); choose another with --port") from None
        raise GrooveError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(64)
    return sock


def serve(host: str = "127.0.0.1", port: int = 8642, *, open_browser: bool = True,
          say: Callable[[str], None] = print) -> None:
    """Serve until Ctrl+C. The model is loaded before the first page is shown."""
    import uvicorn

    from .app import create_app
    from .session import Session

    sock = bind(host, port)
    port = sock.getsockname()[1]
    session = Session()
    session.models.warm()
    app = create_app(session, allowed_hosts=allowed_hosts(host, port))
    shown = host if ":" not in host else f"[{host}]"
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    say(f"groove studio: {url}  (Ctrl+C stops it)")
    if open_browser:
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        session.close()
        sock.close()


def _open_when_up(server, url: str) -> None:
    for _ in range(200):
        if server.started:
            webbrowser.open(url)
            return
        threading.Event().wait(0.05)
