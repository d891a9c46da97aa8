"""What every mode returns: one take of a groove."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..grid.drumgrid import DrumGrid
from ..midi.performance import Performance


@dataclass(frozen=True)
class Take:
    """One generated take.

    ``performance`` is the file to write (every non-drum event of the input kept); ``before`` the
    input's drum grid (the primer for ``continue``, the rhythm for ``drumify``, A for
    ``interpolate``; for ``sample``, the groove itself); ``after`` the grid that was played;
    ``seed`` the seed that gives this take again; ``report`` what the command prints. ``parts``
    holds a sequence's pieces where a mode writes one (``interpolate``'s steps).
    """

    performance: Performance
    before: DrumGrid
    after: DrumGrid
    seed: int
    report: dict[str, Any] = field(default_factory=dict)
    parts: tuple[Performance, ...] = ()
