"""The studio's speed, with the model loaded, over real HTTP (uvicorn on a loopback port, as
`groove studio` serves it).

    python benchmarks/bench_studio.py [--repeats 5] [--no-browser]

For an 8-bar and a 120-bar song (``bench_infer.write_song``'s stiff rock beat, 120 bpm):
1. ``request_s``: POST /api/run for humanize (a new seed each time) until its JSON is read: the
   server's answer, both lanes included (targets: 8 bars <= 0.3 s, 120 bars <= 2 s).
2. ``first_sound_s``: from that POST to the last byte of the result's WAV (GET /api/take/ID.wav):
   the soonest a click on Play B can sound after asking for a take. The server starts rendering
   as soon as the take is made, so most of it overlaps the page drawing the lanes.
3. ``click_to_playing_s`` (with Debian's chromium, unless --no-browser): in headless Chromium,
   from a click on Play B to its audio element's ``playing`` event, clicked the moment the take
   is shown (its WAV may still be rendering); ``click_to_playing_ready_s``: the same once the WAV
   has loaded, as when the producer looks at the lanes first.
4. ``mode_s``: the same humanize called in-process (``modes.run_mode``, no HTTP, no lanes): what
   the model and the reader take, so ``request_s - mode_s`` is the studio's own cost; and
   ``mode_cpu_s``, its CPU time, which other work on the machine does not inflate.
Medians over ``--repeats``; prints one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_infer import write_song

SIZES = (8, 120)


def start_server():
    """The studio app under uvicorn in this process (model warm); returns (server, port, session)."""
    import uvicorn

    from groovecli.studio import create_app
    from groovecli.studio.server import allowed_hosts, bind
    from groovecli.studio.session import Session

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    session = Session()
    session.models.warm()
    server = uvicorn.Server(uvicorn.Config(create_app(session, allowed_hosts=allowed_hosts("127.0.0.1", port)),
                                           log_level="warning", access_log=False))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, port, session


def call(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
         headers: dict | None = None) -> bytes:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit(f"{method} {path}: {response.status} {data[:200]!r}")
    return data


def measure(port: int, song: Path, repeats: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    file_id = json.loads(call(conn, "POST", "/api/upload", song.read_bytes(), {"X-Filename": song.name}))["id"]
    requests, sounds = [], []
    for seed in range(repeats + 1):  # the first is a warm-up
        body = json.dumps({"mode": "humanize", "files": {"inputs": file_id}, "options": {}, "seed": seed}).encode()
        start = time.perf_counter()
        take = json.loads(call(conn, "POST", "/api/run", body, {"Content-Type": "application/json"}))
        answered = time.perf_counter()
        wav = call(conn, "GET", take["wav"])
        done = time.perf_counter()
        assert wav[:4] == b"RIFF"
        if seed:
            requests.append(answered - start)
            sounds.append(done - start)
    return {"request_s": round(statistics.median(requests), 3), "first_sound_s": round(statistics.median(sounds), 3)}


def in_process(session, song: Path, repeats: int) -> dict:
    """Median seconds of the humanize run itself, as the server runs it, without HTTP: wall time,
    and this thread's CPU time (torch on one thread, as here: what an idle core would take)."""
    from groovecli.studio import modes

    upload = session.add_upload(song.name, song.read_bytes())
    times, cpu = [], []
    for seed in range(repeats + 1):
        params = modes.parse(modes.command_args("humanize", {"inputs": song.name}, {}, seed))
        start, start_cpu = time.perf_counter(), time.thread_time()
        with session.files_on_disk({"inputs": upload}) as staged:
            modes.run_mode("humanize", params, staged.paths, session.models)
        if seed:
            times.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
    return {"mode_s": round(statistics.median(times), 3), "mode_cpu_s": round(statistics.median(cpu), 3)}


def click_to_playing(port: int, song: Path, repeats: int, ready: bool) -> float | None:
    """Median seconds from a click on Play B to 'playing', in headless Chromium (None without it):
    clicked as soon as the take shows, or (``ready``) once its audio has loaded."""
    if not (Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists()):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(arg)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        d.get(f"http://127.0.0.1:{port}/")
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#modes button.active"))
        times = []
        for _ in range(repeats):
            shown = d.find_element(By.ID, "grid-b").get_attribute("data-take")
            if not times:
                d.find_element(By.ID, "file-main").send_keys(str(song))
            else:
                d.find_element(By.ID, "new-take").click()
            WebDriverWait(d, 60).until(lambda d, shown=shown: d.find_element(By.ID, "grid-b").get_attribute("data-take") not in (None, shown))
            if ready:  # the WAV rendered and loaded, as when a producer looks at the lanes first
                WebDriverWait(d, 60).until(lambda d: d.execute_script("return document.getElementById('audio-b').readyState >= 3"))
            d.execute_script("""const a = document.getElementById('audio-b'); window.__playing = null;
                a.addEventListener('playing', () => { window.__playing = performance.now(); }, {once: true});
                document.getElementById('play-b').addEventListener('click', () => { window.__clicked = performance.now(); }, {once: true, capture: true});""")
            d.find_element(By.ID, "play-b").click()
            WebDriverWait(d, 30, poll_frequency=0.01).until(lambda d: d.execute_script("return window.__playing"))
            times.append(d.execute_script("return (window.__playing - window.__clicked) / 1000"))
            d.find_element(By.ID, "stop").click()
        return round(statistics.median(times), 3)
    finally:
        d.quit()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    server, port, session = start_server()
    report = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for bars in SIZES:
                song = Path(tmp) / f"song-{bars}.mid"
                write_song(song, bars)
                report[f"{bars}_bars"] = measure(port, song, args.repeats)
                report[f"{bars}_bars"] |= in_process(session, song, args.repeats)
                if not args.no_browser:
                    report[f"{bars}_bars"]["click_to_playing_s"] = click_to_playing(port, song, args.repeats, False)
                    report[f"{bars}_bars"]["click_to_playing_ready_s"] = click_to_playing(port, song, args.repeats, True)
    finally:
        server.should_exit = True
        session.close()
    report["load_average_1min"] = round(os.getloadavg()[0], 2)  # other work on the 2 cores slows every figure
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
