"""Build ``models/genre-kits.json``: how GMD's drummers spread their hits over the kit, per genre.

    GROOVE_CACHE=/tmp/gcache python scripts/make_genre_kits.py ../shared/data/gmd

For every genre, each drum class's share of all its training hits (9 numbers summing to 1):
what ``groove sample`` aims its takes at (``api._take_matching``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.constants import DRUMS  # noqa: E402
from groovecli.lab.data import GENRES, load_dataset  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "models" / "genre-kits.json"


def main(data: str) -> None:
    train = load_dataset(data).of_split("train")
    shares = {}
    for g, name in enumerate(GENRES):
        hits = train.hits[train.genre == g]
        if len(hits):
            shares[name] = np.round((hits.sum((0, 1)) / hits.sum()).astype(float), 4).tolist()
    OUT.write_text(json.dumps({"source": "GMD v1.0.0 train split, every 2-bar window; scripts/make_genre_kits.py",
                               "classes": list(DRUMS), "shares": shares}, indent=1) + "\n")
    print(f"{OUT}: class shares of {len(shares)} genres, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
