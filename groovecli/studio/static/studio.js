// The page: modes and controls (built from the CLI's own options, which the server lists),
// uploads, runs, takes, the two lanes and the transport. Plain DOM, no framework, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const S = {
  setup: null, mode: "humanize", values: {}, files: [null, null], uploads: {}, takes: [], current: null,
  ppb: null, fit: true, running: null, msPerBar: 8, timer: null, cliTimer: null,
};

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({ error: `the studio answered ${response.status}` }));
  if (!response.ok) throw Object.assign(new Error(body.error || `the studio answered ${response.status}`), { status: response.status });
  return body;
}

function showError(message) {
  const box = $("error");
  box.textContent = message ? `error: ${message}` : "";
  box.hidden = !message;
}

function showNotices(lines) {
  $("notices").replaceChildren(...(lines || []).map((line) => Object.assign(document.createElement("div"), { textContent: line })));
}

const modeSpec = () => S.setup.modes.find((m) => m.name === S.mode);

// ---- controls ---------------------------------------------------------------------------
function buildModes() {
  $("modes").replaceChildren(...S.setup.modes.map((m) => {
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: m.name, title: m.help });
    b.dataset.mode = m.name;
    b.addEventListener("click", () => setMode(m.name));
    return b;
  }));
}

function setMode(name) {
  S.mode = name;
  for (const b of $("modes").children) b.classList.toggle("active", b.dataset.mode === name);
  S.values[name] = S.values[name] || {};
  buildInputs();
  buildControls();
  changed();
}

function buildInputs() {
  const spec = modeSpec();
  const slots = spec.inputs.map((input, i) => {
    const box = document.createElement("div");
    box.className = "drop";
    const file = S.files[i];
    const meta = file ? `${file.view.bars.length} bars · ${file.view.notes.length} drum notes · ${file.view.map} map` : "drop a .mid file here or choose one";
    box.innerHTML = `<div class="caption">${input.label}</div><div class="name"></div><div class="meta"></div>`;
    box.querySelector(".name").textContent = file ? file.name : "";
    box.querySelector(".meta").textContent = meta;
    const chooser = Object.assign(document.createElement("input"), { type: "file", accept: ".mid,.midi,.rmi,audio/midi,audio/x-midi" });
    chooser.id = i === 0 ? "file-main" : "file-second";
    chooser.addEventListener("change", () => chooser.files[0] && upload(chooser.files[0], i));
    box.append(chooser);
    box.addEventListener("dragover", (e) => { e.preventDefault(); e.stopPropagation(); box.classList.add("over"); });
    box.addEventListener("dragleave", () => box.classList.remove("over"));
    box.addEventListener("drop", (e) => {
      e.preventDefault(); e.stopPropagation(); box.classList.remove("over");
      if (e.dataTransfer.files[0]) upload(e.dataTransfer.files[0], i);
    });
    return box;
  });
  $("inputs").replaceChildren(...slots);
  $("drop-hint").hidden = spec.inputs.length === 0 || Boolean(S.files[0]);
}

function controlValue(c) {
  const v = S.values[S.mode][c.name];
  return v === undefined ? c.default : v;
}

function buildControls() {
  const spec = modeSpec(), parts = [];
  let group = null;
  for (const c of spec.controls) {
    if (c.group !== group) {
      group = c.group;
      if (group) parts.push(Object.assign(document.createElement("div"), { className: "group-title", textContent: group }));
    }
    parts.push(controlRow(c));
  }
  $("controls").replaceChildren(...parts);
}

function controlRow(c) {
  const row = document.createElement("div");
  row.className = `control ${c.kind}`;
  row.title = c.help || "";
  const label = Object.assign(document.createElement("label"), { textContent: c.flag, htmlFor: `opt-${c.name}` });
  let input;
  const value = controlValue(c);
  if (c.kind === "choice") {
    input = document.createElement("select");
    for (const choice of c.choices) input.append(new Option(choice, choice));
    input.value = value == null ? "" : String(value);
  } else if (c.kind === "range") {
    input = Object.assign(document.createElement("input"), { type: "range", min: c.min, max: c.max, step: c.step });
    input.value = value;
    const out = document.createElement("output");
    out.textContent = value;
    input.addEventListener("input", () => { out.textContent = input.value; });
    row.append(label, input, out);
  } else if (c.kind === "flag") {
    input = Object.assign(document.createElement("input"), { type: "checkbox", checked: Boolean(value) });
  } else {
    input = Object.assign(document.createElement("input"), { type: c.kind === "number" ? "number" : "text", placeholder: c.placeholder || "" });
    if (c.kind === "number" && c.step) input.step = c.step;
    input.value = value == null ? "" : String(value);
    if (c.suggestions) {
      const list = document.createElement("datalist");
      list.id = `list-${c.name}`;
      for (const s of c.suggestions) list.append(new Option(s));
      row.append(list);
      input.setAttribute("list", list.id);
    }
  }
  input.id = `opt-${c.name}`;
  input.name = c.name;
  input.addEventListener("change", () => {
    S.values[S.mode][c.name] = c.kind === "flag" ? input.checked : input.value === "" ? null : input.value;
    changed();
  });
  if (!row.contains(input)) row.append(label, input);
  return row;
}

