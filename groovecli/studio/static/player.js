// A/B playback from WAVs the server renders with groove's bundled kit. Both sides are loaded
// (preload) as soon as a result arrives, so a click only has to start an element that already
// holds its audio. Switching sides while playing carries the position over; a loop of bars
// is kept by a frame-rate check (timeupdate fires too rarely to loop on the bar line).
"use strict";

const Player = (() => {
  const el = { a: document.getElementById("audio-a"), b: document.getElementById("audio-b") };
  let side = null, loop = null, onFrame = () => {}, onState = () => {};

  function load(which, url) {
    const audio = el[which];
    if (audio.dataset.src === (url || "")) return;
    const wasPlaying = side === which && !audio.paused, at = audio.currentTime;
    audio.dataset.src = url || "";
    const button = document.getElementById(`play-${which}`);
    button.classList.toggle("loading", Boolean(url));  // until the rendered audio can play
    if (url) audio.addEventListener("canplay", () => button.classList.remove("loading"), { once: true });
    if (url) { audio.src = url; audio.load(); } else { audio.removeAttribute("src"); audio.load(); }
    if (wasPlaying && url) audio.addEventListener("canplay", () => { audio.currentTime = at; audio.play(); }, { once: true });
    else if (side === which) stop();
  }

  function play(which) {
    const audio = el[which];
    if (!audio.dataset.src) return false;
    const other = el[which === "a" ? "b" : "a"];
    let at = audio.currentTime;
    if (side && side !== which && !other.paused) at = other.currentTime;  // A/B switch: same place
    else if (side !== which || audio.ended) at = loop ? loop[0] : 0;
    other.pause();
    if (loop && (at < loop[0] || at >= loop[1])) at = loop[0];
    audio.currentTime = at;
    side = which;
    const started = audio.play();
    if (started && started.catch) started.catch(() => {});
    onState(side);
    requestAnimationFrame(tick);
    return true;
  }

  function stop() {
    el.a.pause(); el.b.pause();
    side = null;
    onState(null);
  }

  function tick() {
    if (!side) return;
    const audio = el[side];
    if (loop && audio.currentTime >= loop[1]) audio.currentTime = loop[0];
    if (audio.ended && !loop) { stop(); onFrame(null, null); return; }
    onFrame(side, audio.currentTime);
    requestAnimationFrame(tick);
  }

  for (const which of ["a", "b"]) el[which].addEventListener("ended", () => {
    if (loop && side === which) { el[which].currentTime = loop[0]; el[which].play(); }
  });

  return {
    load, play, stop,
    setLoop(range) { loop = range; },
    playing() { return side; },
    element(which) { return el[which]; },
    onFrame(fn) { onFrame = fn; },
    onState(fn) { onState = fn; },
  };
})();
