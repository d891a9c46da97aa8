"""Write the self-made fixture corpus: one small MIDI file per defect real songs showed (issue #24).

Each file reproduces one case a producer's song had, built from mido messages (and, where mido
cannot write the defect, from bytes patched afterwards), so a reader of the test sees what goes
in. Run from anywhere: ``python tests/data/corpus/make_corpus.py``; it rewrites the .mid files
beside it, byte for byte the same each time.
"""

from __future__ import annotations

from pathlib import Path

import mido

HERE = Path(__file__).resolve().parent
TPB = 480
STEP = TPB // 4  # a 16th


def _track(events: list[tuple[int, mido.Message | mido.MetaMessage]], name: str | None = None) -> mido.MidiTrack:
    """A track from (absolute tick, message); same-tick events keep the order given."""
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)] if name else [])
    last = 0
    for tick, msg in sorted(events, key=lambda e: e[0]):
        track.append(msg.copy(time=tick - last))
        last = tick
    return track


def _notes(hits: list[tuple[int, int, int, int]], channel: int) -> list[tuple[int, mido.Message]]:
    """(tick, pitch, velocity, length) → note_on / note_off events."""
    events = []
    for tick, pitch, velocity, length in hits:
        events.append((tick, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
        events.append((tick + length, mido.Message("note_off", channel=channel, note=pitch)))
    return sorted(events, key=lambda e: (e[0], e[1].type == "note_on"))  # offs first at a tick


def _beat(bars: int, first_bar: int = 0, length: int = 60) -> list[tuple[int, int, int, int]]:
    """A stiff rock beat: hats on 8ths, kick on 1 and 3, snare on 2 and 4."""
    hits = []
    for bar in range(first_bar, first_bar + bars):
        base = bar * 16 * STEP
        hits += [(base + k * STEP, 42, 90, length) for k in range(0, 16, 2)]
        hits += [(base + k * STEP, 36, 110, length) for k in (0, 8)]
        hits += [(base + k * STEP, 38, 105, length) for k in (4, 12)]
    return hits


def _conductor(bpm: float = 120.0, extra: list | None = None) -> mido.MidiTrack:
    events = [(0, mido.MetaMessage("set_tempo", tempo=round(mido.bpm2tempo(bpm)))),
              (0, mido.MetaMessage("time_signature", numerator=4, denominator=4))]
    return _track(events + (extra or []), "tempo")


def _bass(bars: int, channel: int = 1, first_bar: int = 0) -> mido.MidiTrack:
    events = [(0, mido.Message("program_change", channel=channel, program=33))]
    events += _notes([((first_bar + b) * 16 * STEP + k * 4 * STEP, 40 + (k % 2) * 7, 90, 3 * STEP)
                      for b in range(bars) for k in range(4)], channel)
    return _track(events, "Bass")


def _file(*tracks: mido.MidiTrack, type: int = 1) -> mido.MidiFile:
    mf = mido.MidiFile(type=type, ticks_per_beat=TPB)
    mf.tracks.extend(tracks)
    return mf


def stacked_claps() -> mido.MidiFile:
    """Three claps on one tick (velocities 53/125/125, 47 ticks long) on every backbeat."""
    hits = _beat(4)
    for bar in range(4):
        hits += [(bar * 16 * STEP + k * STEP, 39, v, 47) for k in (4, 12) for v in (53, 125, 125)]
    return _file(_conductor(), _track(_notes(hits, 9), "Drums"), _bass(4))


def same_tick_tempos() -> mido.MidiFile:
    """Tempo events 130, 130, 260, 260 bpm at tick 0: the last one (260) is the song's tempo."""
    extra = [(0, mido.MetaMessage("set_tempo", tempo=round(mido.bpm2tempo(bpm)))) for bpm in (130, 130, 260, 260)]
    tempo = _track([(0, mido.MetaMessage("time_signature", numerator=4, denominator=4))] + extra, "tempo")
    return _file(tempo, _track(_notes(_beat(4), 9), "Drums"))


def intro_without_drums() -> mido.MidiFile:
    """Twelve bars of piano, then the drums come in at bar 13."""
    piano = _notes([(b * 16 * STEP + k * 4 * STEP, 60 + k, 70, 3 * STEP) for b in range(16) for k in range(4)], 0)
    return _file(_conductor(100), _track(_notes(_beat(4, first_bar=12), 9), "Drums"), _track(piano, "Piano"))


def drums_and_melody_together() -> mido.MidiFile:
    """Kick and piano chords on the same ticks, with a melody held across bars."""
    piano = _notes([(b * 16 * STEP, p, 80, 16 * STEP) for b in range(4) for p in (60, 64, 67)], 0)
    return _file(_conductor(), _track(_notes(_beat(4), 9), "Drums"), _track(piano, "Piano"), _bass(4))


def plain_kit_channel_1() -> mido.MidiFile:
    """A kit (kick, snare, ride) on channel 1, short hits, 10 of its 39 note-ons never ended."""
    hits = []
    for bar in range(4):
        base = bar * 16 * STEP
        hits += [(base + k * STEP, 51, 80, 30) for k in range(0, 16, 2)]
        hits += [(base + k * STEP, 36, 110, 30) for k in (0, 10)]
        hits += [(base + k * STEP, 38, 100, 30) for k in (4, 12)]
    hits = sorted(hits)[:39]
    events = []
    for i, (tick, pitch, velocity, length) in enumerate(hits):
        events.append((tick, mido.Message("note_on", channel=0, note=pitch, velocity=velocity)))
        if i % 4 != 3 and i != 38:  # every fourth note-on, and the last, never ended: 10 of 39
            events.append((tick + length, mido.Message("note_off", channel=0, note=pitch)))
    return _file(_conductor(), _track(sorted(events, key=lambda e: (e[0], e[1].type == "note_on")), "Track 1"))


def metronome_channel_10() -> mido.MidiFile:
    """A click on channel 10 (GM2 metronome click and bell), no drum the GM map knows."""
    clicks = [(b * 16 * STEP + k * 4 * STEP, 34 if k == 0 else 33, 100, 40) for b in range(4) for k in range(4)]
    return _file(_conductor(), _track(_notes(clicks, 9), "Click"))


def dense_loud() -> mido.MidiFile:
    """Every drum at full velocity on every 16th, twice: a mix that would clip."""
    pitches = (36, 38, 40, 42, 46, 49, 51, 57, 45, 48, 50, 41, 43)
    hits = [(b * 16 * STEP + k * STEP, p, 127, 60) for b in range(2) for k in range(16) for p in pitches]
    drums = _notes(hits, 9) + _notes([(t, p, 127, 60) for t, p, _, _ in hits if p in (36, 38)], 9)
    return _file(_conductor(), _track(sorted(drums, key=lambda e: (e[0], e[1].type == "note_on")), "Drums"))


def meter_and_tempo_changes() -> mido.MidiFile:
    """4/4, 3/4, 7/8 and back to 4/4, with tempo changes on and between bar lines."""
    extra = [(0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
             (2 * 4 * TPB, mido.MetaMessage("time_signature", numerator=3, denominator=4)),
             (2 * 4 * TPB + 3 * TPB, mido.MetaMessage("time_signature", numerator=7, denominator=8)),
             (2 * 4 * TPB + 3 * TPB + 7 * TPB // 2, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
             (0, mido.MetaMessage("set_tempo", tempo=500_000)),
             (4 * TPB + 240, mido.MetaMessage("set_tempo", tempo=450_000)),
             (2 * 4 * TPB + 3 * TPB, mido.MetaMessage("set_tempo", tempo=600_000))]
    tempo = _track(extra, "tempo")
    end = 2 * 4 * TPB + 3 * TPB + 7 * TPB // 2 + 2 * 4 * TPB
    hits = [(t, 42 if (t // STEP) % 4 else 36, 90, 50) for t in range(0, end, 2 * STEP)]
    return _file(tempo, _track(_notes(hits, 9), "Drums"))


def drums_only_outside_four_four() -> mido.MidiFile:
    """Two empty 4/4 bars, then the drums in 3/4: nothing groove can groove."""
    extra = [(2 * 4 * TPB, mido.MetaMessage("time_signature", numerator=3, denominator=4))]
    hits = [(2 * 4 * TPB + b * 3 * TPB + k * TPB, 36 if k == 0 else 38, 100, 60) for b in range(4) for k in range(3)]
    return _file(_conductor(extra=extra), _track(_notes(hits, 9), "Drums"))


def overlapping_notes() -> mido.MidiFile:
    """Same-pitch notes that overlap (a second crash before the first ends) and ones left ringing."""
    hits = _beat(4) + [(b * 16 * STEP + k * STEP, 49, 100, 6 * STEP) for b in range(4) for k in (0, 2, 3)]
    drums = _notes(hits, 9)
    drums += [(b * 16 * STEP + 14 * STEP, mido.Message("note_on", channel=9, note=46, velocity=70)) for b in range(4)]
    return _file(_conductor(), _track(sorted(drums, key=lambda e: (e[0], e[1].type == "note_on")), "Drums"))


def zero_length_input() -> mido.MidiFile:
    """Hits whose note-off shares their note-on's tick, as some drum machines export them."""
    hits = _beat(2, length=0)
    events = []
    for tick, pitch, velocity, _ in hits:
        events.append((tick, mido.Message("note_on", channel=9, note=pitch, velocity=velocity)))
        events.append((tick, mido.Message("note_off", channel=9, note=pitch)))
    return _file(_conductor(), _track(events, "Drums"))


def type_0() -> mido.MidiFile:
    """One track holding tempo, drums and bass, as a type-0 export."""
    events = [(0, mido.MetaMessage("set_tempo", tempo=500_000)),
              (0, mido.MetaMessage("time_signature", numerator=4, denominator=4))]
    events += _notes(_beat(4), 9)
    events += [(0, mido.Message("program_change", channel=1, program=33))]
    events += _notes([(b * 16 * STEP, 40, 90, 8 * STEP) for b in range(4)], 1)
    return _file(_track(sorted(events, key=lambda e: (e[0], e[1].type == "note_on"))), type=0)


def _bytes(mf: mido.MidiFile) -> bytes:
    import io

    buf = io.BytesIO()
    mf.save(file=buf)
    return buf.getvalue()


def _chunks(data: bytes) -> list[bytes]:
    """The header chunk, then each track chunk, as raw bytes."""
    out, pos = [], 0
    while pos < len(data):
        size = int.from_bytes(data[pos + 4 : pos + 8], "big")
        out.append(data[pos : pos + 8 + size])
        pos += 8 + size
    return out


def _chunk(kind: bytes, body: bytes) -> bytes:
    return kind + len(body).to_bytes(4, "big") + body


def key_signature_length_3() -> bytes:
    """A key signature whose length byte is 3 (``FF 59 03 0E 4E 1C``): 14 sharps, mode 78."""
    head, tempo, drums = _chunks(_bytes(_file(_conductor(), _track(_notes(_beat(4), 9), "Drums"))))
    body = tempo[8:]
    body = b"\x00\xff\x59\x03\x0e\x4e\x1c" + body  # at tick 0, before the track name
    return head + _chunk(b"MTrk", body) + drums


def unknown_chunk() -> bytes:
    """An extra chunk of a kind no reader knows, between the tracks (readers must skip it)."""
    head, tempo, drums = _chunks(_bytes(_file(_conductor(), _track(_notes(_beat(4), 9), "Drums"))))
    return head + tempo + _chunk(b"XFIH", b"vendor data\x00\x01\x02") + drums


def silly_format() -> bytes:
    """A header whose format number is 19796 ('MT' from a tool that wrote its header wrongly)."""
    data = _bytes(_file(_conductor(), _track(_notes(_beat(4), 9), "Drums")))
    return data[:8] + (19796).to_bytes(2, "big") + data[10:]


FILES = {
    "stacked-claps.mid": stacked_claps,
    "same-tick-tempos.mid": same_tick_tempos,
    "key-signature-length-3.mid": key_signature_length_3,
    "unknown-chunk.mid": unknown_chunk,
    "intro-without-drums.mid": intro_without_drums,
    "drums-and-melody-together.mid": drums_and_melody_together,
    "plain-kit-channel-1.mid": plain_kit_channel_1,
    "metronome-channel-10.mid": metronome_channel_10,
    "silly-format.mid": silly_format,
    "dense-loud.mid": dense_loud,
    "meter-and-tempo-changes.mid": meter_and_tempo_changes,
    "drums-only-outside-4-4.mid": drums_only_outside_four_four,
    "overlapping-notes.mid": overlapping_notes,
    "zero-length-input.mid": zero_length_input,
    "type-0.mid": type_0,
}


def main() -> None:
    for name, make in FILES.items():
        made = make()
        (HERE / name).write_bytes(made if isinstance(made, bytes) else _bytes(made))
    print(f"wrote {len(FILES)} files to {HERE}")


if __name__ == "__main__":
    main()
