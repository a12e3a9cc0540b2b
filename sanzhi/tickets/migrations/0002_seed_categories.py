"""The default category tree: GB/T 30428.2 事件/部件 classes and the community demand classes.

Frozen here (a migration must not change with the code); an installation edits its own tree in the
console (诉求分类) or with `sanzhi categories import FILE.xlsx`. Time limits are working hours per
level (grid, community, street, department), set on the top classes and inherited by their
subclasses. Departments are per-jurisdiction data: no category gets one here.

Codes: E = 事件 (events), P = 部件 (public facilities), D = 社区诉求 (community demands); two digits
for the top class, two more for the subclass, after the GB/T 30428.2 numbering where it has one.
"""

from decimal import Decimal

from django.db import migrations

# (response, resolve) working hours at grid, community, street, department.
STANDARD = ((2, 16), (4, 24), (8, 40), (8, 80))
QUICK = ((2, 8), (4, 16), (8, 24), (8, 40))  # small street-scene things: cleared the same day
URGENT = ((Decimal("0.5"), 2), (Decimal("0.5"), 4), (1, 8), (2, 16))  # 突发事件: hours, not days
FACILITY = ((2, 16), (4, 24), (8, 40), (8, 120))  # repairs wait on the asset's owner
DISPUTE = ((4, 24), (8, 40), (8, 80), (16, 120))  # mediation takes meetings
CONSULT = ((2, 8), (4, 16), (4, 16), (8, 24))  # an answer, not a repair
CARE = ((2, 16), (4, 40), (8, 80), (8, 80))  # assistance: applications and visits
LEVELS = ("grid", "community", "street", "department")

# code, name, English name, grid may close, keywords (space separated)
Sub = tuple[str, str, str, bool, str]

