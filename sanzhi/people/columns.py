"""The household sheet (户籍人口表): one row per resident. Defined once for the template, the import
and the export, so the three can never drift apart."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class Col:
    NUMBER = "户编号"
    NODE = "网格编码"
    ADDRESS = "住址"
    RELATION = "与户主关系"
    NAME = "姓名"
    ID_NUMBER = "身份证号"
    PHONE = "联系电话"
    ETHNICITY = "民族"
    POLITICAL = "政治面貌"
    EDUCATION = "文化程度"
    MARITAL = "婚姻状况"
    OCCUPATION = "职业"
    RESIDENCE = "人口类别"
    REGISTERED_ADDRESS = "户籍地址"
    HOUSEHOLD_TAGS = "户标签"
    RESIDENT_TAGS = "人员标签"
    # Optional, not in the template: groups rows of a household that has no 户编号 yet.
    HEAD_ID = "户主身份证号"


HOUSEHOLD_COLUMNS: tuple[str, ...] = (
    Col.NUMBER,
    Col.NODE,
    Col.ADDRESS,
    Col.RELATION,
    Col.NAME,
    Col.ID_NUMBER,
    Col.PHONE,
    Col.ETHNICITY,
    Col.POLITICAL,
    Col.EDUCATION,
    Col.MARITAL,
    Col.OCCUPATION,
    Col.RESIDENCE,
    Col.REGISTERED_ADDRESS,
    Col.HOUSEHOLD_TAGS,
    Col.RESIDENT_TAGS,
)

# Headers a file must have. 网格编码 may be left out only when importing into a node that can hold
# households itself (``--into`` a community/village or grid): then every household goes there.
REQUIRED_COLUMNS: tuple[str, ...] = (Col.ADDRESS, Col.RELATION, Col.NAME, Col.ID_NUMBER)
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(
    c for c in (*HOUSEHOLD_COLUMNS, Col.HEAD_ID) if c not in REQUIRED_COLUMNS and c != Col.NODE
)

# Cell comments in the template (why each column is the way it is).
COLUMN_NOTES = {
    Col.NUMBER: _("同一户的成员填相同的户编号，且各行须相邻；不填时按“户主身份证号”列分户"),
    Col.NODE: _("户所在网格（微网格）的编码，必须是已建立的社区/村或网格；同户只在第一行填写即可"),
    Col.ADDRESS: _("户的住址；同户只在第一行填写即可"),
    Col.RELATION: _("户主、配偶、子、女、父母……；每户有且只有一名户主"),
    Col.NAME: _("必填"),
    Col.ID_NUMBER: _("18 位身份证号或港澳台居民居住证、外国人永久居留身份证号码；本列须为文本格式"),
    Col.PHONE: _("手机或固定电话；本列为文本格式"),
    Col.ETHNICITY: _("如 汉族、回族；不填为汉族"),
    Col.POLITICAL: _("如 中共党员、共青团员、群众；不填为群众"),
    Col.EDUCATION: _("见“可选值”工作表"),
    Col.MARITAL: _("见“可选值”工作表"),
    Col.OCCUPATION: _("可不填"),
    Col.RESIDENCE: _("户籍人口、流动人口或境外人员；不填为户籍人口"),
    Col.REGISTERED_ADDRESS: _("可不填"),
    Col.HOUSEHOLD_TAGS: _("多个标签用顿号（、）或逗号分隔；同户只在第一行填写即可"),
    Col.RESIDENT_TAGS: _("多个标签用顿号（、）或逗号分隔"),
}
