"""The demo's 创举社区 stories (提-议-决-办-评, 四事四共): matters at every stage, each a generator of
acts on the timeline (sanzhi.demo.deliberation_world)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sanzhi.accounts.models import User
from sanzhi.deliberation.approvals import approval_request
from sanzhi.deliberation.evaluation import evaluation_close
from sanzhi.deliberation.flow import matter_withdraw
from sanzhi.deliberation.implementation import implementation_finish
from sanzhi.deliberation.meetings import (
    attendance_record,
)
from sanzhi.deliberation.models import (
    AttendanceStatus,
    BodyKind,
    BodyMember,
    MatterType,
)
from sanzhi.deliberation.notices import objection_decide, objection_submit
from sanzhi.deliberation.proposals import saying_accept, saying_answer, saying_submit
from sanzhi.demo.deliberation_world import (
    ABSTAIN,
    AGAINST,
    BASIC,
    FOR,
    SATISFIED,
    UNSATISFIED,
    Place,
    Story,
    World,
    demo_user,
)

# ---------------------------------------------------------------- 创举社区


def urban_stories(w: World, place: Place, resident: User) -> list[Story]:
    """创举社区: 提-议-决-办-评 (TI) and 四事四共 (SS) with its 议事会 and 居民代表会议."""
    TI, SS = "ti_yi_jue_ban_ping", "sishi_sigong"
    council = demo_user("demo-council")
    r = place.residents

    def evaluation_ratings() -> list[tuple[str, str]]:
        return [
            (SATISFIED, "施工期间每天清场，现在晚上跳广场舞的人多了。"),
            (SATISFIED, "材料和费用都公示了，放心。"),
            (BASIC, "整体不错，希望再加几盏灯。"),
            (SATISFIED, ""),
            (UNSATISFIED, "工期拖了一周，施工噪音影响休息。"),
        ]

    def just_proposed() -> Story:
        # 村民说事 → 议题 (the 提 stage waits for the 议事会 to accept it)
        said = w.ago(3, 19, 20)
        yield said
        saying = saying_submit(
            actor=resident,
            title="小区电动自行车充电桩不够用",
            text="1栋到6栋只有一处充电桩，晚上排队充电，有人从楼上拉飞线充电，很危险。建议在小区东门增设集中充电桩。",
            now=said,
        )
        w.stamps.note(saying, said)
        w.summary.sayings += 1
        accepted = w.ago(1, 10)
        yield accepted
        matter = saying_accept(
            actor=place.secretary,
            saying=saying,
            procedure=place.procedures[TI],
            title="小区增设电动自行车集中充电桩",
            matter_type=MatterType.WELFARE,
            amount_fen=2_800_000,
            now=accepted,
        )
        w.stamps.note(matter, accepted)
        w.sample(matter)

    def meeting_called() -> Story:
        proposed = w.ago(6, 15)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "老旧楼栋加装电梯意见征集",
            "7—12栋为2000年前建成的多层住宅，老年住户占四成。拟征集各单元意见，按“一梯一议”推进加装电梯。",
            proposed,
            actor=council,
            body_kind=BodyKind.COUNCIL,
        )
        called = w.ago(2, 10)
        yield called
        w.call(
            place,
            matter,
            called,
            w.ahead(3, 19),
            agenda="一、各单元意愿摸底情况；二、费用分摊原则；三、下一步工作安排",
        )
        w.sample(matter)

    def meeting_today() -> Story:
        # The 居民代表会议 sits today: members signed in, demo-resident has yet to vote.
        proposed = w.ago(30, 10)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "社区闲置用房改建“邻里食堂”",
            "将社区原物业用房（约120平方米）改建为老年助餐点兼邻里食堂，预算3.8万元，由社区公益金和辖区单位捐赠解决。",
            proposed,
            matter_type=MatterType.WELFARE,
            amount_fen=3_800_000,
            body_kind=BodyKind.COUNCIL,
        )
        yield from w.meeting(place, matter, 20)
        called = w.ago(4, 10)
        yield called
        sitting = timezone.make_aware(
            dt.datetime.combine(timezone.localtime(w.now - dt.timedelta(minutes=2)).date(), dt.time(9, 0))
        )
        meeting = w.call(place, matter, called, sitting, agenda="表决《社区闲置用房改建“邻里食堂”实施方案》")
        signed_in = w.now - dt.timedelta(minutes=1)
        yield signed_in
        roster = list(BodyMember.objects.filter(pk__in=meeting.attendance.values("member_id")).order_by("id"))
        for member in roster:
            status = AttendanceStatus.ABSENT if member is roster[-1] else AttendanceStatus.PRESENT
            attendance_record(
                actor=place.secretary, meeting=meeting, member=member, status=status, now=signed_in
            )
        w.sample(matter)

    def waiting_for_notice() -> Story:
        proposed = w.ago(27, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "小区停车位施划及停车秩序管理方案",
            "小区内现有停车位86个，车辆约140辆，消防通道常被占用。拟重新施划车位、设置临时停车区，明确收费与管理办法。",
            proposed,
            actor=council,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(25, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 18)
        yield from w.meeting(place, matter, 2, absent=1, proxy=1, against=1)
        w.sample(matter)

    def approval_pending() -> Story:
        proposed = w.ago(23, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "创举社区老旧供水管网改造",
            "1—6栋供水管网为铸铁管，锈蚀爆管频发。拟整体更换为PE管，预算8.6万元，由社区集体资金和区级补助共同承担。",
            proposed,
            matter_type=MatterType.PROJECT,
            amount_fen=8_600_000,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(21, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 14, absent=2)
        asked = w.ago(3, 16)
        yield asked
        approval_request(
            actor=place.secretary,
            step=w.step(matter),
            request="我社区拟实施老旧供水管网改造，预算8.6万元，属重大事项。经社区议事会协商一致，"
            "现将实施方案和资金来源报请街道审批，同意后提交议事会决策。",
            now=asked,
        )
        w.sample(matter)

    def notice_with_objection() -> Story:
        proposed = w.ago(30, 9)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "垃圾分类投放点位调整",
            "现有投放点紧邻3栋单元门，夏季异味大。拟将投放点迁至小区西侧围墙边，并增设洗手池和监控。",
            proposed,
            body_kind=BodyKind.COUNCIL,
        )
        yield from w.meeting(place, matter, 24)
        # The 居民代表会议 votes by ballot; one representative votes by written proxy.
        yield from w.meeting(place, matter, 10, absent=0, proxy=1, choices=[FOR] * 7 + [AGAINST, ABSTAIN])
        opened = w.ago(2, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "关于垃圾分类投放点位调整的决定公示",
            "经社区议事会民事共议、居民代表会议表决通过，拟将3栋旁垃圾分类投放点迁至小区西侧围墙边，"
            "增设洗手池和监控。公示期内如有异议，请向社区居委会书面或在线提出。",
        )
        objected = w.ago(1, 20)
        yield objected
        objection_submit(
            actor=r[1],
            notice=notice,
            text="西侧围墙边离幼儿园后门不到20米，担心异味影响孩子，建议再往北移。",
            now=objected,
        )
        w.summary.objections += 1
        w.sample(matter)

    def implementing() -> Story:
        proposed = w.ago(47, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "楼道声控灯更换",
            "1—12栋楼道灯损坏率高，夜间上下楼不便。拟统一更换为LED声光控灯，预算1.2万元。",
            proposed,
            matter_type=MatterType.WELFARE,
            amount_fen=1_200_000,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(45, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 38)
        yield from w.meeting(place, matter, 30, abstain=1)
        opened = w.ago(29, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "楼道声控灯更换决议公示",
            "议事会决定统一更换1—12栋楼道灯为LED声光控灯，预算1.2万元。",
        )
        yield from w.close(place, notice)
        added = w.ago(20, 10)
        yield added
        gridworker = demo_user("demo-gridworker")
        buy, east, _west = w.tasks(
            place,
            matter,
            added,
            [
                ("采购LED声光控灯具（360套）", None, "社区居委会 王会计", 7),
                ("1—6栋楼道灯安装", gridworker, "", 20),
                ("7—12栋楼道灯安装", None, "物业公司 刘师傅", 30),
            ],
        )
        bought = w.ago(15, 16)
        yield bought
        w.progress(place, buy, bought, 100, "灯具已到货验收，发票已入账")
        half = w.ago(5, 17)
        yield half
        w.progress(place, east, half, 60, "1—4栋已安装完毕")
        w.sample(matter)

    def evaluating() -> Story:
        proposed = w.ago(82, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "社区健身广场地面翻新",
            "健身广场地砖破损、积水，老人跌倒两起。拟改铺透水塑胶地面，预算4.5万元。",
            proposed,
            matter_type=MatterType.PROJECT,
            amount_fen=4_500_000,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(80, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 72)
        yield from w.meeting(place, matter, 65, proxy=1)
        opened = w.ago(64, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "健身广场地面翻新决议公示",
            "议事会决定健身广场改铺透水塑胶地面，预算4.5万元，工期30天。",
        )
        yield from w.close(place, notice)
        added = w.ago(55, 10)
        yield added
        (works,) = w.tasks(
            place, matter, added, [("健身广场透水塑胶地面施工", None, "社区居委会 陈主任", 30)]
        )
        mid = w.ago(35, 17)
        yield mid
        w.progress(place, works, mid, 50, "旧地砖已清除，基层找平完成")
        done = w.ago(20, 17)
        yield done
        w.progress(place, works, done, 100, "面层铺设完成，已组织验收")
        finished = w.ago(12, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="健身广场翻新完工，验收合格，实际支出4.38万元。",
            now=finished,
        )
        yield from w.rate(matter, r[:4], 11, evaluation_ratings()[:4])
        w.sample(matter)

    def done() -> Story:
        proposed = w.ago(118, 9)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "消防通道堆物清理专项整治",
            "楼道和消防通道堆放杂物、停放电动车现象突出。拟开展为期一个月的专项整治，并建立长效巡查机制。",
            proposed,
            actor=council,
            body_kind=BodyKind.COUNCIL,
        )
        yield from w.meeting(place, matter, 110)
        yield from w.meeting(place, matter, 100, absent=2)
        opened = w.ago(98, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "消防通道堆物清理专项整治决定公示",
            "居民代表会议决定开展消防通道堆物清理专项整治，为期一个月。",
        )
        yield from w.close(place, notice)
        added = w.ago(91, 10)
        yield added
        sweep, patrol = w.tasks(
            place,
            matter,
            added,
            [
                ("逐栋清理楼道和消防通道堆物", demo_user("demo-gridworker"), "", 20),
                ("建立网格员每周巡查制度", None, "社区居委会 李委员", 30),
            ],
        )
        swept = w.ago(78, 17)
        yield swept
        w.progress(place, sweep, swept, 100, "清理堆物53处，劝离电动车21辆")
        w.progress(place, patrol, swept, 100, "巡查制度已上墙，网格员每周五巡查")
        finished = w.ago(76, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="专项整治完成，清理堆物53处，建立长效巡查。",
            now=finished,
        )
        opened = w.ago(75, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "消防通道堆物清理整治结果公开",
            "专项整治已完成：清理堆物53处，劝离电动车21辆，建立每周巡查制度。",
        )
        yield from w.close(place, notice)
        yield from w.rate(matter, r, 67, evaluation_ratings())
        closing = w.ago(50, 9)
        yield closing
        evaluation_close(actor=place.secretary, step=w.step(matter), now=closing)
        w.sample(matter)

    def rejected() -> Story:
        proposed = w.ago(62, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "小区内设立临时早市",
            "部分居民提出在小区中心广场设立早6点至8点的临时早市，方便老人买菜。",
            proposed,
            actor=council,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(60, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 52, against=2)
        # The 议事会 decides by ballot: most are against (noise, litter, traffic), so it fails.
        yield from w.meeting(
            place,
            matter,
            44,
            absent=0,
            proxy=1,
            choices=[FOR, AGAINST, AGAINST, FOR, AGAINST, ABSTAIN, AGAINST, FOR],
        )
        w.sample(matter)

    def withdrawn() -> Story:
        proposed = w.ago(40, 9)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "统一更换单元门禁为人脸识别",
            "拟将各单元门禁统一更换为人脸识别门禁，预算6.2万元。",
            proposed,
            actor=council,
            amount_fen=6_200_000,
            body_kind=BodyKind.COUNCIL,
        )
        dropped = w.ago(36, 16)
        yield dropped
        matter_withdraw(
            actor=council,
            matter=matter,
            reason="居民对人脸信息采集顾虑较多，先开展入户调研，再行提议。",
            now=dropped,
        )
        w.sample(matter)

    def second_round() -> Story:
        # The 决议公示 draws an objection that is upheld: back to 议事会协商, passed in round 2.
        proposed = w.ago(152, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "绿化带改建停车位",
            "拟将小区东侧、南侧绿化带改建为停车位约30个，缓解停车难。",
            proposed,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(150, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 142)
        yield from w.meeting(place, matter, 135)
        opened = w.ago(134, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "绿化带改建停车位决议公示",
            "议事会决定将东侧、南侧绿化带改建为停车位约30个。",
        )
        objected = w.ago(132, 20)
        yield objected
        objection = objection_submit(
            actor=r[2],
            notice=notice,
            text="南侧绿化带是小区唯一的儿童活动区，改成停车位孩子没地方玩，也影响3栋低层采光。",
            now=objected,
        )
        w.summary.objections += 1
        upheld = w.ago(131, 15)
        yield upheld
        objection_decide(
            actor=place.secretary,
            objection=objection,
            uphold=True,
            reply="异议成立。方案退回议事会重新协商，保留南侧儿童活动区。",
            now=upheld,
        )
        yield from w.meeting(place, matter, 120)
        yield from w.meeting(place, matter, 112, proxy=1)
        opened = w.ago(111, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "绿化带改建停车位决议公示（第二轮）",
            "经重新协商，保留南侧儿童活动区，仅将东侧绿化带改建为停车位18个，并补种行道树。",
        )
        yield from w.close(place, notice)
        added = w.ago(102, 10)
        yield added
        (works,) = w.tasks(place, matter, added, [("东侧绿化带改建停车位18个", None, "物业公司 刘师傅", 25)])
        done_at = w.ago(82, 17)
        yield done_at
        w.progress(place, works, done_at, 100, "18个车位施划完成，补种香樟12株")
        finished = w.ago(80, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="东侧新增停车位18个，儿童活动区保留。",
            now=finished,
        )
        yield from w.rate(matter, r[1:], 79, evaluation_ratings()[1:])
        closing = w.ago(62, 9)
        yield closing
        evaluation_close(actor=place.secretary, step=w.step(matter), now=closing)
        w.sample(matter)

    def sayings() -> Story:
        said = w.ago(9, 20, 5)
        yield said
        leak = saying_submit(
            actor=resident,
            title="3栋楼顶水箱漏水",
            text="3栋楼顶水箱漏水好几天了，顶楼住户墙面渗水，请社区帮忙联系处理。",
            now=said,
        )
        w.stamps.note(leak, said)
        answered = w.ago(8, 11)
        yield answered
        saying_answer(
            actor=place.secretary,
            saying=leak,
            reply="已联系物业公司，维修人员8日上午已更换水箱进水阀，渗水已停止。顶楼墙面修复费用由物业承担。",
        )
        said = w.ago(2, 19, 40)
        yield said
        lunch = saying_submit(
            actor=r[3],
            title="希望增设老年人助餐点",
            text="小区独居老人多，做饭不方便，希望社区能办个助餐点，价格实惠些。",
            now=said,
        )
        w.stamps.note(lunch, said)
        w.summary.sayings += 2

    return [
        just_proposed(),
        meeting_called(),
        meeting_today(),
        waiting_for_notice(),
        approval_pending(),
        notice_with_objection(),
        implementing(),
        evaluating(),
        done(),
        rejected(),
        withdrawn(),
        second_round(),
        sayings(),
    ]