TREE: list[tuple[str, str, str, str, tuple, bool, list[Sub]]] = [
    # ---------------------------------------------------------------- 事件 (GB/T 30428.2)
    ("E01", "市容环境", "City appearance and environment", "event", QUICK, False, [
        ("E0101", "私搭乱建", "Unauthorised structures", False, "私搭乱建 违章搭建 违建 搭棚 加盖 违法建设"),
        ("E0102", "暴露垃圾", "Exposed rubbish", True, "垃圾 暴露垃圾 乱扔 垃圾堆 清运"),
        ("E0103", "积存垃圾渣土", "Accumulated rubbish and spoil", True, "渣土 建筑垃圾 积存 堆积 装修垃圾"),
        ("E0104", "道路不洁", "Dirty road", True, "路面脏 不洁 清扫 污渍 油污 路面垃圾"),
        ("E0105", "水域不洁", "Polluted water surface", False, "河道 水面 漂浮物 河沟 池塘 发臭"),
        ("E0106", "绿地脏乱", "Littered green space", True, "绿地 草坪 脏乱 绿化带垃圾"),
        ("E0107", "废弃家具设备", "Abandoned furniture and equipment", True, "废弃 旧家具 沙发 床垫 废旧"),
        ("E0108", "焚烧垃圾树叶", "Burning rubbish or leaves", False, "焚烧 烧垃圾 烧树叶 冒烟 露天焚烧 秸秆"),
        ("E0109", "油烟污染", "Cooking fume pollution", False, "油烟 餐馆 饭店 排烟 熏"),
        ("E0110", "动物尸体", "Animal carcass", True, "死猫 死狗 尸体 动物尸体 死老鼠"),
    ]),
    ("E02", "宣传广告", "Advertising and posters", "event", QUICK, False, [
        ("E0201", "非法小广告", "Illegal small adverts", True, "小广告 牛皮癣 张贴 涂写 喷涂 办证"),
        ("E0202", "违章张贴悬挂", "Unauthorised posters and banners", True, "横幅 条幅 悬挂 张贴 标语"),
        ("E0203", "占道广告牌", "Advertising boards on the road", False, "广告牌 占道 灯箱 展板"),
        ("E0204", "街头散发广告", "Street leafleting", True, "发传单 散发 传单 派发"),
        ("E0205", "广告招牌破损", "Damaged shop sign", False, "招牌 破损 店招 脱落 门头"),
    ]),
    ("E03", "施工管理", "Construction management", "event", STANDARD, False, [
        ("E0301", "施工扰民", "Construction noise", False, "施工 夜间施工 噪音 扰民 打桩 装修噪音"),
        ("E0302", "工地扬尘", "Construction dust", False, "扬尘 灰尘 工地 粉尘 未覆盖"),
        ("E0303", "道路遗撒", "Spillage from vehicles", False, "遗撒 洒落 渣土车 泥土 抛洒"),
        ("E0304", "施工占道", "Construction blocking the road", False, "占道施工 围挡 施工占道 挡路"),
        ("E0305", "违规开挖道路", "Unauthorised road excavation", False, "开挖 挖路 破路 私自开挖"),
    ]),
    ("E04", "突发事件", "Emergencies", "event", URGENT, False, [
        ("E0401", "路面塌陷", "Road collapse", False, "塌陷 塌方 地陷 下沉 坍塌"),
        ("E0402", "自来水管破裂", "Burst water main", False, "爆管 水管破裂 漏水 冒水 自来水管"),
        ("E0403", "燃气泄漏", "Gas leak", False, "燃气 煤气 泄漏 漏气 天然气 气味刺鼻"),
        ("E0404", "下水道堵塞", "Blocked or broken sewer", False, "下水道 堵塞 污水外溢 化粪池 冒污水 管道堵"),
        ("E0405", "供电线路故障", "Power line fault", False, "电线 断线 电线杆 线路 漏电 打火"),
        ("E0406", "道路积水", "Flooded road", False, "积水 内涝 淹水 排水不畅 暴雨"),
        ("E0407", "道路积雪结冰", "Snow and ice on the road", False, "积雪 结冰 路滑 冰冻"),
        ("E0408", "火情", "Fire", False, "着火 火灾 起火 冒烟 火情"),
        ("E0409", "井盖缺失", "Missing manhole cover", False, "井盖丢失 井盖缺失 没有井盖 窨井 井口"),
    ]),
    ("E05", "街面秩序", "Street order", "event", QUICK, False, [
        ("E0501", "无照经营游商", "Unlicensed street vending", True, "游商 摊贩 无照经营 流动摊点 摆摊"),
        ("E0502", "店外经营", "Trading outside the shop", True, "店外经营 出店经营 占道经营 门前堆放"),
        ("E0503", "机动车乱停放", "Illegally parked cars", False, "乱停 乱停车 违停 占用消防通道 堵路 车辆乱停"),
        ("E0504", "非机动车乱停放", "Badly parked bicycles", True, "电动车 自行车 共享单车 乱停放 充电"),
        ("E0505", "露天烧烤", "Open-air barbecue", True, "烧烤 夜市 露天 烟熏"),
        ("E0506", "占道堆物", "Goods piled on the road", True, "堆物 堆放 占道 杂物 乱堆"),
        ("E0507", "流浪乞讨", "Homeless or begging", False, "流浪 乞讨 流浪汉 露宿"),
    ]),
    # ---------------------------------------------------------------- 部件 (GB/T 30428.2)
    ("P01", "公用设施", "Public utilities", "part", FACILITY, False, [
        ("P0101", "井盖", "Manhole cover", False, "井盖 破损 松动 响动 雨水井 污水井"),
        ("P0102", "路灯", "Street light", False, "路灯 不亮 灯坏 照明 黑灯"),
        ("P0103", "消防栓", "Fire hydrant", False, "消防栓 消火栓 损坏"),
        ("P0104", "通信电力设施", "Telecom and power boxes", False, "电箱 配电箱 光缆 通信 弱电 线缆"),
        ("P0105", "供水供气管线", "Water and gas pipes", False, "管线 阀门 水表 气表 管道"),
    ]),
    ("P02", "道路交通", "Roads and traffic", "part", FACILITY, False, [
        ("P0201", "道路破损", "Damaged road", False, "路面 坑洼 破损 坑 裂缝 坑槽"),
        ("P0202", "人行道破损", "Damaged pavement", False, "人行道 地砖 盲道 松动 翘起"),
        ("P0203", "交通标志信号", "Traffic signs and lights", False, "红绿灯 信号灯 标志牌 标线 斑马线"),
        ("P0204", "护栏隔离设施", "Guard rails", False, "护栏 隔离栏 栏杆 倒伏 撞坏"),
        ("P0205", "公交站亭", "Bus shelter", False, "公交站 站台 站亭 候车亭"),
        ("P0206", "停车设施", "Parking facilities", False, "停车场 停车位 地锁 车位"),
    ]),
    ("P03", "市容环境设施", "Sanitation facilities", "part", FACILITY, False, [
        ("P0301", "公共厕所", "Public toilet", False, "公厕 厕所 卫生间 冲水"),
        ("P0302", "垃圾箱桶", "Rubbish bins", True, "垃圾桶 垃圾箱 果皮箱 分类桶 满溢"),
        ("P0303", "垃圾收集站", "Waste collection point", False, "垃圾站 转运站 收集点 垃圾房"),
    ]),
    ("P04", "园林绿化", "Parks and greenery", "part", FACILITY, False, [
        ("P0401", "行道树", "Street trees", False, "树木 倒伏 枯树 树枝 修剪 断枝"),
        ("P0402", "绿地花坛", "Lawns and flower beds", False, "绿地 花坛 草坪 毁绿 踩踏"),
        ("P0403", "古树名木", "Old and notable trees", False, "古树 名木 保护"),
    ]),
    ("P05", "房屋土地", "Buildings and land", "part", STANDARD, False, [
        ("P0501", "危房", "Unsafe building", False, "危房 裂缝 墙体 倒塌 危险房屋"),
        ("P0502", "空置房屋", "Vacant building", False, "空置 闲置 空房 废弃房屋"),
        ("P0503", "宣传栏", "Notice board", False, "宣传栏 公示栏 公告栏"),
    ]),
    ("P06", "其他设施", "Other facilities", "part", FACILITY, False, [
        ("P0601", "健身设施", "Fitness equipment", False, "健身器材 健身 运动器材 损坏"),
        ("P0602", "监控设施", "Surveillance cameras", False, "监控 摄像头 探头 天网"),
        ("P0603", "河道堤防", "River banks", False, "河堤 堤坝 护坡 围栏 防洪"),
    ]),
    # ---------------------------------------------------------------- 社区诉求
    ("D01", "邻里纠纷", "Neighbour disputes", "demand", DISPUTE, False, [
        ("D0101", "噪音扰民", "Noise from neighbours", True, "噪音 吵闹 扰民 广场舞 装修 楼上"),
        ("D0102", "漏水渗水", "Leaks between flats", False, "漏水 渗水 楼上漏水 天花板 水渍"),
        ("D0103", "宠物饲养", "Pets", True, "宠物 养狗 狗叫 遛狗 狗屎 咬人"),
        ("D0104", "公共空间占用", "Occupied common areas", True, "楼道 堆放 占用 过道 杂物 飞线充电"),
        ("D0105", "相邻关系", "Boundaries and rights of way", False, "边界 宅基地 通行 相邻 排水 采光"),
        ("D0106", "婚姻家庭", "Family disputes", False, "家庭 婚姻 赡养 抚养 夫妻 吵架 家暴"),
    ]),
    ("D02", "物业服务", "Property management", "demand", STANDARD, False, [
        ("D0201", "物业管理服务", "Property management service", False, "物业 保安 保洁 服务态度 不作为"),
        ("D0202", "电梯故障", "Lift fault", False, "电梯 困人 停运 故障 维保"),
        ("D0203", "小区停车", "Parking in the compound", False, "小区停车 车位 停车费 门禁 道闸"),
        ("D0204", "物业收费", "Property fees", False, "物业费 收费 维修基金 公摊"),
        ("D0205", "小区公共设施维修", "Compound repairs", False, "单元门 楼道灯 外墙 屋顶 防水 维修"),
    ]),
    ("D03", "供水供电供气", "Water, power and gas supply", "demand", STANDARD, False, [
        ("D0301", "停水水压", "Water outage or low pressure", False, "停水 水压 水小 没水 水质 黄水"),
        ("D0302", "停电电路", "Power outage", False, "停电 跳闸 电压 断电 电表"),
        ("D0303", "燃气供应", "Gas supply", False, "燃气 天然气 开户 通气 燃气表"),
        ("D0304", "供暖", "Heating", False, "暖气 供暖 不热 温度低"),
    ]),
    ("D04", "治安隐患", "Public safety hazards", "demand", STANDARD, False, [
        ("D0401", "消防隐患", "Fire hazard", False, "消防 隐患 消防通道 灭火器 电动车进楼"),
        ("D0402", "治安问题", "Public order", False, "偷盗 盗窃 打架 可疑 治安 小偷"),
        ("D0403", "防诈骗", "Fraud", False, "诈骗 骗子 电信诈骗 传销 非法集资"),
        ("D0404", "安全隐患", "Safety hazard", False, "高空抛物 坠落 安全隐患 危险 松动"),
    ]),
    ("D05", "环境卫生", "Sanitation", "demand", QUICK, False, [
        ("D0501", "生活垃圾", "Household waste", True, "生活垃圾 垃圾分类 没人清运 垃圾 臭"),
        ("D0502", "污水排放", "Sewage", False, "污水 排污 臭水沟 化粪池 排放"),
        ("D0503", "异味污染", "Odours", False, "异味 臭味 气味 养殖 臭气"),
        ("D0504", "病媒生物", "Pests", True, "老鼠 蚊子 苍蝇 蟑螂 消杀"),
    ]),
    ("D06", "政策咨询", "Policy enquiries", "demand", CONSULT, True, [
        ("D0601", "社保医保咨询", "Social and medical insurance", True, "社保 医保 缴费 报销 养老保险 咨询"),
        ("D0602", "户籍证件咨询", "Residence registration and documents", True, "户口 身份证 居住证 迁户 证明 办理"),
        ("D0603", "住房政策咨询", "Housing policy", True, "住房 公租房 廉租房 拆迁 补偿 房产证"),
        ("D0604", "惠民补贴咨询", "Subsidies", True, "补贴 补助 惠民 申请条件 怎么申请"),
        ("D0605", "其他咨询", "Other enquiries", True, "咨询 请问 怎么办 政策 在哪里办"),
    ]),
    ("D07", "帮扶救助", "Assistance", "demand", CARE, False, [
        ("D0701", "低保救助", "Minimum living allowance", False, "低保 困难 救助 特困 生活困难"),
        ("D0702", "残疾人帮扶", "Disability support", False, "残疾 残疾人 轮椅 残疾证 无障碍"),
        ("D0703", "留守儿童关爱", "Children left behind", False, "留守儿童 孩子 上学 监护 辍学"),
        ("D0704", "临时救助", "Emergency relief", False, "临时救助 大病 突发困难 受灾 急难"),
    ]),
    ("D08", "养老服务", "Elderly care", "demand", CARE, False, [
        ("D0801", "居家养老", "Home care", False, "独居老人 老人 照料 上门 看护"),
        ("D0802", "高龄补贴", "Old-age allowance", False, "高龄补贴 高龄津贴 老年证 养老金"),
        ("D0803", "助餐助医", "Meals and medical help", False, "助餐 老年食堂 送餐 就医 陪诊"),
    ]),
    ("D09", "就业社保", "Jobs and social security", "demand", STANDARD, False, [
        ("D0901", "就业求职", "Job seeking", False, "就业 找工作 招聘 失业 岗位"),
        ("D0902", "劳资纠纷", "Unpaid wages", False, "欠薪 拖欠工资 工资 劳动合同 讨薪"),
        ("D0903", "技能培训", "Skills training", False, "培训 技能 职业培训 学技术"),
    ]),
    ("D10", "其他诉求", "Other demands", "demand", STANDARD, False, [
        ("D1001", "意见建议", "Suggestions", False, "建议 意见 希望 增设 改进"),
        ("D1002", "表扬感谢", "Praise and thanks", True, "表扬 感谢 点赞 锦旗"),
    ]),
]


