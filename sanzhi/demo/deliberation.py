"""Half a year of deliberation (议事协商) in the demo town, made by the real services with ``now=`` in
the past, and the 三务公开 year of ``sanzhi.demo.disclosure`` on the same timeline.

创举社区 (the demo logins' community) runs 提-议-决-办-评 and 四事四共 with its 议事会 (demo-council
chairs it) and its 居民代表会议 (demo-secretary chairs it, demo-resident is a representative);
鹿鸣村 runs 四议两公开 with its 党支部委员会, 两委, 党员大会 and 村民代表会议, and asks 白衣镇 before its
major matter goes to the vote. Matters stand at every kind of stage today — just proposed, a meeting
called, a meeting sitting today, a decision waiting for its notice, a request waiting at the street
(demo-street approves it), a notice open with an objection pending, tasks half done, an evaluation
open — and others have ended: done (one through the township's approval, one sent back by an
upheld objection and passed in round 2), rejected by a vote, withdrawn. 村民说事: answered, made a
matter, new.

Every story is a generator that yields the time of its next act; ``run_timeline`` runs the acts of
all stories in time order, so the public chain (notices here, disclosures there) is appended in the
order things were published. The services stamp ``created_at`` with the wall clock (auto_now_add);
``Stamps`` dates those rows back to the story's time at the end.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from sanzhi.accounts.models import User
from sanzhi.deliberation.models import (
    BodyKind,
)
from sanzhi.demo.deliberation_stories import urban_stories
from sanzhi.demo.deliberation_village import village_stories
from sanzhi.demo.deliberation_world import (
    TOWNSHIP_CODE,
    URBAN_CODE,
    URBAN_RESIDENT_USERS,
    VILLAGE_CODE,
    VILLAGE_RESIDENT_USERS,
    DeliberationSummary,
    Place,
    Stamps,
    World,
    demo_user,
    registry_residents,
    run_timeline,
)
from sanzhi.demo.guard import DEMO_USER_PREFIX
from sanzhi.people.models import Resident

# ---------------------------------------------------------------- building it


def _setup(w: World) -> tuple[Place, Place, User]:
    adopted = w.ago(185, 10)
    resident = demo_user("demo-resident")
    urban = w.place(
        URBAN_CODE, secretary="demo-secretary", approver="demo-street", residents=URBAN_RESIDENT_USERS
    )
    village = w.place(
        VILLAGE_CODE,
        secretary=f"{DEMO_USER_PREFIX}sec-{VILLAGE_CODE}",
        approver=f"{DEMO_USER_PREFIX}street-{TOWNSHIP_CODE}-1",
        residents=VILLAGE_RESIDENT_USERS,
    )
    w.adopt(urban, ("ti_yi_jue_ban_ping", "sishi_sigong"), adopted)
    w.adopt(village, ("siyi_liangkai",), adopted)

    # 创举社区: every member of its two bodies has a login, so they can vote by ballot.
    staff = {
        name: demo_user(name) for name in ("demo-council", "demo-secretary", "demo-gridworker", "demo-rep")
    }
    r = urban.residents
    w.body(
        urban,
        BodyKind.COUNCIL,
        "创举社区议事会",
        [
            (staff["demo-council"], "议事会会长", True),
            (staff["demo-secretary"], "社区党委书记", False),
            (staff["demo-gridworker"], "专职网格员", False),
            (staff["demo-rep"], "联户长", False),
            *[(u, "居民议事员", False) for u in r[:4]],
        ],
        adopted,
    )
    w.body(
        urban,
        BodyKind.REPRESENTATIVES,
        "创举社区居民代表会议",
        [
            (staff["demo-secretary"], "社区党委书记", True),
            (staff["demo-rep"], "居民代表", False),
            (resident, "居民代表", False),
            *[(u, "居民代表", False) for u in r],
        ],
        adopted,
    )

    # 鹿鸣村: its secretary chairs; members from the registry (party members for the party's bodies).
    council = [demo_user(f"{DEMO_USER_PREFIX}council-{VILLAGE_CODE}-{i}") for i in (1, 2)]
    taken = set(Resident.objects.filter(user__isnull=False).values_list("pk", flat=True))
    party = registry_residents(village.node, w.rng, 11, party=True, exclude=taken)
    others = registry_residents(village.node, w.rng, 10, party=False, exclude=taken | {p.pk for p in party})
    sec = village.secretary
    w.body(
        village,
        BodyKind.PARTY_ORG,
        "中共鹿鸣村支部委员会",
        [(sec, "党支部书记", True), *[(p, "支部委员", False) for p in party[:4]]],
        adopted,
    )
    w.body(
        village,
        BodyKind.TWO_COMMITTEES,
        "鹿鸣村两委联席会议",
        [(sec, "党支部书记、村委会主任", True), *[(u, "村委委员", False) for u in council]]
        + [(p, "两委委员", False) for p in party[:4]],
        adopted,
    )
    w.body(
        village,
        BodyKind.PARTY_MEMBERS,
        "鹿鸣村党员大会",
        [(sec, "党支部书记", True), *[(p, "党员", False) for p in party]],
        adopted,
    )
    w.body(
        village,
        BodyKind.REPRESENTATIVES,
        "鹿鸣村村民代表会议",
        [(sec, "村委会主任", True), *[(p, "村民代表", False) for p in others]],
        adopted,
    )
    return urban, village, resident


def build_deliberation(*, rng: random.Random, now: dt.datetime | None = None) -> DeliberationSummary:
    """Deliberation at 创举社区 and 鹿鸣村 and the 三务公开 year of both, on one timeline."""
    from sanzhi.demo.disclosure import disclosure_stories, disclosure_summary
    from sanzhi.disclosure.chain import verify_stored

    started = timezone.now()
    summary = DeliberationSummary()
    stamps = Stamps()
    w = World(rng, now or timezone.now(), stamps, summary)
    urban, village, resident = _setup(w)
    stories = urban_stories(w, urban, resident) + village_stories(w, village)
    stories += disclosure_stories(
        rng=rng,
        now=w.now,
        stamps=stamps,
        places=[(urban.node, urban.secretary), (village.node, village.secretary)],
    )
    run_timeline(stories)
    stamps.apply()
    disclosure_summary(summary, now=w.now, user=urban.secretary)
    summary.chain, _problem = verify_stored()
    summary.seconds = (timezone.now() - started).total_seconds()
    return summary
