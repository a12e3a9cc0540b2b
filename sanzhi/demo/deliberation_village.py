"""The demo's 鹿鸣村 stories (四议两公开, a major matter through 白衣镇's approval), each a generator of
acts on the timeline (sanzhi.demo.deliberation_world)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sanzhi.deliberation.approvals import approval_decide, approval_request
from sanzhi.deliberation.implementation import implementation_finish
from sanzhi.deliberation.models import (
    BodyKind,
    Matter,
    MatterType,
)
from sanzhi.deliberation.notices import objection_decide, objection_submit
from sanzhi.deliberation.proposals import saying_submit
from sanzhi.demo.deliberation_world import (
    Place,
    Story,
    World,
)

# ---------------------------------------------------------------- 鹿鸣村


def village_stories(w: World, place: Place) -> list[Story]:
    """鹿鸣村: 四议两公开 (SL) with its four bodies; the major matter asks 白衣镇 first."""
    SL = "siyi_liangkai"

    def party_meetings(matter: Matter, days: tuple[int, int, int]) -> Iterator[dt.datetime]:
        # 党组织提议, 两委会议商议, 党员大会审议
        yield from w.meeting(place, matter, days[0], absent=0)
        yield from w.meeting(place, matter, days[1], absent=1)
        yield from w.meeting(place, matter, days[2], absent=3, abstain=1)

    def major_done() -> Story:
        proposed = w.ago(176, 9)
        yield proposed
        matter = w.propose(
            place,
            SL,
            "鹿鸣村集体土地流转发展猕猴桃产业",
            "拟将二组、三组集体土地120亩流转给平昌县绿源猕猴桃专业合作社，期限10年，"
            "每亩每年租金600元，首年租金7.2万元；另收取土地整理保证金28.8万元，合同总额36万元。",
            proposed,
            matter_type=MatterType.LAND,
            amount_fen=36_000_000,
            body_kind=BodyKind.PARTY_ORG,
        )
        yield from party_meetings(matter, (170, 165, 158))
        asked = w.ago(156, 10)
        yield asked
        approval = approval_request(
            actor=place.secretary,
            step=w.step(matter),
            request="鹿鸣村拟流转集体土地120亩发展猕猴桃产业，属重大事项。已经村党支部提议、两委会议商议、"
            "党员大会审议通过，现将流转方案、合同草案和风险评估报请镇党委审批。",
            now=asked,
        )
        answered = w.ago(150, 15)
        yield answered
        approval_decide(
            actor=place.approver,
            approval=approval,
            approve=True,
            reply="经镇党委会议研究，同意该流转方案。请严格按程序提交村民代表会议表决，合同须经镇农经站审核备案。",
            now=answered,
        )
        # 村民代表会议: two absent, one by written proxy.
        yield from w.meeting(place, matter, 145, absent=2, proxy=1, against=1)
        opened = w.ago(144, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "鹿鸣村集体土地流转决议公开",
            "经村民代表会议表决通过：二组、三组集体土地120亩流转给平昌县绿源猕猴桃专业合作社，"
            "期限10年，每亩每年600元。公示期7天，如有异议请向村务监督委员会反映。",
        )
        objected = w.ago(142, 20)
        yield objected
        objection = objection_submit(
            actor=place.residents[0],
            notice=notice,
            text="流转期10年太长，租金是否随行就市调整？",
            now=objected,
        )
        w.summary.objections += 1
        dismissed = w.ago(141, 16)
        yield dismissed
        objection_decide(
            actor=place.secretary,
            objection=objection,
            uphold=False,
            reply="合同约定每3年按同类地块行情调整一次租金，已在方案第六条写明，并经代表会议表决。异议不成立。",
            now=dismissed,
        )
        yield from w.close(place, notice)
        added = w.ago(135, 10)
        yield added
        contract, level, pay = w.tasks(
            place,
            matter,
            added,
            [
                ("签订土地流转合同并报镇农经站备案", None, "村委会 赵主任", 10),
                ("流转地块土地平整和界桩埋设", None, "二组组长 何德明", 30),
                ("首年租金发放到户", None, "村报账员 周秀英", 40),
            ],
        )
        when = w.ago(128, 16)
        yield when
        w.progress(place, contract, when, 100, "合同已签订，农经站备案号 平农经〔2026〕17号")
        when = w.ago(110, 16)
        yield when
        w.progress(place, level, when, 100, "土地平整完成，埋设界桩46根")
        when = w.ago(104, 16)
        yield when
        w.progress(place, pay, when, 100, "首年租金7.2万元已通过一卡通发放到户")
        finished = w.ago(102, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="合同签订、土地平整和首年租金发放均已完成。",
            now=finished,
        )
        opened = w.ago(101, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "鹿鸣村集体土地流转实施结果公开",
            "土地流转合同已签订并备案，120亩地块已平整移交，首年租金7.2万元已发放到户。",
        )
        yield from w.close(place, notice)
        w.sample(matter)

    def result_notice_open() -> Story:
        proposed = w.ago(64, 9)
        yield proposed
        matter = w.propose(
            place,
            SL,
            "村道硬化（二组至五组）",
            "二组至五组村道2.8公里为泥结石路面，雨天泥泞。拟硬化为4.5米宽水泥路，村级自筹4.2万元，其余争取项目资金。",
            proposed,
            matter_type=MatterType.PROJECT,
            amount_fen=4_200_000,
            body_kind=BodyKind.PARTY_ORG,
        )
        yield from party_meetings(matter, (60, 55, 50))
        yield from w.meeting(place, matter, 45, absent=2)
        opened = w.ago(44, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "村道硬化决议公开",
            "村民代表会议决定硬化二组至五组村道2.8公里，村级自筹4.2万元。",
        )
        yield from w.close(place, notice)
        added = w.ago(35, 10)
        yield added
        (road,) = w.tasks(place, matter, added, [("二组至五组村道硬化施工", None, "村委会 赵主任", 30)])
        when = w.ago(9, 17)
        yield when
        w.progress(place, road, when, 100, "2.8公里路面浇筑完成，养护期满")
        finished = w.ago(4, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="村道硬化2.8公里完工，经镇交通办验收合格。",
            now=finished,
        )
        opened = w.ago(3, 9)
        yield opened
        w.notice(
            place,
            matter,
            opened,
            "村道硬化实施结果公开",
            "二组至五组村道硬化2.8公里已完工验收，总投资21.6万元，其中村级自筹4.2万元，明细见财务公开。",
        )
        w.sample(matter)

    def dividend_called() -> Story:
        proposed = w.ago(5, 9)
        yield proposed
        matter = w.propose(
            place,
            SL,
            "2026年度村集体经济收益分配方案",
            "2026年村集体经营性收入预计18.6万元，拟提取公积公益金30%，其余按股分红。",
            proposed,
            matter_type=MatterType.DIVIDEND,
            body_kind=BodyKind.PARTY_ORG,
        )
        called = w.ago(1, 10)
        yield called
        w.call(place, matter, called, w.ahead(5, 19), agenda="研究提出2026年度收益分配方案")
        w.sample(matter)

    def sayings() -> Story:
        said = w.ago(6, 20, 15)
        yield said
        saying = saying_submit(
            actor=place.residents[1],
            title="二组灌溉渠堵塞",
            text="二组灌溉渠有一段被淤泥和杂草堵住了，明年春灌前需要清理。",
            now=said,
        )
        w.stamps.note(saying, said)
        w.summary.sayings += 1

    return [major_done(), result_notice_open(), dividend_called(), sayings()]
