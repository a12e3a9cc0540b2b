"""Property tests for ID numbers (GB 11643) and phones, as the import relies on them."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from sanzhi.people.idnumber import IdKind, check_id_number, make_id_number
from sanzhi.people.normalize import normalize_id_number
from sanzhi.people.phones import check_phone

TODAY = dt.date(2026, 1, 1)
regions = st.sampled_from(["110101", "511923", "440305", "810000", "820000", "830000", "911000"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
valid_ids = st.builds(make_id_number, regions, births, st.integers(0, 999))


@given(valid_ids)
def test_every_generated_number_passes(value: str) -> None:
    checked = check_id_number(value, today=TODAY)
    assert checked.ok and checked.value == value
    assert checked.birth_date == dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


@given(valid_ids, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_fails(value: str, pos: int, char: str) -> None:
    if value[pos] == char:
        return
    changed = value[:pos] + char + value[pos + 1 :]
    assert not check_id_number(changed, today=TODAY).ok


@given(st.text(alphabet="0123456789xX -\u3000０１２３４５６７８９ｘ", max_size=30))
def test_normalization_is_idempotent(raw: str) -> None:
    once = normalize_id_number(raw)
    assert normalize_id_number(once) == once


@given(valid_ids)
@settings(max_examples=50)
def test_variants_normalize_to_the_same_value(value: str) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in value)
    spaced = f" {value[:6]} {value[6:14]}\u3000{value[14:]} "
    for variant in (full_width, spaced, value.lower()):
        checked = check_id_number(variant, today=TODAY)
        assert checked.ok and checked.value == value


def test_permits_and_foreigner_ids_are_accepted() -> None:
    born = dt.date(1990, 5, 6)
    assert check_id_number(make_id_number("810000", born, 1)).kind == IdKind.HK_MACAU_PERMIT
    assert check_id_number(make_id_number("820000", born, 1)).kind == IdKind.HK_MACAU_PERMIT
    assert check_id_number(make_id_number("830000", born, 1)).kind == IdKind.TAIWAN_PERMIT
    assert check_id_number(make_id_number("911000", born, 1)).kind == IdKind.FOREIGNER_PR


def test_legacy_bad_dates_and_regions() -> None:
    assert check_id_number("110101900307123").error_code == "id_legacy_15"
    body = "11010119900230123"
    from sanzhi.people.idnumber import check_character

    assert check_id_number(body + check_character(body)).error_code == "id_birth_date"
    future = make_id_number("110101", dt.date.today() + dt.timedelta(days=400), 1)  # noqa: DTZ011
    assert check_id_number(future).error_code == "id_birth_date"
    odd = check_id_number(make_id_number("119999", dt.date(1990, 1, 1), 1))
    assert odd.ok and odd.warnings


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mainland_mobiles_in_any_dress(number: str) -> None:
    for variant in (number, f"+86 {number[:3]} {number[3:7]} {number[7:]}", f"86-{number}"):
        assert check_phone(variant).value == "+86" + number


def test_landline_and_bad_phone() -> None:
    assert check_phone("010-6512 3456").value == "+861065123456"
    assert check_phone("12345").error_code == "phone_invalid"
    assert check_phone("").value == ""