function currentOptions() {
  const out = {};
  for (const c of modeSpec().controls) {
    const v = controlValue(c);
    if (v !== null && v !== undefined && v !== "") out[c.name] = v;
  }
  return out;
}

function readyToRun() { return modeSpec().inputs.every((_, i) => S.files[i]); }

function request() {
  const files = {};
  modeSpec().inputs.forEach((input, i) => { if (S.files[i]) files[input.name] = S.files[i].id; });
  return { mode: S.mode, files, options: currentOptions(), seed: Number($("seed").value) };
}

function changed() {
  clearTimeout(S.cliTimer);
  S.cliTimer = setTimeout(updateCommand, 120);
  clearTimeout(S.timer);
  if (readyToRun()) S.timer = setTimeout(run, 350);
}

async function updateCommand() {
  try {
    const { cli } = await api("/api/command", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request()) });
    $("cli").textContent = cli;
  } catch (e) { $("cli").textContent = ""; }
}

// ---- files and runs ---------------------------------------------------------------------
async function upload(file, slot) {
  try {
    const body = await api("/api/upload", {
      method: "POST", body: file,
      headers: { "Content-Type": "application/octet-stream", "X-Filename": encodeURIComponent(file.name) },
    });
    showError(null);
    S.files[slot] = body;
    S.uploads[body.id] = body;
    if (slot === 0) {
      S.fit = true;
      showLanes(body.view, null);
      Player.load("a", body.wav);
      showNotices(body.notices);
      const fill = modeSpec().controls.find((c) => c.name === "bars" && c.kind === "text");
      if (fill && !S.values[S.mode].bars) S.values[S.mode].bars = `${body.view.bars.length}:${body.view.bars.length}`;
    }
    buildInputs();
    buildControls();
    changed();
  } catch (e) {
    showError(e.message);
  }
}

async function run() {
  if (!readyToRun()) {
    const missing = modeSpec().inputs.find((_, i) => !S.files[i]);
    showError(`${S.mode} needs a file for ${missing.label}: drop one or choose one`);
    return;
  }
  clearTimeout(S.timer);
  if (S.running) S.running.abort();
  const controller = new AbortController();
  S.running = controller;
  const bars = S.files[0] ? S.files[0].view.bars.length : Number(currentOptions().bars || 4);
  const started = performance.now();
  const estimate = 150 + bars * S.msPerBar;
  $("progress").hidden = false;
  const progress = setInterval(() => {
    const t = performance.now() - started;
    $("progress-bar").style.width = `${Math.min(95, (100 * t) / estimate)}%`;
    $("progress-text").textContent = `${S.mode}: ${bars} bars… ${(t / 1000).toFixed(1)} s`;
  }, 100);
  try {
    const take = await api("/api/run", {
      method: "POST", signal: controller.signal, headers: { "Content-Type": "application/json" }, body: JSON.stringify(request()),
    });
    S.msPerBar = 0.5 * S.msPerBar + 0.5 * Math.max(1, (performance.now() - started - 100) / Math.max(bars, 1));
    showError(null);
    S.takes.push(take);
    showTake(take);
  } catch (e) {
    if (e.name !== "AbortError" && e.status !== 409) showError(e.message);  // 409: newer settings won
  } finally {
    clearInterval(progress);
    if (S.running === controller) { S.running = null; $("progress").hidden = true; $("progress-bar").style.width = "0"; }
  }
}

function showTake(take) {
  S.current = take;
  $("cli").textContent = take.cli;
  showNotices(take.notices);
  $("summary").textContent = take.summary;
  Player.load("a", take.before_wav);
  Player.load("b", take.wav);
  for (const [id, url, name] of [["dl-midi", take.midi, take.name], ["dl-wav", take.wav, take.name.replace(/\.mid$/, ".wav")]]) {
    const a = $(id);
    a.href = url; a.download = name; a.classList.remove("disabled");
  }
  showLanes(take.before, take.after);
  $("grid-b").dataset.take = take.id;
  $("grid-b").dataset.cli = take.cli;
  listTakes();
}

