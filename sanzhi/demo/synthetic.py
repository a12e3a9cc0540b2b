"""Deterministic synthetic registry data: names, valid ID numbers, phones, addresses, households.

Everything comes from one seeded ``random.Random``, so the same seed and reference date give the same
town. Residents are written through ``sanzhi.people.bulk.RegistryWriter`` (COPY on PostgreSQL), which
keeps the per-node rollup counters.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sanzhi.people.codes import Education, MaritalStatus, PoliticalStatus, Relation
from sanzhi.people.idnumber import make_id_number

T = TypeVar("T")

# The most common surnames with rough relative frequencies (per mille of the population).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72),
    ("李", 71),
    ("张", 68),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 21),
    ("吴", 20),
    ("周", 19),
    ("徐", 16),
    ("孙", 15),
    ("马", 14),
    ("朱", 13),
    ("胡", 12),
    ("郭", 12),
    ("何", 11),
    ("高", 11),
    ("林", 11),
    ("罗", 10),
    ("郑", 10),
    ("梁", 9),
    ("谢", 8),
    ("宋", 8),
    ("唐", 8),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 6),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 6),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 5),
    ("叶", 4),
    ("程", 4),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 3),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 2),
    ("覃", 1),
    ("武", 1),
    ("戴", 1),
    ("莫", 1),
    ("孔", 1),
    ("向", 1),
    ("汤", 1),
    ("欧阳", 1),
    ("司马", 1),
)
GIVEN_MALE = "伟强磊军勇杰涛斌明超刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国志文德兴福贵荣成才"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲燕萍红梅琳雪婷颖倩洁琴云莲丹璐怡欣悦佳慧兰凤桂珍淑"
GIVEN_ANY = "子晨思雨一嘉诗梓若可安博家佳明春秋晓小永海金玉新天红"
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
# Minority ethnicities seen in Sichuan (彝, 藏, 羌, 回, 土家, 苗), GB/T 3304 codes.
MINORITY_CODES = ("07", "04", "33", "03", "15", "06")
# Resident tags by code (seeded in people 0002): plain ones, and the sensitive ones (rare).
PLAIN_RESIDENT_TAGS = ("canji", "tuiyi-junren")
SENSITIVE_RESIDENT_TAGS = ("shequ-jiaozheng", "jingshen-zhangai", "xidu", "xingman-shifang")
OCCUPATIONS_URBAN = ("个体经营", "企业职工", "教师", "医护人员", "公务员", "快递员", "自由职业", "退休")
OCCUPATIONS_RURAL = ("务农", "外出务工", "个体经营", "养殖", "乡村教师", "村医", "退休")
# Household sizes 1–6 and their shares: mean ≈ 2.7 persons (2020 census: 2.62).
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_SIZE_WEIGHTS = (22, 26, 25, 16, 8, 3)
# An affine map over 10^8 with a multiplier coprime to 10 turns a counter into scattered subscriber
# numbers that never repeat; fixed (not seeded) so runs continuing from an offset never collide.
_PHONE_MULTIPLIER = 48_271_637
_PHONE_SHIFT = 31_415_926


@dataclass
class Person:
    name: str
    sex: str
    birth: dt.date
    relation: str
    phone: str = ""
    id_number: str = ""
    political_status: str = PoliticalStatus.MASSES
    education: str = ""
    marital_status: str = ""
    occupation: str = ""
    ethnicity: str = "01"
    tags: list[str] = field(default_factory=list)


@dataclass
class WriteTotals:
    households: int = 0
    residents: int = 0
    party_members: int = 0


class IdAllocator:
    """Unique ID numbers for one region: a counter per (birth date, sex) over the 3-digit order code.

    The order code's parity is the sex (odd male, even female), so each date has 500 numbers per
    sex; a full date moves the birth one day on. ``taken`` seeds the counters from existing rows.
    """

    def __init__(self, region: str, taken: Iterable[str] = ()) -> None:
        self.region = region
        self._next: dict[tuple[dt.date, str], int] = {}
        for number in taken:
            if not number.startswith(region) or len(number) != 18:
                continue
            try:
                birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            except ValueError:
                continue
            order = int(number[14:17])
            key = (birth, "M" if order % 2 else "F")
            self._next[key] = max(self._next.get(key, 0), order // 2 + 1)

    def allocate(self, birth: dt.date, sex: str) -> tuple[str, dt.date]:
        while True:
            used = self._next.get((birth, sex), 0)
            if used < 500:
                self._next[(birth, sex)] = used + 1
                order = used * 2 + (1 if sex == "M" else 0)
                return make_id_number(self.region, birth, order), birth
            birth += dt.timedelta(days=1)


class Synth:
    """One seeded source of synthetic people. ``region`` is the county's 6-digit division code."""

    def __init__(
        self,
        *,
        seed: int,
        region: str,
        today: dt.date,
        tag_ids: dict[str, int],
        taken_ids: Iterable[str] = (),
        phone_offset: int = 0,
    ) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.tag_ids = tag_ids
        self.ids = IdAllocator(region, taken_ids)
        self._surnames = [s for s, _w in SURNAMES]
        self._surname_cum = list(_cumulative(w for _s, w in SURNAMES))
        self._phone_index = phone_offset

    # --- single values -------------------------------------------------------------------------
    def surname(self) -> str:
        return _pick(self.rng, self._surnames, self._surname_cum)

    def given_name(self, sex: str) -> str:
        pool = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
        first = self.rng.choice(pool if self.rng.random() < 0.7 else GIVEN_ANY)
        if self.rng.random() < 0.3:
            return first
        return first + self.rng.choice(pool)

    def name(self, sex: str, surname: str | None = None) -> str:
        return (surname or self.surname()) + self.given_name(sex)

    def phone(self) -> str:
        """A mainland mobile in E.164, unique for this generator (and across runs given the offset)."""
        index = self._phone_index
        self._phone_index += 1
        prefix = MOBILE_PREFIXES[(index // 10**8) % len(MOBILE_PREFIXES)]
        subscriber = (index * _PHONE_MULTIPLIER + _PHONE_SHIFT) % 10**8
        return f"+86{prefix}{subscriber:08d}"

    def birth_for_age(self, age: int) -> dt.date:
        age = max(0, min(age, 104))
        latest = (
            self.today.replace(year=self.today.year - age)
            if not _is_leap_day(self.today)
            else (self.today - dt.timedelta(days=1)).replace(year=self.today.year - age)
        )
        return latest - dt.timedelta(days=self.rng.randrange(365))

    def age_of(self, birth: dt.date) -> int:
        return self.today.year - birth.year - ((self.today.month, self.today.day) < (birth.month, birth.day))

    # --- households ----------------------------------------------------------------------------
    def household(self, *, rural: bool) -> list[Person]:
        """Members of one household, head first, with ages that fit their relations."""
        size = _pick(self.rng, HOUSEHOLD_SIZES, _SIZE_CUM)
        head_sex = "M" if self.rng.random() < 0.72 else "F"
        head_age = self.rng.randint(25, 85) if size > 1 else self.rng.randint(22, 92)
        surname = self.surname()
        people = [self._person(Relation.HEAD, head_sex, head_age, surname=surname)]
        slots = size - 1
        if slots and head_age >= 23 and self.rng.random() < 0.85:
            spouse_sex = "F" if head_sex == "M" else "M"
            people.append(self._person(Relation.SPOUSE, spouse_sex, head_age + self.rng.randint(-5, 5)))
            slots -= 1
        if slots and head_age <= 60 and self.rng.random() < 0.35:
            parent_age = head_age + self.rng.randint(22, 32)
            if parent_age <= 98:
                people.append(self._person(Relation.PARENT, self.rng.choice("MF"), parent_age))
                slots -= 1
        while slots > 0:
            sex = self.rng.choice("MF")
            child_age = head_age - self.rng.randint(22, 36)
            if child_age >= 0:
                relation = Relation.SON if sex == "M" else Relation.DAUGHTER
                people.append(self._person(relation, sex, child_age, surname=surname))
            elif head_age >= 50:
                people.append(
                    self._person(Relation.GRANDCHILD, sex, self.rng.randint(0, 12), surname=surname)
                )
            else:
                people.append(
                    self._person(Relation.SIBLING, sex, head_age + self.rng.randint(-8, 8), surname=surname)
                )
            slots -= 1
        self._finish(people, rural=rural)
        return people

    def _person(self, relation: str, sex: str, age: int, *, surname: str | None = None) -> Person:
        birth = self.birth_for_age(max(age, 0))
        id_number, birth = self.ids.allocate(birth, sex)
        return Person(
            name=self.name(sex, surname), sex=sex, birth=birth, relation=relation, id_number=id_number
        )

    def _finish(self, people: list[Person], *, rural: bool) -> None:
        rng = self.rng
        minority = rng.random() < 0.04
        ethnicity = rng.choice(MINORITY_CODES) if minority else "01"
        adults_away = rural and rng.random() < 0.25  # working elsewhere: children left behind
        for person in people:
            age = self.age_of(person.birth)
            person.ethnicity = ethnicity
            if age >= 16 and rng.random() < 0.93:
                person.phone = self.phone()
            person.education = _education(rng, age, rural)
            person.marital_status = _marital(rng, age, person.relation)
            if age >= 18 and rng.random() < 0.1:
                person.political_status = (
                    PoliticalStatus.CPC_PROBATIONARY if rng.random() < 0.05 else PoliticalStatus.CPC_MEMBER
                )
            elif 14 <= age <= 28 and rng.random() < 0.3:
                person.political_status = PoliticalStatus.CYL_MEMBER
            if age >= 60:
                person.occupation = "退休" if not rural else rng.choice(("务农", "退休"))
            elif age >= 18:
                person.occupation = rng.choice(OCCUPATIONS_RURAL if rural else OCCUPATIONS_URBAN)
            elif age >= 6:
                person.occupation = "学生"
            if age >= 80:
                person.tags.append("gaoling")
            if age >= 65 and len(people) == 1:
                person.tags.append("duju-laoren")
            if rng.random() < 0.02:
                person.tags.append(rng.choice(PLAIN_RESIDENT_TAGS))
            if rng.random() < 0.003:
                person.tags.append(rng.choice(SENSITIVE_RESIDENT_TAGS))
            if adults_away and age < 16 and person.relation == Relation.GRANDCHILD:
                person.tags.append("liushou-ertong")

    def household_tags(self, people: list[Person]) -> list[str]:
        tags = []
        if self.rng.random() < 0.035:
            tags.append("dibao")
        if self.rng.random() < 0.01:
            tags.append("junshu")
        if all(self.age_of(p.birth) >= 60 for p in people) and len(people) <= 2:
            tags.append("kongchao")
        return tags

    def tag_ids_for(self, codes: Iterable[str]) -> tuple[int, ...]:
        return tuple(self.tag_ids[c] for c in codes if c in self.tag_ids)

    # --- writing ---------------------------------------------------------------------------------
    def write_household(
        self,
        writer: object,
        *,
        node_id: int,
        node_path: str,
        address: str,
        rural: bool,
        party_org_id: int | None,
        totals: WriteTotals,
        registered_address: str = "",
    ) -> int:
        people = self.household(rural=rural)
        household_id: int = writer.add_household(  # type: ignore[attr-defined]
            node_id=node_id,
            node_path=node_path,
            address=address,
            tag_ids=self.tag_ids_for(self.household_tags(people)),
        )
        for p in people:
            party = p.political_status in (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)
            writer.add_resident(  # type: ignore[attr-defined]
                household_id=household_id,
                node_path=node_path,
                name=p.name,
                id_type="resident_id",
                id_number=p.id_number,
                sex=p.sex,
                birth_date=p.birth,
                phone=p.phone,
                relation=p.relation,
                ethnicity=p.ethnicity,
                political_status=p.political_status,
                party_org_id=party_org_id if party else None,
                education=p.education,
                marital_status=p.marital_status,
                occupation=p.occupation,
                registered_address=registered_address or address,
                tag_ids=self.tag_ids_for(p.tags),
            )
            totals.party_members += party
        totals.households += 1
        totals.residents += len(people)
        return household_id


def urban_address(community: str, building: int, unit: int, floor: int, room: int) -> str:
    return f"{community}{building}栋{unit}单元{floor}{room:02d}室"


def rural_address(village: str, group: int, number: int) -> str:
    return f"{village}{group}组{number}号"


def _cumulative(weights: Iterable[int]) -> Iterable[int]:
    total = 0
    for w in weights:
        total += w
        yield total


def _is_leap_day(day: dt.date) -> bool:
    return day.month == 2 and day.day == 29


def _table(*pairs: tuple[str, int]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """(values, cumulative weights) for ``_pick``."""
    return tuple(v for v, _w in pairs), tuple(_cumulative(w for _v, w in pairs))


def _pick(rng: random.Random, values: Sequence[T], cum: Sequence[int]) -> T:
    # random.choices() rebuilds its arguments on every call; this is the hot path of 1M households.
    return values[bisect(cum, rng.random() * cum[-1])]


# 文化程度 of adults by age band and place.
_EDUCATION_ELDERLY = _table(
    (Education.PRIMARY, 5), (Education.JUNIOR_HIGH, 3), (Education.HIGH_SCHOOL, 1), (Education.OTHER, 2)
)
_EDUCATION_RURAL = _table(
    (Education.PRIMARY, 3),
    (Education.JUNIOR_HIGH, 6),
    (Education.HIGH_SCHOOL, 3),
    (Education.COLLEGE, 2),
    (Education.BACHELOR, 1),
)
_EDUCATION_URBAN = _table(
    (Education.JUNIOR_HIGH, 3),
    (Education.HIGH_SCHOOL, 4),
    (Education.COLLEGE, 3),
    (Education.BACHELOR, 3),
    (Education.POSTGRADUATE, 1),
)
_MARITAL_ADULT = _table(
    (MaritalStatus.MARRIED, 80),
    (MaritalStatus.UNMARRIED, 8),
    (MaritalStatus.DIVORCED, 8),
    (MaritalStatus.WIDOWED, 4),
)
_SIZE_CUM = tuple(_cumulative(HOUSEHOLD_SIZE_WEIGHTS))


def _education(rng: random.Random, age: int, rural: bool) -> str:
    if age < 7:
        return ""
    if age < 13:
        return Education.PRIMARY
    if age < 16:
        return Education.JUNIOR_HIGH
    if age < 19:
        return rng.choice((Education.HIGH_SCHOOL, Education.SECONDARY_VOCATIONAL, Education.JUNIOR_HIGH))
    table = _EDUCATION_ELDERLY if age >= 65 else _EDUCATION_RURAL if rural else _EDUCATION_URBAN
    levels, cum = table
    return _pick(rng, levels, cum)


def _marital(rng: random.Random, age: int, relation: str) -> str:
    if age < 20:
        return ""
    if relation in (Relation.SPOUSE,):
        return MaritalStatus.MARRIED
    if age < 28:
        return MaritalStatus.UNMARRIED if rng.random() < 0.6 else MaritalStatus.MARRIED
    if age >= 75:
        return MaritalStatus.MARRIED if rng.random() < 0.5 else MaritalStatus.WIDOWED
    values, cum = _MARITAL_ADULT
    return _pick(rng, values, cum)
