"""The published schemes a community can adopt in one command (``sanzhi points adopt TEMPLATE``):

- ``daode_bank``: 道德银行, Ou Jiang Cha town (赫山区, 益阳): four categories 社会公德 / 职业道德 /
  家庭美德 / 个人品德, a base score (not redeemable) plus honour points; quarterly democratic review
  by the 道德评议会 and a 红黑榜.
- ``shixing``: 健康银行 / 十星, Dongzhuang village (新田乡, 侯马): 54 items worth 100 points in ten stars,
  scored monthly by a 评分组 (老党员、老干部、乡贤、现任干部), redeemed quarterly.
- ``houma_grid``: 网格员积分 of 路西街道 (侯马): 22 categories, 67 indicators; 一事一记录、一月一审核、
  一季一兑现、一年一总结, with tiered redemption by the yearly ranking.

Plain data (no ORM): ``sanzhi.points.schemes.scheme_adopt`` turns a template into rows. The item
texts stay Chinese whatever the interface language: they are the community's own catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanzhi.points.models import Evidence, Subject
from sanzhi.points.periods import PeriodKind

N, P, T, PT = Evidence.NONE, Evidence.PHOTO, Evidence.NOTE, Evidence.PHOTO_OR_NOTE


@dataclass(frozen=True)
class RuleSpec:
    code: str
    item: str
    points_min: int
    points_max: int | None = None  # None: fixed (== points_min)
    evidence: str = Evidence.NONE
    council: str = ""
    cap_per_period: int | None = None

    @property
    def high(self) -> int:
        return self.points_min if self.points_max is None else self.points_max


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    rules: tuple[RuleSpec, ...]
    # A star earned in this category (十星): its name, min points in the period, no deduction there.
    star: str = ""
    star_min_points: int = 0


@dataclass(frozen=True)
class TierSpec:
    name: str
    rank_max: int
    discount_percent: int


@dataclass(frozen=True)
class SchemeTemplate:
    key: str
    name: str
    title: str | Promise  # one line for ``sanzhi points templates``
    subject: str
    description: str
    categories: tuple[CategorySpec, ...]
    base_score: int = 0
    base_redeemable: bool = False
    review_period: str = PeriodKind.MONTH
    redeem_period: str = PeriodKind.QUARTER
    summary_period: str = PeriodKind.YEAR
    period_cap: int | None = None
    council: str = ""
    redeem_anytime: bool = True
    red_list_size: int = 10
    black_list_size: int = 10
    tiers: tuple[TierSpec, ...] = field(default_factory=tuple)

    @property
    def rule_count(self) -> int:
        return sum(len(c.rules) for c in self.categories)


def R(  # reads as a table row
    code: str,
    item: str,
    low: int,
    high: int | None = None,
    evidence: str = N,
    council: str = "",
    cap: int | None = None,
) -> RuleSpec:
    return RuleSpec(code, item, low, high, evidence, council, cap)


# ---------------------------------------------------------------- 道德银行 (益阳 欧江岔镇)

DAODE_COUNCIL = "道德评议会"

DAODE_BANK = SchemeTemplate(
    key="daode_bank",
    name="道德银行",
    title=_("道德银行（益阳欧江岔镇）：四类加减积分，基础分＋荣誉分，季度民主评议与红黑榜"),
    subject=Subject.HOUSEHOLD,
    description=(
        "村（居）民道德档案：分社会公德、职业道德、家庭美德、个人品德四类，实行加减积分制，由基础分和"
        "荣誉分组成。基础分不可兑换，荣誉分可在积分超市兑换。每季度组织民主评议会，按红黑榜公示。"
    ),
    base_score=100,
    base_redeemable=False,
    review_period=PeriodKind.QUARTER,
    redeem_period=PeriodKind.QUARTER,
    summary_period=PeriodKind.YEAR,
    council=DAODE_COUNCIL,
    categories=(
        CategorySpec(
            "social",
            "社会公德",
            (
                R("volunteer", "参加志愿服务活动", 10, evidence=PT),
                R("sorting", "主动进行垃圾分类", 20, cap=1),
                R("env_clean", "参加环境卫生整治、清扫公共区域", 5, evidence=P, cap=3),
                R("fire_report", "及时劝阻或报告焚烧秸秆、乱砍滥伐等行为", 10, evidence=T),
                R("public_damage", "损坏公共设施、乱堆乱放占用公共场所", -10, evidence=PT),
                R("litter", "乱扔垃圾、乱泼污水经劝阻不改", -5, evidence=P),
            ),
        ),
        CategorySpec(
            "work",
            "职业道德",
            (
                R("startup", "积极创业且创业项目有示范带动作用", 100, evidence=T, council=DAODE_COUNCIL),
                R("skill_help", "传授种养技术或帮带他人就业", 10, 30, evidence=T, cap=2),
                R("honest_trade", "诚信经营，获评诚信经营户", 20, evidence=T, council=DAODE_COUNCIL),
                R("fake_goods", "制售假冒伪劣产品、欺诈顾客", -30, evidence=T, council=DAODE_COUNCIL),
                R("wage_arrears", "恶意拖欠务工人员工资", -20, evidence=T),
            ),
        ),
        CategorySpec(
            "family",
            "家庭美德",
            (
                R("filial", "孝敬老人，获评好媳妇、好婆婆", 20, evidence=T, council=DAODE_COUNCIL),
                R("neighbour_help", "邻里互助、帮扶困难家庭", 5, 15, evidence=T, cap=2),
                R("good_family", "获评文明家庭、最美庭院", 30, evidence=PT, council=DAODE_COUNCIL),
                R("elder_neglect", "不赡养老人或虐待家庭成员", -30, evidence=T, council=DAODE_COUNCIL),
                R("family_quarrel", "家庭纠纷闹到调解仍不改", -10, evidence=T),
            ),
        ),
        CategorySpec(
            "personal",
            "个人品德",
            (
                R("brave", "见义勇为、拾金不昧", 20, 50, evidence=T, council=DAODE_COUNCIL),
                R("cremation", "带头执行殡葬改革（火化、树葬、进公墓）", 20, evidence=T),
                R("wedding", "违规操办红白喜事", -20, evidence=T),
                R("gambling", "参与赌博、封建迷信活动", -20, evidence=T),
                R("petition_abuse", "无理缠访闹访", -20, evidence=T, council=DAODE_COUNCIL),
            ),
        ),
    ),
)


# ---------------------------------------------------------------- 健康银行 / 十星 (侯马 东庄村)

SHIXING_GROUP = "评分组"


def _star(code: str, star: str, *rules: RuleSpec) -> CategorySpec:
    return CategorySpec(code, star, tuple(rules), star=star, star_min_points=6)


# Scored each month by the 评分组: every positive item at most once a month, ten points a star,
# 100 points in all; one deduction per star. A star needs 6 of its 10 points and no deduction there.
SHIXING = SchemeTemplate(
    key="shixing",
    name="健康银行（十星）",
    title=_("健康银行／十星（侯马东庄村）：十星 54 项 100 分，评分组一月一评，一季一兑现"),
    subject=Subject.HOUSEHOLD,
    description=(
        "一议二评三晒四换：村民代表大会议定“十星”标准，54 项共 100 分；由老党员、老干部、乡贤、现任"
        "干部组成评分组每月入户打分，评星组审核；积分在广播、公开栏、微信群公示；积分超市集中兑换加"
        "随时兑换，三月一兑现。创星看标准、评星有依据、失星再培育。"
    ),
    review_period=PeriodKind.MONTH,
    redeem_period=PeriodKind.QUARTER,
    summary_period=PeriodKind.YEAR,
    period_cap=100,
    council=SHIXING_GROUP,
    categories=(
        _star(
            "aidang",
            "爱党爱国星",
            R("flag", "节日悬挂国旗，家中张贴党建宣传品", 2, evidence=P, cap=1),
            R("study", "参加党课、主题党日或理论宣讲", 3, evidence=PT, cap=1),
            R("party_duty", "党员户亮牌、亮承诺，带头完成村级中心工作", 3, evidence=T, cap=1),
            R("army", "支持子女参军、拥军优属", 2, evidence=T, cap=1),
            R("rumor", "散布不当言论、参与非法组织活动", -10, evidence=T),
        ),
        _star(
            "zhengce",
            "政策明白星",
            R("meeting", "参加村民代表大会、屋场会", 2, evidence=P, cap=1),
            R("policy_know", "知晓医保、养老、惠农等政策并按时参保缴费", 2, evidence=T, cap=1),
            R("policy_spread", "向邻里宣传政策、移风易俗", 2, evidence=T, cap=1),
            R("plan_obey", "遵守土地、建房规划，不私搭乱建", 2, cap=1),
            R("law_learn", "参加法律讲堂、普法活动", 2, evidence=P, cap=1),
            R("illegal_build", "违规占地建房、私搭乱建", -10, evidence=P),
        ),
        _star(
            "gongyi",
            "热心公益星",
            R("volunteer", "参加志愿服务、义务劳动", 3, evidence=P, cap=1),
            R("donate", "为村内公益事业捐款捐物", 3, evidence=T, cap=1),
            R("epidemic", "参加疫情防控、防汛值守等应急工作", 2, evidence=P, cap=1),
            R("blood", "参加无偿献血、红十字活动", 2, evidence=T, cap=1),
            R("refuse_duty", "无故拒不参加集体公益劳动", -5, evidence=T),
        ),
        _star(
            "huzhu",
            "团结互助星",
            R("neighbour", "邻里和睦，无纠纷", 3, cap=1),
            R("help_poor", "帮扶困难户、留守老人儿童", 3, evidence=T, cap=1),
            R("mediate", "主动调解邻里矛盾", 2, evidence=T, cap=1),
            R("harvest_help", "农忙时帮助缺劳力家庭", 2, evidence=T, cap=1),
            R("fight", "打架斗殴、寻衅滋事", -10, evidence=T),
        ),
        _star(
            "chuangye",
            "勤劳创业星",
            R("work", "家庭成员勤劳务工，无闲散懒汉", 2, cap=1),
            R("startup", "发展特色种养、米醋作坊等产业", 3, evidence=T, cap=1),
            R("training", "参加家政、烹饪、电焊等技能培训", 2, evidence=P, cap=1),
            R("lead_rich", "带动他人就业增收", 3, evidence=T, cap=1),
            R("idle", "好吃懒做、等靠要", -5, evidence=T),
        ),
        _star(
            "chengxin",
            "诚信正义星",
            R("credit", "守信用，按时还贷，无不良记录", 2, cap=1),
            R("honest", "诚信经营，无短斤少两", 2, cap=1),
            R("just", "敢于揭发违法行为，弘扬正气", 2, evidence=T, cap=1),
            R("lost_found", "拾金不昧", 2, evidence=T, cap=1),
            R("contract", "履行土地流转等合同约定", 2, cap=1),
            R("fraud", "欺诈、失信被执行", -10, evidence=T),
        ),
        _star(
            "shengtai",
            "生态环保星",
            R("sorting", "垃圾分类投放", 2, evidence=P, cap=1),
            R("no_burning", "不焚烧秸秆、垃圾", 2, cap=1),
            R("greening", "房前屋后绿化美化，三季有花四季常绿", 2, evidence=P, cap=1),
            R("water", "节约用水，不向街巷排放污水", 2, cap=1),
            R("six_mess", "配合“六乱”整治，无乱堆乱放乱贴", 2, evidence=P, cap=1),
            R("burning", "焚烧秸秆、乱倒垃圾", -10, evidence=P),
        ),
        _star(
            "weisheng",
            "卫生健康星",
            R("clean_home", "室内整洁、厨厕卫生", 3, evidence=P, cap=1),
            R("clean_yard", "院落干净、物品摆放整齐", 3, evidence=P, cap=1),
            R("checkup", "参加健康体检、接种疫苗", 2, evidence=T, cap=1),
            R("fitness", "养成健康生活方式，参加健身活动", 2, cap=1),
            R("dirty", "院内脏乱差经督促不改", -5, evidence=P),
        ),
        _star(
            "xiaolao",
            "孝老爱亲星",
            R("support", "赡养老人，老人吃穿住有保障", 3, cap=1),
            R("care", "经常看望、陪伴老人", 2, cap=1),
            R("harmony", "夫妻和睦、婆媳融洽", 2, cap=1),
            R("children", "关爱子女成长，家风良好", 3, cap=1),
            R("abuse", "不赡养、虐待老人", -10, evidence=T),
        ),
        _star(
            "kejiao",
            "科教文体星",
            R("school", "适龄子女按时入学，无辍学", 2, cap=1),
            R("reading", "参加农家书屋读书、文化讲座", 2, evidence=P, cap=1),
            R("culture", "参加广场舞、文艺演出等文体活动", 2, evidence=P, cap=1),
            R("science", "学用农业科技、电商等新技术", 2, evidence=T, cap=1),
            R("award", "家庭成员获评先进或升学", 2, evidence=T, cap=1),
            R("superstition", "搞封建迷信、参与赌博", -10, evidence=T),
        ),
    ),
)


# ---------------------------------------------------------------- 网格员积分 (侯马 路西街道)

HOUMA_AUDIT = "社区网格积分审核组"


def _cat(code: str, name: str, *rules: RuleSpec) -> CategorySpec:
    return CategorySpec(code, name, tuple(rules))


HOUMA_GRID = SchemeTemplate(
    key="houma_grid",
    name="网格员积分",
    title=_(
        "网格员积分（侯马路西街道）：22 类 67 项指标，一月一审核、一季一兑现、一年一总结，按年度排名梯次兑换"
    ),
    subject=Subject.GRID_WORKER,
    description=(
        "网格员积分制管理办法：22 类 67 项积分指标，一人一证、一折一档；一事一记录、一月一审核、一季"
        "一兑现、一年一总结。积分用于兑换商品、优惠、服务，并作为评先表模的重要依据；年度排名越靠前，"
        "兑换权益越多、优惠力度越大。"
    ),
    review_period=PeriodKind.MONTH,
    redeem_period=PeriodKind.QUARTER,
    summary_period=PeriodKind.YEAR,
    council=HOUMA_AUDIT,
    redeem_anytime=False,
    tiers=(TierSpec("一档", 10, 20), TierSpec("二档", 30, 10)),
    categories=(
        _cat(
            "info",
            "信息采集",
            R("info_household", "新采集或更新一户人口信息", 1, evidence=T, cap=60),
            R("info_mobile", "登记外来、返乡流动人员", 2, evidence=T, cap=30),
            R("info_error", "信息采集错漏经核实", -2, evidence=T),
        ),
        _cat(
            "patrol",
            "巡查走访",
            R("patrol_street", "完成一次街面巡查并上传轨迹", 1, evidence=P, cap=30),
            R("visit_home", "入户走访并填写走访记录", 1, evidence=PT, cap=40),
            R("patrol_missed", "应巡未巡、走访记录造假", -5, evidence=T),
        ),
        _cat(
            "dispute",
            "矛盾调解",
            R("dispute_found", "发现并上报矛盾纠纷", 2, evidence=T),
            R("dispute_solved", "成功调解一起矛盾纠纷", 5, 10, evidence=T),
            R("dispute_escalated", "因处置不当致矛盾升级", -10, evidence=T),
        ),
        _cat(
            "hazard",
            "安全隐患",
            R("hazard_found", "排查上报一处安全隐患", 2, evidence=P),
            R("hazard_fixed", "督促整改到位并复查", 3, evidence=P),
            R("hazard_missed", "辖区发生隐患漏报", -10, evidence=T),
        ),
        _cat(
            "policy",
            "政策宣传",
            R("policy_flyer", "入户发放宣传资料或张贴公告", 1, evidence=P, cap=10),
            R("policy_talk", "组织一次屋场会、楼栋宣讲", 3, evidence=P, cap=4),
            R("policy_online", "在网格微信群转发解读政策", 1, evidence=P, cap=8),
        ),
        _cat(
            "epidemic",
            "疫情防控",
            R("epi_screen", "摸排重点人员并登记", 1, evidence=T, cap=30),
            R("epi_duty", "参加卡口值守或核酸检测服务", 3, evidence=P),
            R("epi_missed", "重点人员漏排", -5, evidence=T),
        ),
        _cat(
            "security",
            "平安建设",
            R("sec_patrol", "参加夜间治安巡逻", 2, evidence=P, cap=8),
            R("sec_clue", "提供涉稳、涉黑涉恶线索经查实", 5, 10, evidence=T),
            R("sec_anti_fraud", "开展反诈宣传入户", 1, evidence=P, cap=20),
        ),
        _cat(
            "environment",
            "环境保护",
            R("env_burning", "制止焚烧秸秆、垃圾", 2, evidence=P),
            R("env_pollution", "发现上报违法排污、偷倒渣土", 3, evidence=P),
            R("env_clean", "组织网格内环境卫生整治", 2, evidence=P, cap=4),
        ),
        _cat(
            "civility",
            "文明创建",
            R("civ_activity", "组织文明实践活动", 3, evidence=P, cap=4),
            R("civ_model", "推荐模范居民、星级文明户", 2, evidence=T, cap=2),
            R("civ_uncivil", "劝导不文明行为", 1, evidence=P, cap=10),
        ),
        _cat(
            "demand",
            "诉求办理",
            R("dem_accept", "受理并登记群众诉求", 1, evidence=T, cap=30),
            R("dem_closed", "网格内办结诉求并回访", 2, evidence=T, cap=20),
            R("dem_overdue", "诉求超时未处理或群众不满意", -3, evidence=T),
        ),
        _cat(
            "event",
            "事件上报",
            R("evt_report", "及时上报网格事件", 1, evidence=P, cap=30),
            R("evt_major", "首报重大突发事件", 10, evidence=T),
            R("evt_late", "事件迟报、瞒报", -10, evidence=T),
        ),
        _cat(
            "special",
            "特殊人群服务",
            R("spc_visit", "走访特殊人群（社区矫正、精神障碍等）", 2, evidence=T, cap=10),
            R("spc_help", "协助落实帮扶救助措施", 3, evidence=T, cap=4),
            R("spc_lost", "特殊人群失管失控", -10, evidence=T),
        ),
        _cat(
            "elderly",
            "关爱服务",
            R("eld_visit", "探访独居、空巢老人", 1, evidence=P, cap=20),
            R("eld_service", "为困难群众代办事项", 2, evidence=T, cap=10),
            R("eld_children", "关爱留守儿童活动", 2, evidence=P, cap=4),
        ),
        _cat(
            "petition",
            "信访稳定",
            R("pet_found", "排查上报信访苗头", 3, evidence=T),
            R("pet_resolved", "就地化解信访问题", 5, evidence=T),
            R("pet_leap", "辖区发生越级访、集体访", -10, evidence=T),
        ),
        _cat(
            "fire",
            "消防安全",
            R("fire_check", "检查楼道堆物、飞线充电", 1, evidence=P, cap=20),
            R("fire_drill", "组织消防演练或宣传", 3, evidence=P, cap=2),
            R("fire_accident", "辖区发生火灾且未排查", -10, evidence=T),
        ),
        _cat(
            "food",
            "食品药品安全",
            R("food_check", "巡查餐饮小作坊、流动摊贩", 1, evidence=P, cap=10),
            R("food_report", "上报食品安全隐患", 2, evidence=P),
            R("food_spread", "开展食品药品安全宣传", 1, evidence=P, cap=4),
        ),
        _cat(
            "property",
            "物业小区",
            R("prop_meeting", "参加小区议事、业委会会议", 2, evidence=P, cap=4),
            R("prop_issue", "协调解决小区物业问题", 3, evidence=T),
            R("prop_three", "指导小区长、楼长、单元长开展工作", 2, evidence=T, cap=4),
        ),
        _cat(
            "construction",
            "违建治理",
            R("cons_found", "发现上报违法建设", 3, evidence=P),
            R("cons_stop", "协助制止在建违建", 5, evidence=P),
            R("cons_missed", "辖区新增违建未发现", -10, evidence=T),
        ),
        _cat(
            "party",
            "网格党建",
            R("party_meeting", "参加网格党支部活动", 2, evidence=P, cap=2),
            R("party_member", "联系在职党员到网格报到服务", 2, evidence=T, cap=4),
            R("party_center", "指导党员中心户开展服务", 2, evidence=T, cap=4),
        ),
        _cat(
            "training",
            "学习培训",
            R("trn_attend", "参加网格员业务培训", 2, evidence=P, cap=2),
            R("trn_exam", "业务测试优秀", 5, evidence=T),
            R("trn_absent", "无故缺席培训", -3, evidence=T),
        ),
        _cat(
            "attendance",
            "工作纪律",
            R("att_duty", "按时参加例会和值班", 1, cap=8),
            R("att_app", "按要求使用网格通 App 上报", 1, cap=4),
            R("att_late", "迟到早退、脱岗", -2, evidence=T),
            R("att_complaint", "群众有效投诉", -5, evidence=T),
        ),
        _cat(
            "honor",
            "表彰奖励",
            R("hon_city", "获市级及以上表彰", 20, evidence=T),
            R("hon_street", "获街道表彰或媒体报道", 10, evidence=T),
            R("hon_case", "工作经验被推广为先进案例", 10, evidence=T),
        ),
    ),
)

TEMPLATES: dict[str, SchemeTemplate] = {t.key: t for t in (DAODE_BANK, SHIXING, HOUMA_GRID)}

__all__ = ["TEMPLATES", "CategorySpec", "RuleSpec", "SchemeTemplate", "TierSpec"]