function listTakes() {
  $("takes").replaceChildren(...S.takes.map((t) => {
    const li = document.createElement("li");
    li.textContent = t.label;
    li.title = t.cli;
    li.className = t === S.current ? "current" : "";
    li.addEventListener("click", () => {  // back to that take: its settings and, when still loaded here, its files
      S.mode = t.mode; S.values[t.mode] = { ...t.options };
      $("seed").value = t.seed;
      const inputs = S.setup.modes.find((m) => m.name === t.mode).inputs;
      inputs.forEach((input, i) => { if (S.uploads[t.files[input.name]]) S.files[i] = S.uploads[t.files[input.name]]; });
      setModeQuiet(t.mode);
      showTake(t);
    });
    return li;
  }).reverse());
}

function setModeQuiet(name) {
  for (const b of $("modes").children) b.classList.toggle("active", b.dataset.mode === name);
  buildInputs(); buildControls();
}

// ---- lanes ------------------------------------------------------------------------------
const lanes = { a: null, b: null, head: null };

function showLanes(a, b) {
  lanes.a = a; lanes.b = b;
  $("title-a").textContent = a ? `A · ${a.name}` : "A · input";
  const noInput = !a && modeSpec().inputs.length === 0;  // sample: nothing to compare with
  $("title-a").hidden = $("grid-a").hidden = noInput;
  $("play-a").disabled = !a;
  $("title-b").textContent = b ? `B · ${b.name}` : "B · result";
  if (S.fit) fitZoom();
  redraw();
}

function fitZoom() {
  const width = $("scroller").clientWidth - Grid.GUTTER - 24;
  S.ppb = Math.max(0.5, Math.min(64, width / Grid.totalBeats([lanes.a, lanes.b])));
}

function loopBars() {
  if (!$("loop").checked) return null;
  const from = Math.max(1, Number($("loop-from").value) || 1), to = Math.max(from, Number($("loop-to").value) || from);
  return [from - 1, to - 1];
}

function redraw() {
  const scroller = $("scroller"), width = scroller.clientWidth;
  const rows = Grid.sharedRows([lanes.a, lanes.b]);
  const total = Grid.totalBeats([lanes.a, lanes.b]);
  $("track").style.width = `${Grid.GUTTER + total * S.ppb + 24}px`;
  const room = scroller.clientHeight - 2 * (30 + 6 + 26) - 8;
  const row = Math.max(15, Math.min(30, Math.floor(room / (2 * Math.max(rows.length, 1)))));
  const common = { ppb: S.ppb, scroll: scroller.scrollLeft, width, loop: loopBars(), row };
  const head = lanes.head;
  Grid.draw($("grid-a"), lanes.a, rows, { ...common, head: head && head.side === "a" ? head.beat : null,
    empty: modeSpec().inputs.length ? "drop a .mid file to start" : "sample starts from nothing: no input" });
  Grid.draw($("grid-b"), lanes.b, rows, { ...common, head: head && head.side === "b" ? head.beat : null,
    empty: S.running ? "working…" : "the result appears here" });
}

function zoom(factor) {
  const scroller = $("scroller"), centre = (scroller.scrollLeft + scroller.clientWidth / 2 - Grid.GUTTER) / S.ppb;
  S.fit = false;
  S.ppb = Math.max(0.5, Math.min(160, S.ppb * factor));
  redraw();
  scroller.scrollLeft = centre * S.ppb + Grid.GUTTER - scroller.clientWidth / 2;
}

function loopSeconds(side) {
  const bars = loopBars(), view = side === "a" ? lanes.a : lanes.b;
  if (!bars || !view) return null;
  return [Grid.secondsAtBar(view, bars[0]), Grid.secondsAtBar(view, bars[1] + 1)];
}

function play(side) {
  Player.setLoop(loopSeconds(side));
  Player.play(side);
}

