"""``groove studio``: a local web page to drop a MIDI file on, turn the knobs, hear A and B, and take
the result back to the DAW. A leaf: it runs the modes through the same API calls as the CLI
(``modes.py``), and imports Starlette and uvicorn only here, never from the rest of groove."""

from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
