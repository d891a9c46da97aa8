"""Build ``models/genre-kits.json``: how GMD's drummers spread their hits over the kit, per genre.

    GROOVE_CACHE=/tmp/gcache python scripts/make_genre_kits.py ../shared/data/gmd

For every genre, the drum-class shares (9 numbers summing to 1) of up to ``PER_GENRE`` 2-bar
training windows with at least 8 hits, drawn at random (seed 0). ``groove sample`` draws one
of them as the kit a take should play, and keeps the prior's take whose shares come nearest
(``api.sample``): takes keep their variety (some ride, some hi-hat, as the genre's drummers
do) while the genre's kit as a whole comes out in the right proportions.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.data import GENRES, load_dataset  # noqa: E402

PER_GENRE = 96
OUT = Path(__file__).resolve().parents[1] / "models" / "genre-kits.json"


def main(data: str) -> None:
    train = load_dataset(data).of_split("train")
    rng = np.random.default_rng(0)
    kits = {}
    for g, name in enumerate(GENRES):
        hits = train.hits[train.genre == g]
        hits = hits[hits.sum((1, 2)) >= 8]
        if not len(hits):
            continue
        pick = rng.choice(len(hits), size=min(PER_GENRE, len(hits)), replace=False)
        shares = hits[pick].sum(1) / hits[pick].sum((1, 2))[:, None]
        kits[name] = np.round(shares, 3).tolist()
    OUT.write_text(json.dumps({"source": "GMD v1.0.0 train split, 2-bar windows with 8+ hits; "
                               "scripts/make_genre_kits.py", "classes": 9, "kits": kits}) + "\n")
    print(f"{OUT}: {sum(len(v) for v in kits.values())} kits over {len(kits)} genres, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
