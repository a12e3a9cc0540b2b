"""Realistic synthetic demand texts per seeded category, for benchmarks, router tests and demos.

Deterministic given the ``random.Random`` passed in. Texts read like what residents and grid
workers type: a place, the problem in everyday words, how long it has lasted, what they want.
"""

from __future__ import annotations

import random

PLACES = [
    "3号楼",
    "5栋2单元",
    "小区东门",
    "菜市场门口",
    "幸福路与人民路交叉口",
    "学校后门",
    "村委会旁边",
    "滨河路",
    "老街",
    "9号楼楼下",
    "公园西侧",
    "农贸市场",
    "二组",
    "创业路",
    "幼儿园门口",
    "卫生院对面",
    "桥头",
    "停车场",
    "广场",
    "12号院",
]
DURATIONS = ["两天了", "三天了", "一个星期了", "好几天了", "半个月了", "从昨天开始", "今天早上", "最近一直"]
ASKS = [
    "请尽快处理。",
    "希望有关部门管一管。",
    "麻烦派人来看看。",
    "居民意见很大。",
    "请网格员帮忙协调。",
    "谢谢！",
    "",
]

# category code → problem phrases ({p} place)
PROBLEMS: dict[str, list[str]] = {
    "E0102": ["{p}垃圾堆了一大堆没人清运", "{p}有人乱扔垃圾，气味很大", "{p}的垃圾没人收，苍蝇很多"],
    "E0201": ["{p}墙上贴满了小广告", "{p}电线杆上全是办证小广告", "有人在{p}乱涂乱画小广告"],
    "E0301": ["{p}工地夜间施工噪音很大睡不着", "{p}施工半夜还在打桩", "{p}装修施工从早吵到晚"],
    "E0402": ["{p}自来水管爆了，水冒了一地", "{p}地下水管破裂漏水", "{p}的水管裂了一直在冒水"],
    "E0409": ["{p}的井盖丢了，很危险", "{p}有个窨井没有井盖", "{p}井盖缺失，晚上容易掉下去"],
    "E0503": ["{p}车辆乱停堵住了消防通道", "有车长期违停在{p}", "{p}机动车乱停放，人都过不去"],
    "P0102": ["{p}的路灯不亮了", "{p}路灯坏了晚上很黑", "{p}一排路灯都不亮，走夜路害怕"],
    "P0201": ["{p}路面有个大坑", "{p}道路破损坑洼不平", "{p}路面塌了一块，电动车容易摔"],
    "D0101": ["楼上邻居每天晚上很吵", "{p}广场舞音响太大声扰民", "邻居家装修噪音扰民"],
    "D0102": ["楼上卫生间漏水渗到我家天花板", "{p}楼上漏水，协商不成", "楼上渗水把墙泡坏了"],
    "D0202": ["{p}电梯又坏了，老人上不去", "{p}电梯困人了", "{p}电梯经常停运"],
    "D0301": ["{p}停水了，也没有通知", "{p}水压太小，楼上没水", "{p}自来水发黄不能喝"],
    "D0401": ["{p}楼道里电动车充电，消防隐患", "{p}消防通道被杂物堵死", "{p}灭火器过期了"],
    "D0601": ["请问社保断缴了怎么补缴", "医保报销需要什么材料", "灵活就业养老保险怎么交"],
    "D0701": ["家里生活困难，想申请低保", "{p}一户老人生活困难需要救助", "低保申请需要什么条件"],
    "D0801": ["{p}独居老人没人照料", "希望给{p}老人提供助餐服务", "{p}的高龄老人需要上门看护"],
    "D0902": ["{p}工地老板拖欠工资", "干了三个月活工资一直没发", "公司欠薪不给，想讨薪"],
}
CODES = sorted(PROBLEMS)


def ticket_text(rng: random.Random, code: str | None = None) -> tuple[str, str, str]:
    """(category code, title, text) for one synthetic ticket."""
    code = code or rng.choice(CODES)
    place = rng.choice(PLACES)
    problem = rng.choice(PROBLEMS[code]).format(p=place)
    text = f"{problem}，{rng.choice(DURATIONS)}。{rng.choice(ASKS)}"
    if rng.random() < 0.3:
        text += f"联系人{rng.choice('张王李赵刘陈杨黄周吴')}先生，住{rng.choice(PLACES)}。"
    title = problem[:20]
    return code, title, text


__all__ = ["CODES", "PLACES", "PROBLEMS", "ticket_text"]
