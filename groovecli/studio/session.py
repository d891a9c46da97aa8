"""What one studio process holds: the networks (loaded once), the uploads (bytes in memory, named
by an id the server makes), the takes, and their audio (WAVs rendered once into a private temp
folder that goes away with the process).

A client never names a path: uploads are written, one run at a time, to fixed names in a fresh
temp folder that is removed when the run ends, and messages name the file as the user did.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import GrooveError

UPLOAD_LIMIT = 5 * 1024 * 1024  # bytes; a 120-bar drum part is about 20 kB
KEEP_UPLOADS = 32
KEEP_TAKES = 100
KEEP_WAVS = 48  # a 4-minute song's WAV is 42 MB; older ones are rendered again if asked for


class Models:
    """The networks, each loaded once on first use (``warm`` loads the main one at start)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[tuple, Any] = {}

    def model(self, params: dict[str, Any]):
        from ..cli.options import load_model_for

        key = ("model", params.get("weights"), params.get("device", "cpu"))
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = load_model_for(key[1], key[2])
            return self._loaded[key]

    def cond(self, task: str):
        from ..cli.options import load_cond_for

        with self._lock:
            if ("cond", task) not in self._loaded:
                self._loaded[("cond", task)] = load_cond_for(task)
            return self._loaded[("cond", task)]

    def warm(self) -> None:
        self.model({"weights": os.environ.get("GROOVE_WEIGHTS"), "device": "cpu"})
        self.cond("fills")


@dataclass
class Upload:
    id: str
    name: str  # as the user's file was called, for messages and the command line; never a path
    data: bytes
    perf: Any = None  # as read for its lane, kept for Play A


@dataclass
class Take:
    id: str
    number: int
    mode: str
    name: str  # the file name the CLI would write
    seed: int
    cli: str
    options: dict[str, Any]
    files: dict[str, str]
    before: Any  # Performance or None
    after: Any
    midi: bytes
    summary: str
    notices: list[str]
    views: dict[str, Any]
    genre: str = ""

    def public(self) -> dict[str, Any]:
        """The take as the page sees it."""
        return {"id": self.id, "number": self.number, "mode": self.mode, "name": self.name, "seed": self.seed,
                "cli": self.cli, "options": self.options, "files": self.files, "summary": self.summary,
                "notices": self.notices, "label": f"#{self.number} {self.mode} · {self.genre} · seed {self.seed}",
                "midi": f"/api/take/{self.id}.mid", "wav": f"/api/take/{self.id}.wav",
                "before_wav": f"/api/take/{self.id}/before.wav" if self.before is not None else None,
                **self.views}


@dataclass(frozen=True)
class Staged:
    """Uploads written for one run: where each lies, and the name its user gave it."""

    paths: dict[str, Path]
    names: dict[str, str]

    def mask(self, text: str) -> str:
        """A message or warning with the temp files named as the user named them."""
        for slot, path in self.paths.items():
            text = text.replace(str(path), self.names[slot]).replace(path.name, self.names[slot])
        return text


def safe_name(raw: str) -> str:
    """A file name for messages and the command line: the last part, printable, not an option."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"\\').strip().lstrip("-.") or "song.mid"
    return name[:80]


class Session:
    """Uploads, takes and rendered audio of one studio process."""

    def __init__(self) -> None:
        self.models = Models()
        self.folder = Path(tempfile.mkdtemp(prefix="groove-studio-"))
        self.uploads: OrderedDict[str, Upload] = OrderedDict()
        self.takes: OrderedDict[str, Take] = OrderedDict()
        self.work = threading.Lock()  # one model run at a time: two would only share the same cores
        self._wavs: OrderedDict[str, Future] = OrderedDict()
        self._wav_lock = threading.Lock()
        self._wav_keys: OrderedDict[int, tuple[Any, str]] = OrderedDict()  # id(perf) -> (perf, its WAV's key)
        self._audio = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-audio")
        self._count = 0
        self.latest = 0  # the newest run asked for; older ones still waiting are dropped

    def close(self) -> None:
        self._audio.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def add_upload(self, name: str, data: bytes) -> Upload:
        upload = Upload(secrets.token_hex(8), safe_name(name), data)
        self.uploads[upload.id] = upload
        while len(self.uploads) > KEEP_UPLOADS:
            self.uploads.popitem(last=False)
        return upload

    def upload(self, file_id: str) -> Upload:
        if file_id not in self.uploads:
            raise GrooveError("that file is no longer in the studio; load it again")
        return self.uploads[file_id]

    def add_take(self, take: Take) -> Take:
        self.takes[take.id] = take
        while len(self.takes) > KEEP_TAKES:
            self.takes.popitem(last=False)
        return take

    def take(self, take_id: str) -> Take:
        if take_id not in self.takes:
            raise GrooveError("that take is no longer in the studio")
        return self.takes[take_id]

    def ticket(self) -> int:
        """A number for a run request; ``current(ticket)`` says whether a newer one came since."""
        self.latest += 1
        return self.latest

    def current(self, ticket: int) -> bool:
        return ticket == self.latest

    def next_number(self) -> int:
        self._count += 1
        return self._count

    @contextmanager
    def files_on_disk(self, uploads: dict[str, Upload]):
        """The uploads as files for the reader (``Staged``), in a temp folder removed afterwards;
        GrooveErrors that name those paths name the user's files instead."""
        folder = Path(tempfile.mkdtemp(prefix="run-", dir=self.folder))
        staged = Staged({}, {slot: upload.name for slot, upload in uploads.items()})
        try:
            for i, (slot, upload) in enumerate(uploads.items()):
                staged.paths[slot] = folder / f"input-{i + 1}.mid"
                staged.paths[slot].write_bytes(upload.data)
            try:
                yield staged
            except GrooveError as exc:
                raise GrooveError(staged.mask(str(exc))) from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def wav(self, perf) -> Future:
        """The WAV of a Performance through the bundled kit, rendered once (keyed by its MIDI bytes)."""
        key = self._wav_key(perf)
        with self._wav_lock:  # asked for from the event loop and from background tasks
            if key in self._wavs:
                self._wavs.move_to_end(key)
                return self._wavs[key]
            future = self._audio.submit(self._render, perf, self.folder / f"{key}.wav")
            self._wavs[key] = future
            while len(self._wavs) > KEEP_WAVS:
                _, old = self._wavs.popitem(last=False)
                old.add_done_callback(lambda f: f.exception() is None and Path(f.result()).unlink(missing_ok=True))
            return future

    def _wav_key(self, perf) -> str:
        """The WAV's key, its MIDI bytes' digest, worked out once per Performance: a take's
        song is asked for by the prerender, Play and the download, and a long song's bytes take
        a noticeable part of a second to make."""
        from ..midi.write import midi_bytes

        with self._wav_lock:
            known = self._wav_keys.get(id(perf))
        if known is not None and known[0] is perf:
            return known[1]
        key = hashlib.sha1(midi_bytes(perf)).hexdigest()
        with self._wav_lock:
            self._wav_keys[id(perf)] = (perf, key)
            while len(self._wav_keys) > 4 * KEEP_WAVS:
                self._wav_keys.popitem(last=False)
        return key

    @staticmethod
    def _render(perf, path: Path) -> Path:
        from ..audio.render import load_font, render_file

        if not path.exists():
            render_file(perf, path, font=load_font(), force=True)
        return path
