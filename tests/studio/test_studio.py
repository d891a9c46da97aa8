"""`groove studio`: its API (errors, the Host guard, the upload limit, the CLI's bytes for every
mode) through Starlette's TestClient, then the page itself in headless Chromium."""

from __future__ import annotations

import http.client
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from conftest import REPO

from groovecli.cli import cli
from groovecli.studio import create_app, modes
from groovecli.studio.server import allowed_hosts, bind, is_loopback
from groovecli.studio.session import UPLOAD_LIMIT, Session

starlette_testclient = pytest.importorskip("starlette.testclient")

FUNK = REPO / "examples" / "funk.mid"
ROCK = REPO / "examples" / "rock.mid"
NOT_MIDI = b"kick snare kick snare\n"


@pytest.fixture(scope="module")
def session():
    s = Session()
    s.models.warm()
    yield s
    s.close()


@pytest.fixture()
def client(session):
    with starlette_testclient.TestClient(create_app(session)) as c:
        yield c


def upload(client, path: Path, name: str | None = None):
    return client.post("/api/upload", content=path.read_bytes(), headers={"X-Filename": name or path.name})


def run(client, mode: str, files: dict, options: dict | None = None, seed: int = 7):
    return client.post("/api/run", json={"mode": mode, "files": files, "options": options or {}, "seed": seed})


def cli_output(line: str, inputs: dict[str, Path], folder: Path, name: str) -> bytes:
    """Run the page's command line with the CLI in ``folder`` (the working directory), its files
    under the names the page shows, and read the file it writes, which must be called ``name``
    (the studio's download name is the CLI's own)."""
    args = shlex.split(line)
    assert args[0] == "groove"
    for file, src in inputs.items():
        shutil.copy(src, folder / file)
    result = CliRunner().invoke(cli, [*args[1:], "-q"])
    assert result.exit_code == 0, result.output
    written = set(p.name for p in folder.iterdir()) - set(inputs)
    assert written == {name}
    return (folder / name).read_bytes()


def test_every_mode_with_the_cli_options_and_defaults(client):
    setup = client.get("/api/setup").json()
    assert [m["name"] for m in setup["modes"]] == list(modes.MODES)
    humanize = next(m for m in setup["modes"] if m["name"] == "humanize")
    controls = {c["name"]: c for c in humanize["controls"]}
    params = {p.name: p for p in cli.commands["humanize"].params}
    for name in ("genre", "notes", "velocity_amount", "timing_amount", "temperature", "density", "syncopation",
                 "velocity_pattern", "timing_pattern", "fills", "fill_beats", "drum_map", "swing"):
        assert controls[name]["flag"] == max(params[name].opts, key=len)
        assert controls[name]["default"] == modes.default(params[name])
    assert "auto" in controls["genre"]["choices"] and "funk" in controls["genre"]["choices"]
    assert "swing8" in controls["timing_pattern"]["suggestions"]
    assert not {"out", "force", "preview", "weights", "device", "n_jobs", "ray"} & set(controls)  # terminal-only
    sample = next(m for m in setup["modes"] if m["name"] == "sample")
    assert sample["inputs"] == [] and "auto" not in next(c for c in sample["controls"] if c["name"] == "genre")["choices"]


CASES = {
    "humanize": ({"inputs": FUNK}, {"genre": "funk", "velocity_amount": "0.7", "notes": "keep", "fills": "4", "swing": "58"}),
    "transfer": ({"template": FUNK, "reference": ROCK}, {"timing_only": True}),
    "sample": ({}, {"genre": "jazz", "bars": "6", "tempo": "96"}),
    "continue": ({"primer": FUNK}, {"bars": "2", "temperature": "0.8"}),
    "drumify": ({"rhythm": FUNK}, {"genre": "rock"}),
    "fill": ({"song": FUNK}, {"bars": "4:4", "fill_beats": "2"}),
    "interpolate": ({"a": FUNK, "b": ROCK}, {"steps": "3", "bars": "1"}),
}


