"""疑似重复: at intake, the open tickets of the same community that look like the same problem.

Candidates are the community's open tickets of the last ``DAYS`` days (one range of the
``ticket_community_idx`` index, at most ``MAX_CANDIDATES`` of them, newest first). Each is scored by the
Dice coefficient of the character bigrams of the texts (Chinese needs no word segmentation for this:
"楼下垃圾没人清运" and "垃圾好几天没清运了" share 垃圾, 清运 …) and boosted when both have a point and
they are less than ``NEAR_METRES`` apart. A 5-character query against 500 candidates takes a few ms.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sanzhi.core.fields import subtree_q
from sanzhi.grids.models import Node, NodeKind
from sanzhi.tickets.models import Ticket
from sanzhi.tickets.selectors import visible_q
from sanzhi.tickets.states import OPEN_STATES

DAYS = 14
MAX_CANDIDATES = 500
NEAR_METRES = 200.0
NEAR_BOOST = 0.25  # added at distance 0, falling linearly to 0 at NEAR_METRES
MIN_SCORE = 0.2
_EARTH_RADIUS_M = 6_371_000.0
# Punctuation and spaces split the text; bigrams never straddle them.
_SPLIT = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class DuplicateCandidate:
    ticket: Ticket
    score: float  # similarity + nearness boost, 0 … 1.25
    similarity: float  # Dice coefficient of character bigrams, 0 … 1
    distance_m: float | None  # None when either side has no point


def bigrams(text: str) -> Counter[str]:
    """Character bigrams of each run of word characters (a one-character run counts as itself)."""
    grams: Counter[str] = Counter()
    for run in _SPLIT.split(text.lower()):
        if len(run) == 1:
            grams[run] += 1
        for i in range(len(run) - 1):
            grams[run[i : i + 2]] += 1
    return grams


def dice(a: Counter[str], b: Counter[str]) -> float:
    total = sum(a.values()) + sum(b.values())
    if not total:
        return 0.0
    shared = sum((a & b).values())
    return 2.0 * shared / total


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return None


def _community_of(node: Node) -> Node | None:
    if node.kind == NodeKind.VILLAGE:
        return node
    prefixes = [node.path[:i] for i in range(node.steplen, len(node.path), node.steplen)]
    return Node.objects.filter(path__in=prefixes, kind=NodeKind.VILLAGE).first()


def likely_duplicates(
    *,
    node: Node,
    text: str,
    latitude: Any = None,
    longitude: Any = None,
    now: dt.datetime,
    limit: int = 5,
    user: Any = None,
    exclude_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Open tickets of ``node``'s community from the last ``DAYS`` days that look like ``text``,
    best first, at most ``limit``.

    ``user``: only tickets that user may see (pass it whenever the result is shown to a person; a
    resident sees just their own). ``exclude_id``: the ticket being looked at itself."""
    query = bigrams(text)
    if not query:
        return []
    community = _community_of(node)
    candidates = Ticket.objects.filter(
        state__in=sorted(OPEN_STATES), created_at__gte=now - dt.timedelta(days=DAYS), created_at__lte=now
    )
    if community is not None:
        candidates = candidates.filter(community=community)
    else:  # a ticket that landed on a street: the street's own tickets
        candidates = candidates.filter(subtree_q("node_path", node.path))
    if user is not None:
        candidates = candidates.filter(visible_q(user))
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    rows = candidates.select_related("category").order_by("-created_at")[:MAX_CANDIDATES]
    lat, lon = _float(latitude), _float(longitude)
    found: list[DuplicateCandidate] = []
    for ticket in rows:
        similarity = dice(query, bigrams(f"{ticket.title} {ticket.text}"))
        distance = None
        if (
            lat is not None
            and lon is not None
            and ticket.latitude is not None
            and ticket.longitude is not None
        ):
            distance = haversine_m(lat, lon, float(ticket.latitude), float(ticket.longitude))
        boost = (
            NEAR_BOOST * (1 - distance / NEAR_METRES)
            if distance is not None and distance < NEAR_METRES
            else 0
        )
        # Nearness alone never makes a duplicate (two different problems in one courtyard).
        if similarity < MIN_SCORE / 2:
            continue
        score = similarity + boost
        if score >= MIN_SCORE:
            found.append(DuplicateCandidate(ticket, round(score, 4), round(similarity, 4), distance))
    found.sort(key=lambda c: (-c.score, -c.ticket.pk))
    return found[:limit]


__all__ = ["DuplicateCandidate", "bigrams", "dice", "haversine_m", "likely_duplicates"]