// ---- wiring -----------------------------------------------------------------------------
function wire() {
  $("run").addEventListener("click", run);
  $("new-take").addEventListener("click", () => { $("seed").value = randomSeed(); changed(); run(); });
  $("seed").addEventListener("change", changed);
  $("copy-cli").addEventListener("click", copyCommand);
  $("play-a").addEventListener("click", () => play("a"));
  $("play-b").addEventListener("click", () => play("b"));
  $("stop").addEventListener("click", () => Player.stop());
  for (const id of ["loop", "loop-from", "loop-to"]) $(id).addEventListener("change", () => {
    const side = Player.playing();
    Player.setLoop(side ? loopSeconds(side) : null);
    redraw();
  });
  $("zoom-in").addEventListener("click", () => zoom(1.5));
  $("zoom-out").addEventListener("click", () => zoom(1 / 1.5));
  $("zoom-fit").addEventListener("click", () => { S.fit = true; fitZoom(); redraw(); });
  $("start-sample").addEventListener("click", () => { setMode("sample"); run(); });
  $("scroller").addEventListener("scroll", () => requestAnimationFrame(redraw));
  $("scroller").addEventListener("wheel", (e) => { if (e.ctrlKey) { e.preventDefault(); zoom(e.deltaY < 0 ? 1.25 : 0.8); } }, { passive: false });
  for (const id of ["grid-a", "grid-b"]) $(id).addEventListener("click", (e) => rulerClick(e, id === "grid-a" ? "a" : "b"));
  window.addEventListener("resize", () => { if (S.fit) fitZoom(); redraw(); });
  $("dl-midi").addEventListener("dragstart", (e) => {  // Chromium: drop the file itself into a DAW or folder
    const a = $("dl-midi");
    e.dataTransfer.setData("DownloadURL", `audio/midi:${a.download}:${new URL(a.href, location.href).href}`);
  });
  document.body.addEventListener("dragover", (e) => { e.preventDefault(); document.body.classList.add("dragging"); });
  document.body.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  document.body.addEventListener("drop", (e) => {
    e.preventDefault(); document.body.classList.remove("dragging");
    if (e.dataTransfer.files[0]) upload(e.dataTransfer.files[0], 0);
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, select, textarea")) return;
    if (e.code === "Space") { e.preventDefault(); Player.playing() ? Player.stop() : play("b"); }
    if (e.key === "a" || e.key === "b") play(e.key);
  });
  Player.onState((side) => {
    $("play-a").classList.toggle("playing", side === "a");
    $("play-b").classList.toggle("playing", side === "b");
    if (!side) { lanes.head = null; redraw(); }
  });
  Player.onFrame((side, seconds) => {
    const view = side === "a" ? lanes.a : lanes.b;
    lanes.head = side && view ? { side, beat: Grid.beatAt(view, seconds) } : null;
    const scroller = $("scroller");
    if (lanes.head) {  // keep the playhead in view when zoomed in
      const x = Grid.GUTTER + lanes.head.beat * S.ppb - scroller.scrollLeft;
      if (x < Grid.GUTTER || x > scroller.clientWidth - 30) scroller.scrollLeft = lanes.head.beat * S.ppb - 0.1 * (scroller.clientWidth - Grid.GUTTER);
    }
    redraw();
  });
}

function rulerClick(e, side) {  // on the bar numbers: click sets the loop's first bar, shift-click its last
  const view = side === "a" ? lanes.a : lanes.b;
  const rect = e.currentTarget.getBoundingClientRect();
  if (!view || e.clientY - rect.top > 30) return;
  const beat = (e.clientX - rect.left - Grid.GUTTER + $("scroller").scrollLeft) / S.ppb;
  const bar = view.bars.findIndex(([start, beats]) => beat >= start && beat < start + beats);
  if (bar < 0) return;
  $(e.shiftKey ? "loop-to" : "loop-from").value = bar + 1;
  if (!e.shiftKey && Number($("loop-to").value) < bar + 1) $("loop-to").value = bar + 1;
  $("loop").checked = true;
  $("loop").dispatchEvent(new Event("change"));
}

async function copyCommand() {
  const text = $("cli").textContent;
  try { await navigator.clipboard.writeText(text); }
  catch (e) {  // plain http pages outside localhost have no clipboard API
    const range = document.createRange(); range.selectNodeContents($("cli"));
    getSelection().removeAllRanges(); getSelection().addRange(range); document.execCommand("copy");
  }
  $("copy-cli").textContent = "copied"; setTimeout(() => { $("copy-cli").textContent = "copy"; }, 1200);
}

const randomSeed = () => Math.floor(Math.random() * 100000);

async function start() {
  wire();
  try {
    S.setup = await api("/api/setup");
  } catch (e) { showError(e.message); return; }
  $("version").textContent = `groove ${S.setup.version}`;
  $("seed").value = randomSeed();
  buildModes();
  S.takes = S.setup.takes || [];
  setMode("humanize");
  if (S.takes.length) showTake(S.takes[S.takes.length - 1]);
  else showLanes(null, null);
}

start();