@pytest.mark.parametrize("mode", list(CASES))
def test_every_mode_gives_the_cli_bytes(client, mode, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files, options = CASES[mode]
    ids = {slot: upload(client, path).json()["id"] for slot, path in files.items()}
    take = run(client, mode, ids, options, seed=11).json()
    assert "error" not in take, take
    assert take["seed"] == 11 and "--seed 11" in take["cli"]
    studio_bytes = client.get(take["midi"]).content
    assert studio_bytes == cli_output(take["cli"], {p.name: p for p in files.values()}, tmp_path, take["name"])
    assert client.get(take["wav"]).content[:4] == b"RIFF"


def test_bad_files_and_values_get_the_cli_one_line_errors(client, tmp_path, monkeypatch):
    answer = client.post("/api/upload", content=NOT_MIDI, headers={"X-Filename": "notes.txt"})
    assert answer.status_code == 400
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_bytes(NOT_MIDI)
    said = CliRunner().invoke(cli, ["humanize", "notes.txt"])
    assert said.exit_code == 1
    assert f"error: {answer.json()['error']}" in said.output
    song = upload(client, FUNK).json()["id"]
    refused = run(client, "humanize", {"inputs": song}, {"velocity_amount": "1.5"}).json()["error"]
    assert "--velocity-amount" in refused and "\n" not in refused
    assert "--fills" in run(client, "humanize", {"inputs": song}, {"fills": "often"}).json()["error"]
    assert run(client, "humanize", {"inputs": "nope"}).status_code == 400
    assert run(client, "humanize", {"inputs": song}).status_code == 200  # and it still works


def test_a_crash_in_one_request_leaves_the_server_running(client, monkeypatch):
    song = upload(client, FUNK).json()["id"]

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setitem(modes.RUNNERS, "humanize", broken)
    answer = run(client, "humanize", {"inputs": song})
    assert answer.status_code == 500 and answer.json()["error"].startswith("unexpected RuntimeError: boom")
    monkeypatch.undo()
    assert run(client, "humanize", {"inputs": song}).status_code == 200


def test_foreign_host_and_origin_are_refused(client):
    assert client.get("/", headers={"Host": "attacker.example:8642"}).status_code == 403
    assert client.get("/api/setup", headers={"Host": "attacker.example"}).json()["error"].startswith("refused")
    posted = client.post("/api/upload", content=FUNK.read_bytes(), headers={"Origin": "http://attacker.example"})
    assert posted.status_code == 403
    assert upload(client, FUNK).status_code == 200
    assert client.get("/", headers={"Origin": "http://testserver"}).status_code == 200


def test_uploads_are_limited_and_never_name_a_path(client, session):
    big = client.post("/api/upload", content=b"MThd" + bytes(UPLOAD_LIMIT), headers={"X-Filename": "big.mid"})
    assert big.status_code == 400 and "5 MB" in big.json()["error"]
    chunked = client.post("/api/upload", content=iter([b"MThd", bytes(UPLOAD_LIMIT)]))  # no Content-Length
    assert chunked.status_code == 400 and "5 MB" in chunked.json()["error"]
    sneaky = upload(client, FUNK, name="../../etc/cron.d/x.mid").json()
    assert sneaky["name"] == "x.mid"
    take = run(client, "humanize", {"inputs": sneaky["id"]}).json()
    assert take["cli"].startswith("groove humanize x.mid ")
    named = client.post("/api/upload", content=FUNK.read_bytes(), headers={"X-Filename": quote('ドラム "1".mid')}).json()
    take = run(client, "humanize", {"inputs": named["id"]}).json()
    assert take["name"] == "ドラム 1.groove.mid"
    assert client.get(take["midi"]).headers["content-disposition"].endswith(quote("ドラム 1.groove.mid"))
    warned = client.post("/api/upload", content=FUNK.read_bytes(), headers={"X-Filename": "my beat.mid"}).json()
    said = " ".join(warned["notices"] + run(client, "humanize", {"inputs": warned["id"]}).json()["notices"])
    assert "input-" not in said and "/tmp" not in said  # warnings name the file as the user did
    leftovers = [p for p in session.folder.iterdir() if p.suffix != ".wav"]
    assert leftovers == []  # each run's input files went with the run


def test_the_session_folder_goes_with_the_server():
    app = create_app()
    folder = app.state.session.folder
    with starlette_testclient.TestClient(app) as c:
        assert c.post("/api/upload", content=FUNK.read_bytes(), headers={"X-Filename": "f.mid"}).status_code == 200
        assert folder.exists()
    assert not folder.exists()


def test_hosts_the_studio_answers():
    assert allowed_hosts("127.0.0.1", 8642) >= {"127.0.0.1:8642", "localhost:8642"}
    assert "evil.example:8642" not in allowed_hosts("127.0.0.1", 8642)
    assert "192.168.1.5:9000" in allowed_hosts("192.168.1.5", 9000)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and not is_loopback("0.0.0.0")


def test_studio_command_warns_off_loopback_and_says_when_the_port_is_busy():
    busy = bind("0.0.0.0", 0)
    try:
        port = busy.getsockname()[1]
        said = CliRunner().invoke(cli, ["studio", "--no-browser", "--host", "0.0.0.0", "--port", str(port)])
    finally:
        busy.close()
    assert said.exit_code == 1
    assert "warning: --host 0.0.0.0" in said.output
    assert f"error: port {port} is in use" in said.output


# ---- the page in a real browser --------------------------------------------------------------
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def live():
    """The studio served by uvicorn on a free loopback port, as `groove studio` serves it, with a
    session of its own (the page shows only the browser test's takes)."""
    uvicorn = pytest.importorskip("uvicorn")
    session = Session()
    session.models.warm()
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = create_app(session, allowed_hosts=allowed_hosts("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()
    session.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("the browser test needs Debian's chromium and chromium-driver (.ci/run installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,860",
                "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    downloads = tmp_path_factory.mktemp("downloads")
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()


def wait(driver, condition, timeout: float = 60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)


def playing(driver, side: str) -> bool:
    return driver.execute_script(f"const a = document.getElementById('audio-{side}'); return !a.paused && a.currentTime > 0")


def position(driver, side: str) -> float:
    return driver.execute_script(f"return document.getElementById('audio-{side}').currentTime")


def test_the_page_in_a_real_browser(browser, live, tmp_path, monkeypatch):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    d = browser
    d.get(live + "/")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#modes button.active"))  # set up, the last take shown
    shown = d.find_element(By.ID, "grid-b").get_attribute("data-take")
    d.find_element(By.ID, "seed").clear()
    d.find_element(By.ID, "seed").send_keys("2026")  # the same take, and picture, every run
    d.find_element(By.ID, "file-main").send_keys(str(FUNK))
    wait(d, lambda d: d.find_element(By.ID, "grid-b").get_attribute("data-take") not in (None, shown))
    Select(d.find_element(By.ID, "opt-genre")).select_by_value("funk")
    knob = d.find_element(By.ID, "opt-velocity_amount")
    knob.send_keys(*[Keys.LEFT] * 6)  # 1.0 → 0.7 in the slider's steps of 0.05

    def settled(d):  # the take on the page is the one with both changes
        shown = d.find_element(By.ID, "grid-b").get_attribute("data-cli") or ""
        return shown if "--genre funk" in shown and "--velocity-amount 0.7" in shown else None

    line = wait(d, settled)
    assert d.find_element(By.ID, "cli").text == line and line.endswith("--seed 2026")
    assert "genre funk" in d.find_element(By.ID, "summary").text

    d.find_element(By.ID, "play-b").click()
    wait(d, lambda d: playing(d, "b") and position(d, "b") > 0.4, timeout=10)
    d.find_element(By.ID, "play-a").click()  # A/B while playing: A takes over where B was
    wait(d, lambda d: playing(d, "a") and not playing(d, "b"), timeout=10)
    assert position(d, "a") >= 0.4
    d.find_element(By.ID, "stop").click()
    d.find_element(By.ID, "loop-from").clear()
    d.find_element(By.ID, "loop-from").send_keys("3")
    d.find_element(By.ID, "loop-to").clear()
    d.find_element(By.ID, "loop-to").send_keys("3")
    d.find_element(By.ID, "loop").click()
    d.find_element(By.ID, "play-b").click()  # 100 bpm: bar 3 is 4.8-7.2 s
    wait(d, lambda d: playing(d, "b"), timeout=10)
    assert 4.8 <= position(d, "b") < 7.2
    d.find_element(By.ID, "stop").click()
    d.find_element(By.ID, "loop").click()

    # the README's picture is refreshed only when asked: a test run leaves the checkout as it was
    shot = REPO / "docs" / "studio.png" if os.environ.get("GROOVE_REFRESH_SCREENSHOT") else tmp_path / "studio.png"
    d.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000

    link = d.find_element(By.ID, "dl-midi")
    name = link.get_attribute("download")
    assert name == "funk.groove.mid"
    link.click()
    saved = d.downloads / name
    wait(d, lambda d: saved.exists() and not list(d.downloads.glob("*.crdownload")), timeout=20)
    here = tmp_path / "cli"
    here.mkdir()
    monkeypatch.chdir(here)
    assert saved.read_bytes() == cli_output(line, {"funk.mid": FUNK}, here, name)

    problems = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"
                and "status of 409" not in e["message"]]  # 409: a run dropped for newer settings
    assert problems == []  # no script error, no failed request

    junk = tmp_path / "notes.txt"
    junk.write_bytes(NOT_MIDI)
    d.find_element(By.ID, "file-main").send_keys(str(junk))
    error = wait(d, lambda d: d.find_element(By.ID, "error").text)
    assert error == "error: notes.txt is not a MIDI file (no MThd header)"
    before = d.find_element(By.ID, "grid-b").get_attribute("data-take")
    d.find_element(By.ID, "new-take").click()  # the page still works, with the song it had
    wait(d, lambda d: d.find_element(By.ID, "grid-b").get_attribute("data-take") not in (before, None))
    assert not d.find_element(By.ID, "error").is_displayed()

    host = live.split("//")[1]
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("GET", "/api/setup", headers={"Host": "attacker.example"})
    assert conn.getresponse().status == 403


def test_runs_queued_behind_newer_settings_are_dropped(client, session):
    song = upload(client, FUNK).json()["id"]

    def asked_after(count: int) -> None:  # until the server has taken a newer run request
        deadline = time.monotonic() + 20
        while session.latest == count and time.monotonic() < deadline:
            time.sleep(0.01)

    pool = ThreadPoolExecutor(2)
    session.work.acquire()  # a run in progress; two more arrive, the second with newer settings
    try:
        start = session.latest
        older = pool.submit(run, client, "humanize", {"inputs": song}, {"genre": "rock"})
        asked_after(start)
        newer = pool.submit(run, client, "humanize", {"inputs": song}, {"genre": "funk"})
        asked_after(start + 1)
    finally:
        session.work.release()
    assert older.result().status_code == 409
    assert newer.result().json()["cli"].endswith("--genre funk --seed 7")
    pool.shutdown()


def test_the_lanes_show_drums_by_the_map_and_hits_off_the_grid(tmp_path):
    from conftest import hits_track, midi_file, save

    from groovecli.midi.read import read_midi
    from groovecli.studio.views import view

    # 4/4 at 480 ticks per beat: a 16th is 120 ticks; the snare is 30 ticks (a quarter 16th) late
    song = save(midi_file(hits_track([(0, 36, 100), (480 + 30, 38, 64), (960, 42, 90)], 60)), tmp_path / "s.mid")
    lanes = view(read_midi(song), "s.mid")
    assert [label for _, _, label in lanes["rows"]] == ["Bass Drum 1 (36)", "Acoustic Snare (38)", "Closed Hi-Hat (42)"]
    by_row = {row: (beat, velocity, off) for row, beat, velocity, off in lanes["notes"]}
    assert by_row[1] == (1.0625, 64, 0.25)
    assert by_row[0][2] == 0 and by_row[2] == (2.0, 90, 0.0)
    assert lanes["bars"][0][:5] == [0.0, 4.0, 4, 4, 120.0]


def test_groove_studio_serves_until_ctrl_c_and_cleans_up(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "groovecli", "studio", "--no-browser", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()
        assert first.startswith("groove studio: http://127.0.0.1:"), first + proc.stderr.read()
        url = first.split()[2]
        host = url.split("//")[1].rstrip("/")
        conn = http.client.HTTPConnection(host, timeout=30)
        conn.request("GET", "/api/setup")
        assert json.loads(conn.getresponse().read())["version"]
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("groove-studio-")]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("groove-studio-")]
