"""Loops stay loops (issue #23 item 2; docs/producer.md section 2).

    python experiments/eval_loops.py --data ../shared/data/gmd [--split test] [--bars 4 8] [--seed 0]

Every GMD beat of the split (4/4) gives its stiff sketch (``groove evaluate``'s template, one
velocity) cut to its first 4 and 8 bars, written as a file that ends on its last bar line, each
note an 8th long (cut at the end). Each is
humanized with the defaults and with ``--loop``. Counted: outputs longer than their input (their
end-of-track or a note-off past the last bar line, so a DAW shows one bar more), and, for
``--loop``, hits of one drum class within 30 ms of each other across the seam when the output is
played twice (a doubled hit; the loop's own flams inside it are not at the seam).

Prints one JSON object per loop length.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import numpy as np

from groovecli.constants import STEPS_PER_BAR
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.grid.drumgrid import new_song
from groovecli.lab.data import load_dataset
from groovecli.lab.evaluation import STIFF_VELOCITY, _songs
from groovecli.runtime.load import load_networks

SEAM_MS = 30.0


def seam_pairs(perf, length: int) -> int:
    """Same-class hits closer than ``SEAM_MS`` across the seam of the loop played twice."""
    ms_per_tick = (perf.seconds_at(length) - perf.seconds_at(0)) * 1000 / length
    near = SEAM_MS / ms_per_tick
    pairs = 0
    for drum in range(9):
        starts = np.array(sorted(n.start for n in perf.notes if n.drum == drum))
        if len(starts) == 0:
            continue
        tail = starts[starts > length - near]
        head = starts[starts < near] + length
        pairs += int(sum((np.abs(head - t) < near).sum() for t in tail))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    parser.add_argument("--split", default="test", choices=["validation", "test"])
    parser.add_argument("--bars", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-loop", action="store_true", help="only the defaults (groove before --loop existed)")
    args = parser.parse_args()
    songs = _songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split(args.split), 0)
    loaded = load_networks()
    for bars in args.bars:
        counts = {"bars": bars, "loops": 0, "longer": 0, "longer_with_loop": 0, "seam_doubles_with_loop": 0}
        for song in songs:
            rows = bars * STEPS_PER_BAR
            t = song.template[:rows]
            if len(t) < rows or not t.any():
                continue
            perf, _ = new_song(t, STIFF_VELOCITY * t, np.zeros_like(t), bpm=song.bpm)
            length = perf.end_tick
            # an 8th-note long note, as a DAW's drum clip draws them, ending at the loop's end at the latest
            eighth = perf.ticks_per_beat // 2
            perf = replace(perf, notes=tuple(replace(n, end=min(n.start + eighth, length)) for n in perf.notes))
            counts["loops"] += 1
            plain = humanize(perf, loaded, HumanizeOptions(seed=args.seed)).performance
            counts["longer"] += plain.end_tick > length
            if not args.no_loop:
                looped = humanize(perf, loaded, HumanizeOptions(seed=args.seed, loop=True)).performance
                counts["longer_with_loop"] += looped.end_tick > length
                counts["seam_doubles_with_loop"] += seam_pairs(looped, length)
        print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    main()