def seed(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    CategoryLimit = apps.get_model("tickets", "CategoryLimit")
    for top_sort, (code, name, name_en, kind, limits, consult, subs) in enumerate(TREE, start=1):
        # An installation that already has a category with this code keeps its own.
        top, created = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "is_consultation": consult,
                "grid_may_close": consult,
                "sort": top_sort * 100,
            },
        )
        if created:
            for level, (response, resolve) in zip(LEVELS, limits, strict=True):
                CategoryLimit.objects.create(
                    category=top, level=level, response_hours=Decimal(response), resolve_hours=Decimal(resolve)
                )
        for sub_sort, (sub_code, sub_name, sub_en, grid_may_close, keywords) in enumerate(subs, start=1):
            Category.objects.get_or_create(
                code=sub_code,
                defaults={
                    "name": sub_name,
                    "name_en": sub_en,
                    "parent": top,
                    "kind": kind,
                    "grid_may_close": grid_may_close,
                    "is_consultation": consult,
                    "keywords": keywords,
                    "sort": top_sort * 100 + sub_sort,
                },
            )


def unseed(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    codes = [code for code, *_rest in TREE] + [sub[0] for *_head, subs in TREE for sub in subs]
    used = set(apps.get_model("tickets", "Ticket").objects.values_list("category__code", flat=True))
    # Children first (PROTECT); categories that tickets use stay.
    Category.objects.filter(code__in=codes, parent__isnull=False).exclude(code__in=used).delete()
    Category.objects.filter(code__in=codes, parent__isnull=True, children__isnull=True).exclude(
        code__in=used
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_tickets")]

    operations = [migrations.RunPython(seed, unseed)]
