"""The published deliberation procedures a community adopts in one step (``procedure_adopt``):

- ``siyi_liangkai``: 四议两公开 (the national "4+2" method for village affairs, 中办发 practice since
  2009): 党组织提议 → 两委会议商议 → 党员大会审议 → 村(居)民代表会议决议 → 决议公开 → 实施结果公开;
  a major matter is reported to the township (请示报告) and approved before the representatives vote.
- ``ti_yi_jue_ban_ping``: 提-议-决-办-评 (Chengdu's 微网实格 community deliberation): residents
  propose, the 议事会 deliberates and decides, the decision is publicly noticed, implemented, and
  rated by the residents.
- ``sishi_sigong``: 四事四共 (民事共议、遇事共商、难事共办、成事共享): the 议事会 discusses, the
  representatives decide, it is publicly noticed, done together, and the result shared and rated.

Quorum and majority follow 村民委员会组织法 §26 for the representatives' meeting as the issue sets
the defaults: more than two thirds of its members present, more than half of those present in
favour. (民法典 §1259 reads "以上" as including the number itself: a community that follows that
reading sets ``quorum_strict`` off on the stage; it is data, not code.) Party meetings need more
than half of the members present and more than half of all members in favour.

Plain data (no ORM); the stage names stay Chinese whatever the interface language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanzhi.deliberation.models import BodyKind, MajorityBase, MatterType, StageKind

MEETING, APPROVAL, NOTICE = StageKind.MEETING, StageKind.APPROVAL, StageKind.NOTICE
PROPOSAL, IMPLEMENTATION, EVALUATION = StageKind.PROPOSAL, StageKind.IMPLEMENTATION, StageKind.EVALUATION


@dataclass(frozen=True)
class StageSpec:
    code: str
    name: str
    kind: str
    body_kind: str = ""
    description: str = ""
    major_only: bool = False
    quorum: tuple[int, int, bool] = (1, 2, True)  # num, den, strictly more than
    majority: tuple[int, int, bool] = (1, 2, True)
    majority_base: str = MajorityBase.PRESENT
    allows_proxy: bool = False
    secret_ballot: bool = False
    min_days: int = 0
    return_to: str = ""


@dataclass(frozen=True)
class ProcedureSpec:
    key: str
    name: str
    description: str
    stages: tuple[StageSpec, ...]
    major_amount_fen: int | None = 5_000_000  # 5万元
    major_types: tuple[str, ...] = (MatterType.LAND, MatterType.ASSETS, MatterType.DIVIDEND)
    label: str | Promise = ""


TWO_THIRDS = (2, 3, True)
HALF = (1, 2, True)


def _party(code: str, name: str, body_kind: str, description: str) -> StageSpec:
    """党组织、两委、议事会商议: more than half of the members present, more than half of all members for."""
    return StageSpec(
        code,
        name,
        MEETING,
        body_kind,
        description,
        quorum=HALF,
        majority=HALF,
        majority_base=MajorityBase.MEMBERS,
    )


def _reps(code: str, name: str, body_kind: str, description: str) -> StageSpec:
    """村(居)民代表会议 / 议事会 deciding: more than 2/3 present, more than half of those present for;
    a representative may give a written proxy."""
    return StageSpec(
        code,
        name,
        MEETING,
        body_kind,
        description,
        quorum=TWO_THIRDS,
        majority=HALF,
        majority_base=MajorityBase.PRESENT,
        allows_proxy=True,
    )


_APPROVAL = StageSpec(
    "zhenjie_shenpi",
    "乡镇(街道)审批",
    APPROVAL,
    BodyKind.SUPERIOR,
    "重大事项在表决前向乡镇(街道)党委请示报告，经同意后方可提交表决。",
    major_only=True,
)

SIYI_LIANGKAI = ProcedureSpec(
    key="siyi_liangkai",
    name="四议两公开",
    label=_("四议两公开"),
    description="村(社区)重大事项决策：党组织提议、两委会议商议、党员大会审议、村(居)民代表会议决议，"
    "决议公开、实施结果公开。",
    stages=(
        _party("dang_tiyi", "党组织提议", BodyKind.PARTY_ORG, "村(社区)党组织会议研究提出议题。"),
        _party("liangwei_shangyi", "两委会议商议", BodyKind.TWO_COMMITTEES, "两委联席会议充分商议。"),
        StageSpec(
            "dangyuan_shenyi",
            "党员大会审议",
            MEETING,
            BodyKind.PARTY_MEMBERS,
            "党员大会审议，过半数党员到会，到会党员过半数同意。",
            quorum=HALF,
            majority=HALF,
        ),
        _APPROVAL,
        _reps(
            "daibiao_jueyi",
            "村(居)民代表会议决议",
            BodyKind.REPRESENTATIVES,
            "三分之二以上代表到会，到会代表过半数同意，方为通过。",
        ),
        StageSpec(
            "jueyi_gongkai",
            "决议公开",
            NOTICE,
            description="决议在公开栏和平台公示不少于7天，群众可提出异议；异议成立的，退回重新表决。",
            min_days=7,
            return_to="daibiao_jueyi",
        ),
        StageSpec("zuzhi_shishi", "组织实施", IMPLEMENTATION, description="明确责任人与时限，跟踪进度。"),
        StageSpec(
            "jieguo_gongkai",
            "实施结果公开",
            NOTICE,
            description="实施结果公示不少于5天；异议成立的，退回整改。",
            min_days=5,
            return_to="zuzhi_shishi",
        ),
    ),
)

TI_YI_JUE_BAN_PING = ProcedureSpec(
    key="ti_yi_jue_ban_ping",
    name="提议决办评",
    label=_("提-议-决-办-评"),
    description="群众提事、议事会议事、议事会决事、两委办事、群众评事（成都微网实格社区议事）。",
    stages=(
        StageSpec("ti", "提：收集议题", PROPOSAL, BodyKind.COUNCIL, "群众、网格员提出，议事会受理立题。"),
        _party("yi", "议：议事会协商", BodyKind.COUNCIL, "议事会成员充分协商，形成方案。"),
        _APPROVAL,
        _reps("jue", "决：议事会决策", BodyKind.COUNCIL, "三分之二以上成员到会，到会过半数同意。"),
        StageSpec(
            "jue_gongshi",
            "决议公示",
            NOTICE,
            description="决议公示不少于7天；异议成立的，退回重新协商。",
            min_days=7,
            return_to="yi",
        ),
        StageSpec("ban", "办：组织实施", IMPLEMENTATION, description="两委组织实施，责任到人。"),
        StageSpec(
            "ping", "评：群众评议", EVALUATION, description="群众对办理结果评价，为期15天。", min_days=15
        ),
    ),
)

SISHI_SIGONG = ProcedureSpec(
    key="sishi_sigong",
    name="四事四共",
    label=_("四事四共"),
    description="民事共议、遇事共商、难事共办、成事共享。",
    stages=(
        _party("gongyi", "民事共议", BodyKind.COUNCIL, "议事会与群众共同议事。"),
        _APPROVAL,
        _reps("gongshang", "遇事共商", BodyKind.REPRESENTATIVES, "代表会议共商决定。"),
        StageSpec(
            "gongshi", "决定公示", NOTICE, description="公示不少于5天。", min_days=5, return_to="gongshang"
        ),
        StageSpec("gongban", "难事共办", IMPLEMENTATION, description="党员、群众共同办理。"),
        StageSpec(
            "gongxiang",
            "成事共享",
            NOTICE,
            description="办理结果公开不少于5天。",
            min_days=5,
            return_to="gongban",
        ),
        StageSpec("pingjia", "群众评价", EVALUATION, description="群众评价，为期15天。", min_days=15),
    ),
)

TEMPLATES: dict[str, ProcedureSpec] = {
    spec.key: spec for spec in (SIYI_LIANGKAI, TI_YI_JUE_BAN_PING, SISHI_SIGONG)
}
