"""The default 公开目录 a community adopts in one step (``services.plans_adopt_default``).

Drawn from the practice the seeds describe — 创举社区's 《三务公开制度》, Chengdu's 村级"三务"公开
with public-fund details on the smart screens, Houma's 村级公开事项目录 and the 村务公开栏 — and
from the national rules they implement:

- 中办、国办《关于健全和完善村务公开和民主管理制度的意见》(2004): ordinary village affairs at
  least once a quarter; major matters touching villagers' interests as they happen; finance
  monthly where the collective has many transactions.
- 农业部《农村集体经济组织财务公开规定》(2011): 财务收支 and 资产、资源、债权债务 published
  regularly (monthly or quarterly), within days after the period ends (10 days is the usual
  term), major items at once.
- 《中国共产党党务公开条例（试行）》(2017): a 党组织's work plans, 党员发展, 党费, 民主评议 and
  elections are disclosed to its members and, where they concern the public, to the masses.

Plain data: the titles and descriptions stay Chinese whatever the interface language, like a
community's own board. A community edits its calendar afterwards (plan_update / plan_create).
"""

from __future__ import annotations

from dataclasses import dataclass

from sanzhi.disclosure.models import Area, Frequency


@dataclass(frozen=True)
class PlanSpec:
    area: str
    title: str
    frequency: str
    due_days: int
    description: str


M, Q, E = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.PER_MATTER

DEFAULT_PLANS: tuple[PlanSpec, ...] = (
    # 党务公开
    PlanSpec(
        Area.PARTY,
        "党组织工作计划及落实情况",
        Q,
        10,
        "党组织年度、季度工作安排，“三会一课”、主题党日开展情况，上级决策部署的落实情况。",
    ),
    PlanSpec(
        Area.PARTY,
        "党费收缴、使用和管理情况",
        Q,
        10,
        "党员按月交纳党费的情况，党费的使用和管理情况。",
    ),
    PlanSpec(
        Area.PARTY,
        "党员发展情况",
        E,
        7,
        "入党积极分子、发展对象、预备党员的确定和预备党员转正，按程序逐项公示。",
    ),
    PlanSpec(
        Area.PARTY,
        "民主评议党员及换届选举",
        E,
        7,
        "民主评议党员结果，党组织换届选举的程序与结果。",
    ),
    # 村(居)务公开
    PlanSpec(
        Area.AFFAIRS,
        "村(居)务工作计划及完成情况",
        Q,
        10,
        "村(社区)年度工作目标、季度工作安排和完成情况，为民办实事进展。",
    ),
    PlanSpec(
        Area.AFFAIRS,
        "低保、特困供养和临时救助",
        Q,
        10,
        "最低生活保障、特困人员供养、临时救助的对象、标准和发放情况。",
    ),
    PlanSpec(
        Area.AFFAIRS,
        "惠农惠民补贴和救灾救济款物发放",
        Q,
        10,
        "各类惠农惠民补贴、救灾救济款物的发放对象、标准和金额。",
    ),
    PlanSpec(
        Area.AFFAIRS,
        "村(居)民会议和代表会议决议及实施情况",
        E,
        7,
        "“四议两公开”的决议公开与实施结果公开，随事项逐项公开。",
    ),
    PlanSpec(
        Area.AFFAIRS,
        "工程项目建设和招投标",
        E,
        7,
        "集体工程项目的立项、招投标、施工、验收和资金支付情况。",
    ),
    PlanSpec(
        Area.AFFAIRS,
        "宅基地审批、土地承包和流转、征地补偿",
        E,
        7,
        "宅基地安排使用，集体土地承包、流转、出租，征地拆迁补偿的分配和使用。",
    ),
    # 财务公开
    PlanSpec(
        Area.FINANCE,
        "财务收支明细",
        M,
        10,
        "集体资金的各项收入和支出，逐笔列明日期、摘要、对方单位、凭证号和金额。",
    ),
    PlanSpec(
        Area.FINANCE,
        "集体资产、资源和债权债务",
        Q,
        10,
        "集体资产、资源的数量、出租承包和收益情况，债权债务的增减和余额。",
    ),
    PlanSpec(
        Area.FINANCE,
        "财政补助和专项资金使用",
        Q,
        10,
        "上级财政补助、转移支付、专项资金和社会捐赠的到账和使用情况。",
    ),
    PlanSpec(
        Area.FINANCE,
        "村(社区)干部报酬和补贴",
        Q,
        10,
        "村(社区)“两委”干部及其他工作人员的报酬、补贴和误工补助。",
    ),
    PlanSpec(
        Area.FINANCE,
        "集体收益分配",
        E,
        7,
        "集体经济收益的分配方案和分配结果（如年终分红），随事项公开。",
    ),
)
