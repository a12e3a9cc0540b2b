"""Code tables used by the registry, after the national standards GB/T 31000-2015 points to.

Stored values are the standard's codes; imports accept the code or the Chinese name.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HK_MACAU_PERMIT = "hk_macau_permit", _("港澳居民居住证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民居住证")
    FOREIGNER_PR = "foreigner_pr", _("外国人永久居留身份证")


class Relation(models.TextChoices):
    """与户主关系 (GB/T 4761-2008 家庭关系代码, the codes a household register uses)."""

    HEAD = "02", _("户主")
    SPOUSE = "10", _("配偶")
    SON = "20", _("子")
    # Same Chinese as Sex.FEMALE ("女"); the context keeps "Daughter" and "Female" apart in English.
    DAUGHTER = "30", pgettext_lazy("relation to head of household", "女")
    GRANDCHILD = "40", _("孙子女")
    PARENT = "50", _("父母")
    GRANDPARENT = "60", _("祖父母")
    SIBLING = "70", _("兄弟姐妹")
    OTHER_RELATIVE = "80", _("其他亲属")
    NON_RELATIVE = "99", _("非亲属")


class PoliticalStatus(models.TextChoices):
    """政治面貌 (GB/T 4762-1984)."""

    CPC_MEMBER = "01", _("中共党员")
    CPC_PROBATIONARY = "02", _("中共预备党员")
    CYL_MEMBER = "03", _("共青团员")
    RCCK = "04", _("民革党员")
    CDL = "05", _("民盟盟员")
    CNDCA = "06", _("民建会员")
    CAPD = "07", _("民进会员")
    CPWDP = "08", _("农工党党员")
    CZGP = "09", _("致公党党员")
    JIUSAN = "10", _("九三学社社员")
    TDSGL = "11", _("台盟盟员")
    NON_PARTY = "12", _("无党派人士")
    MASSES = "13", _("群众")


PARTY_MEMBER_STATUSES = (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)


class Education(models.TextChoices):
    """文化程度 (GB/T 4658-2006, first level)."""

    POSTGRADUATE = "10", _("研究生")
    BACHELOR = "20", _("大学本科")
    COLLEGE = "30", _("大学专科")
    SECONDARY_VOCATIONAL = "40", _("中等职业教育")
    HIGH_SCHOOL = "60", _("普通高级中学")
    JUNIOR_HIGH = "70", _("初级中学")
    PRIMARY = "80", _("小学")
    OTHER = "90", _("其他")


class MaritalStatus(models.TextChoices):
    """婚姻状况 (GB/T 2261.2-2003)."""

    UNMARRIED = "10", _("未婚")
    MARRIED = "20", _("已婚")
    WIDOWED = "30", _("丧偶")
    DIVORCED = "40", _("离婚")
    UNSPECIFIED = "90", _("未说明")


class ResidenceType(models.TextChoices):
    """人口类别 (GB/T 31000-2015: 户籍人口/流动人口/境外人员)."""

    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    FOREIGN = "foreign", _("境外人员")


class HouseholdKind(models.TextChoices):
    FAMILY = "family", _("家庭户")
    COLLECTIVE = "collective", _("集体户")


_ETHNIC_NAMES = (
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
)
# 民族 (GB/T 3304-1991): 01 汉族 … 56 基诺族, 97 其他, 98 外国血统中国籍人士.
ETHNICITIES: dict[str, str] = {f"{i:02d}": name for i, name in enumerate(_ETHNIC_NAMES, start=1)}
ETHNICITIES.update({"97": "其他", "98": "外国血统中国籍人士"})
ETHNICITY_CHOICES = list(ETHNICITIES.items())


def lookup(choices: type[models.TextChoices] | dict[str, str], text: str) -> str | None:
    """The stored code for ``text``, given as the code itself or its Chinese name (or 汉 for 汉族)."""
    text = text.strip()
    items = choices.items() if isinstance(choices, dict) else [(c.value, str(c.label)) for c in choices]
    for code, label in items:
        if text in (code, label) or (label.endswith("族") and text + "族" == label):
            return code
    return None
