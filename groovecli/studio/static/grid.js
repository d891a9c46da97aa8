// The piano roll: one canvas per lane (A, B), drawn for the visible slice only, so a
// 120-bar song scrolls as smoothly as 8 bars. x is in quarter-note beats (tick / ticks per
// beat), so bars of other meters keep their true length; rows are the drums of the file's map.
"use strict";

const Grid = (() => {
  const GUTTER = 150, RULER = 30;
  const colors = { bar: "#3a404c", beat: "#262a32", step: "#1c1f25", rowAlt: "#16191e", text: "#8b91a0",
                   on: "#3fc1a5", late: "#f0a23b", early: "#5a9cf5", loop: "rgba(63,193,165,.10)", head: "#ffffff" };

  // Rows shared by both lanes (the union of their drums), ordered kick to ride, so A and B line up.
  function sharedRows(views) {
    const byPitch = new Map();
    for (const v of views) if (v) for (const [pitch, cls, label] of v.rows) if (!byPitch.has(pitch)) byPitch.set(pitch, { pitch, cls, label });
    return [...byPitch.values()].sort((a, b) => (a.cls - b.cls) || (a.pitch - b.pitch));
  }

  function totalBeats(views) {
    let end = 4;
    for (const v of views) if (v && v.bars.length) { const b = v.bars[v.bars.length - 1]; end = Math.max(end, b[0] + b[1]); }
    return end;
  }

  // Seconds in the rendered audio ↔ beats, bar by bar (each bar at its own tempo).
  function beatAt(view, seconds) {
    const bars = view.bars;
    let i = 0;
    while (i + 1 < bars.length && bars[i + 1][5] <= seconds) i++;
    const [start, beats, , , bpm, sec] = bars[i];
    return Math.min(start + (seconds - sec) * bpm / 60, i + 1 < bars.length ? bars[i + 1][0] : start + beats * 4);
  }

  function secondsAtBar(view, index) {  // index: 0-based bar; past the end: the end of the last bar
    const bars = view.bars;
    if (index < bars.length) return bars[Math.max(index, 0)][5];
    const [, beats, , , bpm, sec] = bars[bars.length - 1];
    return sec + beats * 60 / bpm;
  }

  // On the grid: teal; the further early (blue) or late (orange), the more of that colour.
  const rgb = { on: [63, 193, 165], late: [240, 162, 59], early: [90, 156, 245] };
  function toneOf(off) {
    const t = Math.min(1, Math.max(0, (Math.abs(off) - 0.03) / 0.25)), far = off > 0 ? rgb.late : rgb.early;
    return `rgb(${rgb.on.map((c, i) => Math.round(c + (far[i] - c) * t)).join(",")})`;
  }

  function heightFor(rows, row) { return RULER + Math.max(rows.length, 1) * row + 6; }

  function draw(canvas, view, rows, o) {
    const ROW = o.row, dpr = window.devicePixelRatio || 1, height = heightFor(rows, ROW);
    if (canvas.width !== Math.round(o.width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(o.width * dpr); canvas.height = Math.round(height * dpr);
      canvas.style.width = o.width + "px"; canvas.style.height = height + "px";
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, o.width, height);
    g.font = "11px system-ui, sans-serif";
    const x = (beat) => GUTTER + beat * o.ppb - o.scroll;
    const top = RULER;
    rows.forEach((r, i) => { if (i % 2) { g.fillStyle = colors.rowAlt; g.fillRect(GUTTER, top + i * ROW, o.width, ROW); } });
    if (!view) {
      g.fillStyle = colors.text;
      g.fillText(o.empty || "", GUTTER + 12, top + 16);
      drawGutter(g, rows, height, null, ROW);
      return;
    }
    if (o.loop) {
      const [a, b] = o.loop, bars = view.bars;
      if (bars[a]) {
        const end = bars[Math.min(b, bars.length - 1)];
        g.fillStyle = colors.loop;
        g.fillRect(x(bars[a][0]), 0, x(end[0] + end[1]) - x(bars[a][0]), height);
      }
    }
    drawBars(g, view, o, x, height);
    const index = new Map(rows.map((r, i) => [r.pitch, i]));
    const own = view.rows.map(([pitch]) => index.get(pitch));
    const step = o.ppb / 4;
    for (const [row, beat, vel, off] of view.notes) {
      const px = x(beat);
      if (px < GUTTER - 4 || px > o.width + 4) continue;
      const r = own[row], base = top + r * ROW + ROW - 2, h = Math.max(2, (vel / 127) * (ROW - 4));
      const tone = toneOf(off);
      if (Math.abs(off) >= 0.06 && step >= 6) {  // a tail from the grid line to where the hit really is
        g.strokeStyle = tone; g.globalAlpha = 0.55; g.beginPath();
        g.moveTo(px - off * step, base + 0.5); g.lineTo(px, base + 0.5); g.stroke(); g.globalAlpha = 1;
      }
      g.fillStyle = tone;
      g.fillRect(px - 1, base - h, Math.max(2, Math.min(4, step * 0.35)), h);
    }
    if (o.head != null) {
      const hx = x(o.head);
      if (hx >= GUTTER) { g.fillStyle = colors.head; g.fillRect(hx, 0, 1.5, height); }
    }
    drawGutter(g, rows, height, view, ROW);
  }

  function drawBars(g, view, o, x, height) {
    const bars = view.bars;
    const perBar = bars.length ? bars[0][1] * o.ppb : 1;
    let every = 1;
    while (every * perBar < 30 && every < 64) every *= 2;
    let meter = "", tempo = 0;
    bars.forEach(([start, beats, num, den, bpm], i) => {
      const bx = x(start), ex = x(start + beats);
      const meterText = `${num}/${den}`, changedMeter = meterText !== meter, changedTempo = Math.abs(bpm - tempo) > 0.05;
      meter = meterText; tempo = bpm;
      if (ex < GUTTER || bx > o.width) return;
      if (o.ppb >= 3) for (let q = 0; q < beats * 4; q++) {  // 16ths, then beats
        const sx = x(start + q / 4);
        if (q % 4 === 0) g.fillStyle = colors.beat; else if (o.ppb >= 28) g.fillStyle = colors.step; else continue;
        g.fillRect(sx, RULER, 1, height - RULER);
      }
      if (perBar >= 6 || i % every === 0) { g.fillStyle = colors.bar; g.fillRect(bx, 14, 1, height - 14); }
      g.fillStyle = colors.text;
      if (i % every === 0) g.fillText(String(i + 1), bx + 3, 12);
      const marks = [changedMeter ? meterText : "", changedTempo ? `♩${Math.round(bpm * 10) / 10}` : ""].filter(Boolean).join("  ");
      if (marks) { g.fillStyle = "#b9bfcc"; g.fillText(marks, bx + 3, 26); }
    });
  }

  function drawGutter(g, rows, height, view, ROW) {
    g.fillStyle = "#121418";
    g.fillRect(0, 0, GUTTER, height);
    g.fillStyle = "#2c3039"; g.fillRect(GUTTER - 1, 0, 1, height);
    g.fillStyle = colors.text;
    if (view) g.fillText(`${view.map} map · ${view.part}`, 6, 12);
    rows.forEach((r, i) => {
      const label = r.label.length > 22 ? r.label.slice(0, 21) + "…" : r.label;
      g.fillStyle = "#c3c8d3"; g.fillText(label, 6, RULER + i * ROW + ROW / 2 + 4);
    });
  }

  return { GUTTER, sharedRows, totalBeats, beatAt, secondsAtBar, heightFor, draw };
})();
