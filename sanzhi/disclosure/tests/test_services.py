"""Disclosure services: the calendar, drafts and lines, publication on the chain (then immutable),
corrections, and who may do each (one test per action per persona)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sanzhi.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.disclosure import chain
from sanzhi.disclosure.defaults import DEFAULT_PLANS
from sanzhi.disclosure.drafts import totals_of
from sanzhi.disclosure.models import (
    Area,
    Disclosure,
    DisclosurePlan,
    DisclosureStatus,
    FinanceLine,
    Frequency,
    Publication,
    PublicationKind,
)
from sanzhi.disclosure.services import (
    disclosure_correct,
    disclosure_discard,
    disclosure_draft,
    disclosure_publish,
    disclosure_update,
    finance_line_add,
    finance_line_remove,
    finance_line_update,
    finance_lines_import,
    plan_activate,
    plan_create,
    plan_deactivate,
    plan_update,
    plans_adopt_default,
)
from sanzhi.disclosure.tests.core_kit import ALLOWED, PERSONAS, SH, add_lines, finance_draft, finance_plan

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 5, 9, 30, tzinfo=SH)


def allowed_or_forbidden(persona: str, call: Callable[[], Any]) -> None:
    if persona in ALLOWED:
        call()
        return
    with pytest.raises(Forbidden) as refused:
        call()
    assert refused.value.code == "forbidden"


# ---------------------------------------------------------------- permissions, per persona


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_draft(town: Town, persona: str) -> None:
    plan = finance_plan(town)
    allowed_or_forbidden(
        persona,
        lambda: disclosure_draft(
            actor=town.users[persona],
            node=town.village,
            area=Area.FINANCE,
            title="十月财务",
            plan=plan,
            period="2026-10",
        ),
    )
    assert Disclosure.objects.count() == (1 if persona in ALLOWED else 0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_edit_a_draft_and_its_lines(town: Town, persona: str) -> None:
    draft = finance_draft(town)
    line = add_lines(town, draft)[0]
    user = town.users[persona]
    allowed_or_forbidden(persona, lambda: disclosure_update(actor=user, disclosure=draft, body="改过的说明"))
    allowed_or_forbidden(
        persona,
        lambda: finance_line_add(
            actor=user,
            disclosure=draft,
            direction="expense",
            date=dt.date(2026, 10, 9),
            item="办公用品",
            amount_fen=8800,
        ),
    )
    allowed_or_forbidden(persona, lambda: finance_line_update(actor=user, line=line, amount_fen=123460))
    allowed_or_forbidden(persona, lambda: finance_line_remove(actor=user, line=line))
    upload = SimpleUploadedFile("lines.csv", "日期,收支,摘要,金额(元)\n2026-10-10,收入,租金,100\n".encode())
    allowed_or_forbidden(persona, lambda: finance_lines_import(actor=user, disclosure=draft, file=upload))
    draft.refresh_from_db()
    amounts = sorted(FinanceLine.objects.filter(disclosure=draft).values_list("amount_fen", flat=True))
    if persona in ALLOWED:
        assert draft.body == "改过的说明"
        assert amounts == [8800, 10000, 50000]
    else:
        assert draft.body == "本月收支如下。"
        assert amounts == [50000, 123450]


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_publish(town: Town, persona: str) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    allowed_or_forbidden(
        persona, lambda: disclosure_publish(actor=town.users[persona], disclosure=draft, now=NOW)
    )
    assert Publication.objects.count() == (1 if persona in ALLOWED else 0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_correct(town: Town, persona: str) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    published = disclosure_publish(actor=town.secretary, disclosure=draft, now=NOW)
    allowed_or_forbidden(
        persona,
        lambda: disclosure_correct(actor=town.users[persona], disclosure=published, reason="凭证号录错"),
    )
    assert Disclosure.objects.filter(corrects=published).count() == (1 if persona in ALLOWED else 0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_manage_the_calendar(town: Town, persona: str) -> None:
    user = town.users[persona]
    plan = finance_plan(town)
    allowed_or_forbidden(
        persona,
        lambda: plan_create(
            actor=user, node=town.village, area=Area.PARTY, title="党费收缴", frequency=Frequency.QUARTERLY
        ),
    )
    allowed_or_forbidden(persona, lambda: plan_update(actor=user, plan=plan, due_days=15))
    allowed_or_forbidden(persona, lambda: plan_deactivate(actor=user, plan=plan))
    allowed_or_forbidden(persona, lambda: plans_adopt_default(actor=user, node=town.village))
    plan.refresh_from_db()
    # "财务收支明细" is also a default item: adopting keeps the existing one.
    expected = len(DEFAULT_PLANS) + 1 if persona in ALLOWED else 1
    assert DisclosurePlan.objects.filter(node=town.village).count() == expected
    assert (plan.due_days, plan.active) == ((15, False) if persona in ALLOWED else (10, True))


def test_outsider_manages_their_own_village_only(town: Town) -> None:
    created = plans_adopt_default(actor=town.outsider, node=town.other_village)
    assert len(created) == len(DEFAULT_PLANS)
    with pytest.raises(Forbidden):
        plans_adopt_default(actor=town.outsider, node=town.village)


# ---------------------------------------------------------------- the calendar


def test_default_calendar_covers_the_three_areas_and_is_idempotent(town: Town) -> None:
    created = plans_adopt_default(actor=town.secretary, node=town.village)
    assert {p.area for p in created} == {Area.PARTY, Area.AFFAIRS, Area.FINANCE}
    monthly = [p for p in created if p.frequency == Frequency.MONTHLY]
    assert [(p.area, p.title, p.due_days) for p in monthly] == [(Area.FINANCE, "财务收支明细", 10)]
    assert {p.frequency for p in created} == {Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.PER_MATTER}
    assert plans_adopt_default(actor=town.secretary, node=town.village) == []
    assert AuditEvent.objects.filter(action="disclosure.plan.adopt_default").count() == 2


def test_plan_rules(town: Town) -> None:
    plan = finance_plan(town)
    with pytest.raises(Conflict) as taken:
        finance_plan(town)
    assert taken.value.code == "disclosure_plan_taken"
    for bad in ({"due_days": -1}, {"due_days": 91}, {"frequency": "weekly"}, {"title": "  "}):
        with pytest.raises(ValidationFailed):
            plan_update(actor=town.secretary, plan=plan, **bad)
    with pytest.raises(ValidationFailed) as area:
        plan_create(
            actor=town.secretary, node=town.village, area="money", title="x", frequency=Frequency.MONTHLY
        )
    assert area.value.code == "disclosure_area_invalid"
    finance_draft(town, plan)
    with pytest.raises(Conflict) as in_use:
        plan_update(actor=town.secretary, plan=plan, frequency=Frequency.QUARTERLY)
    assert in_use.value.code == "disclosure_plan_in_use"
    plan_update(actor=town.secretary, plan=plan, title="财务收支", due_days=15)
    plan.refresh_from_db()
    assert (plan.title, plan.due_days, plan.frequency) == ("财务收支", 15, Frequency.MONTHLY)
    plan_deactivate(actor=town.secretary, plan=plan)
    with pytest.raises(ValidationFailed) as inactive:
        finance_draft(town, plan, period="2026-11")
    assert inactive.value.code == "disclosure_plan_inactive"
    plan_activate(actor=town.secretary, plan=plan)
    assert finance_draft(town, plan, period="2026-11").due_date == dt.date(2026, 12, 15)


# ---------------------------------------------------------------- drafts


def test_draft_of_a_plan_period(town: Town) -> None:
    draft = finance_draft(town)
    assert (draft.period, draft.period_start, draft.period_end, draft.due_date) == (
        "2026-10",
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 10),
    )
    assert draft.status == DisclosureStatus.DRAFT and draft.created_by == town.secretary
    with pytest.raises(Conflict) as again:
        finance_draft(town, draft.plan)
    assert again.value.code == "disclosure_period_taken" and again.value.data["disclosure"] == draft.pk


@pytest.mark.parametrize(
    ("period", "code"),
    [
        ("", "disclosure_period_required"),
        ("2026Q4", "disclosure_period_invalid"),
        ("2026-13", "disclosure_period_invalid"),
    ],
)
def test_a_monthly_plan_needs_a_month(town: Town, period: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        finance_draft(town, finance_plan(town), period=period)
    assert refused.value.code == code
    assert not Disclosure.objects.exists()


def test_draft_rules(town: Town) -> None:
    elsewhere = plan_create(
        actor=town.street,
        node=town.other_village,
        area=Area.FINANCE,
        title="财务",
        frequency=Frequency.MONTHLY,
    )
    with pytest.raises(ValidationFailed) as plan_elsewhere:
        disclosure_draft(
            actor=town.street,
            node=town.village,
            area=Area.FINANCE,
            title="x",
            plan=elsewhere,
            period="2026-10",
        )
    assert plan_elsewhere.value.code == "disclosure_plan_elsewhere"
    with pytest.raises(ValidationFailed) as mismatch:
        disclosure_draft(
            actor=town.street,
            node=town.other_village,
            area=Area.PARTY,
            title="x",
            plan=elsewhere,
            period="2026-10",
        )
    assert mismatch.value.code == "disclosure_area_mismatch"
    quarterly = finance_plan(town, frequency=Frequency.QUARTERLY)
    q4 = finance_draft(town, quarterly, period="2026q4")
    assert (q4.period, q4.period_end, q4.due_date) == ("2026Q4", dt.date(2026, 12, 31), dt.date(2027, 1, 10))
    free = disclosure_draft(
        actor=town.secretary, node=town.village, area=Area.AFFAIRS, title="停车场收费标准", body="每小时2元"
    )
    assert (free.plan, free.period, free.due_date) == (None, "", None)


def test_per_matter_plans_take_many_disclosures(town: Town) -> None:
    plan = plan_create(
        actor=town.secretary,
        node=town.village,
        area=Area.AFFAIRS,
        title="工程项目",
        frequency=Frequency.PER_MATTER,
    )
    first = disclosure_draft(actor=town.secretary, node=town.village, area="", title="3社道路硬化", plan=plan)
    second = disclosure_draft(actor=town.secretary, node=town.village, area="", title="路灯维修", plan=plan)
    assert first.area == second.area == Area.AFFAIRS
    assert (first.due_date, second.period) == (None, "")


def test_lines_belong_to_finance_drafts_only(town: Town) -> None:
    notice = disclosure_draft(
        actor=town.secretary, node=town.village, area=Area.PARTY, title="党费", body="x"
    )
    with pytest.raises(ValidationFailed) as refused:
        finance_line_add(
            actor=town.secretary,
            disclosure=notice,
            direction="income",
            date=dt.date(2026, 10, 1),
            item="x",
            amount_fen=1,
        )
    assert refused.value.code == "disclosure_not_finance"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount_fen": 0}, "finance_amount_not_positive"),
        ({"amount_fen": -100}, "finance_amount_not_positive"),
        ({"amount_fen": 12.5}, "finance_amount_not_int"),
        ({"amount_fen": True}, "finance_amount_not_int"),
        ({"amount_fen": 10**14}, "finance_amount_too_large"),
        ({"direction": "借"}, "finance_direction_invalid"),
        ({"date": dt.date(2026, 11, 1)}, "finance_date_outside_period"),
        ({"date": "2026-10-01"}, "finance_date_invalid"),
        ({"item": " "}, "finance_item_required"),
        ({"voucher_no": "x" * 41}, "disclosure_text_too_long"),
    ],
)
def test_bad_line_is_refused(town: Town, changes: dict[str, Any], code: str) -> None:
    draft = finance_draft(town)
    fields: dict[str, Any] = {
        "direction": "expense",
        "date": dt.date(2026, 10, 31),
        "item": "电费",
        "amount_fen": 100,
    }
    with pytest.raises(ValidationFailed) as refused:
        finance_line_add(actor=town.secretary, disclosure=draft, **{**fields, **changes})
    assert refused.value.code == code
    line = finance_line_add(actor=town.secretary, disclosure=draft, **fields)
    with pytest.raises(ValidationFailed) as refused_update:
        finance_line_update(actor=town.secretary, line=line, **changes)
    assert refused_update.value.code == code
    line.refresh_from_db()
    assert (line.amount_fen, line.direction, line.item) == (100, "expense", "电费")


def test_publishing_an_empty_disclosure_is_refused(town: Town) -> None:
    draft = finance_draft(town)
    disclosure_update(actor=town.secretary, disclosure=draft, body="  ")
    with pytest.raises(ValidationFailed) as empty:
        disclosure_publish(actor=town.secretary, disclosure=draft)
    assert empty.value.code == "disclosure_empty"
    assert not Publication.objects.exists()


# ---------------------------------------------------------------- publication


def test_publish_appends_the_disclosure_to_the_chain(town: Town) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    published = disclosure_publish(actor=town.secretary, disclosure=draft, now=NOW)
    publication = Publication.objects.get()
    assert published.status == DisclosureStatus.PUBLISHED
    assert published.publication == publication and published.published_at == NOW
    assert (publication.kind, publication.ref, publication.node_code, publication.title) == (
        PublicationKind.DISCLOSURE,
        f"disclosure.disclosure:{draft.pk}",
        "511923100201",
        "创举社区2026-10财务收支",
    )
    assert publication.corrects is None and publication.published_by == town.secretary
    assert publication.content == {
        "area": "finance",
        "title": "创举社区2026-10财务收支",
        "period": "2026-10",
        "body": "本月收支如下。",
        "lines": [
            {
                "direction": "income",
                "date": "2026-10-08",
                "item": "停车场收费",
                "counterparty": "创举社区停车场",
                "voucher_no": "记-001",
                "amount_fen": 123450,
                "note": "",
            },
            {
                "direction": "expense",
                "date": "2026-10-20",
                "item": "道路硬化材料费",
                "counterparty": "平昌县建材公司",
                "voucher_no": "记-002",
                "amount_fen": 50000,
                "note": "3社道路",
            },
        ],
        "totals": {"income_fen": 123450, "expense_fen": 50000, "net_fen": 73450},
    }
    assert publication.content_hash == chain.content_hash(publication.content)
    assert chain.verify_stored() == (1, None)
    assert AuditEvent.objects.filter(action="disclosure.publish", subject_id=str(draft.pk)).exists()


def test_a_published_disclosure_and_its_lines_are_immutable(town: Town) -> None:
    draft = finance_draft(town)
    line = add_lines(town, draft)[0]
    disclosure_publish(actor=town.secretary, disclosure=draft, now=NOW)
    before = list(FinanceLine.objects.filter(disclosure=draft).values())
    upload = SimpleUploadedFile("lines.csv", "日期,收支,摘要,金额(元)\n2026-10-10,收入,租金,100\n".encode())
    edits: list[Callable[[], Any]] = [
        lambda: disclosure_update(actor=town.secretary, disclosure=draft, title="改标题"),
        lambda: disclosure_update(actor=town.street, disclosure=draft, body="改正文"),
        lambda: finance_line_add(
            actor=town.secretary,
            disclosure=draft,
            direction="income",
            date=dt.date(2026, 10, 2),
            item="x",
            amount_fen=1,
        ),
        lambda: finance_line_update(actor=town.secretary, line=line, amount_fen=1),
        lambda: finance_line_remove(actor=town.secretary, line=line),
        lambda: finance_lines_import(actor=town.secretary, disclosure=draft, file=upload),
        lambda: disclosure_publish(actor=town.secretary, disclosure=draft),
        lambda: finance_line_update(actor=None, line=line, item="系统也不行"),
        lambda: disclosure_discard(actor=town.secretary, disclosure=draft),
    ]
    for edit in edits:
        with pytest.raises(Conflict) as refused:
            edit()
        assert refused.value.code == "disclosure_published"
    draft.refresh_from_db()
    assert (draft.title, draft.body) == ("创举社区2026-10财务收支", "本月收支如下。")
    assert list(FinanceLine.objects.filter(disclosure=draft).values()) == before
    assert Publication.objects.count() == 1 and chain.verify_stored() == (1, None)


def test_a_publication_row_cannot_be_updated(town: Town) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    publication = disclosure_publish(actor=town.secretary, disclosure=draft, now=NOW).publication
    assert publication is not None
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE disclosure_publication SET title = 'x' WHERE id = %s", [publication.pk])


# ---------------------------------------------------------------- corrections


def test_a_correction_is_a_new_item_that_names_the_old_one(town: Town) -> None:
    original = finance_draft(town)
    lines = add_lines(town, original)
    disclosure_publish(actor=town.secretary, disclosure=original, now=NOW)
    original.refresh_from_db()
    old_item = chain.item_dict(original.publication)  # type: ignore[arg-type]

    correction = disclosure_correct(actor=town.secretary, disclosure=original, reason="材料费金额录错")
    assert correction.status == DisclosureStatus.DRAFT and correction.corrects == original
    assert (correction.plan, correction.period, correction.due_date) == (
        original.plan,
        "2026-10",
        original.due_date,
    )
    copied = list(FinanceLine.objects.filter(disclosure=correction).order_by("order"))
    assert [(c.item, c.amount_fen) for c in copied] == [(line.item, line.amount_fen) for line in lines]
    event = AuditEvent.objects.get(action="disclosure.correct")
    assert event.data["reason"] == "材料费金额录错" and event.data["corrects"] == original.pk

    finance_line_update(actor=town.secretary, line=copied[1], amount_fen=5000)
    corrected = disclosure_publish(
        actor=town.secretary, disclosure=correction, now=NOW + dt.timedelta(days=1)
    )
    assert corrected.publication is not None and original.publication is not None
    assert corrected.publication.corrects == original.publication
    assert corrected.publication.content["totals"] == {
        "income_fen": 123450,
        "expense_fen": 5000,
        "net_fen": 118450,
    }
    original.refresh_from_db()
    assert original.status == DisclosureStatus.PUBLISHED
    assert chain.item_dict(Publication.objects.get(seq=1)) == old_item
    assert chain.verify_stored() == (2, None)
    assert chain.item_dict(corrected.publication)["corrects"] == 1


def test_correction_rules(town: Town) -> None:
    original = finance_draft(town)
    add_lines(town, original)
    with pytest.raises(Conflict) as draft_refused:
        disclosure_correct(actor=town.secretary, disclosure=original, reason="x")
    assert draft_refused.value.code == "disclosure_not_published"
    disclosure_publish(actor=town.secretary, disclosure=original, now=NOW)
    with pytest.raises(ValidationFailed) as no_reason:
        disclosure_correct(actor=town.secretary, disclosure=original, reason="  ")
    assert no_reason.value.code == "disclosure_reason_required"
    first = disclosure_correct(actor=town.secretary, disclosure=original, reason="日期有误")
    with pytest.raises(Conflict) as twice:
        disclosure_correct(actor=town.street, disclosure=original, reason="另一处错误")
    assert twice.value.code == "disclosure_already_corrected" and twice.value.data["correction"] == first.pk
    disclosure_publish(actor=town.street, disclosure=first, now=NOW)
    # The latest version is the one to correct again; the chain then reads 1 ← 2 ← 3.
    second = disclosure_correct(actor=town.street, disclosure=first, reason="再次更正")
    published = disclosure_publish(actor=town.street, disclosure=second, now=NOW)
    assert published.publication is not None
    assert published.publication.corrects_id == 2
    assert chain.verify_stored() == (3, None)
    assert Disclosure.objects.filter(plan=original.plan, period="2026-10").count() == 3


# ---------------------------------------------------------------- properties

PROPERTY = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
line_strategy = st.fixed_dictionaries(
    {
        "direction": st.sampled_from(["income", "expense"]),
        "day": st.integers(1, 31),
        "item": st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != "" and "\x00" not in s),
        "amount_fen": st.integers(1, 10**14 - 1),
        "note": st.text(max_size=20).filter(lambda s: "\x00" not in s),
    }
)


@PROPERTY
@given(specs=st.lists(line_strategy, max_size=12))
def test_totals_are_the_sums_and_the_hash_survives_the_database(
    town: Town, specs: list[dict[str, Any]]
) -> None:
    with transaction.atomic():
        plan = DisclosurePlan.objects.filter(node=town.village, title="财务收支明细").first() or finance_plan(
            town
        )
        draft = disclosure_draft(
            actor=town.secretary,
            node=town.village,
            area=Area.FINANCE,
            title="十月",
            plan=plan,
            period="2026-10",
            body=".",
        )
        for spec in specs:
            finance_line_add(
                actor=town.secretary,
                disclosure=draft,
                direction=spec["direction"],
                date=dt.date(2026, 10, spec["day"]),
                item=spec["item"],
                amount_fen=spec["amount_fen"],
                note=spec["note"],
            )
        publication = disclosure_publish(actor=town.secretary, disclosure=draft, now=NOW).publication
        assert publication is not None
        income = sum(s["amount_fen"] for s in specs if s["direction"] == "income")
        expense = sum(s["amount_fen"] for s in specs if s["direction"] == "expense")
        stored = Publication.objects.get(pk=publication.pk)  # read back through the JSON column
        assert stored.content["totals"] == {
            "income_fen": income,
            "expense_fen": expense,
            "net_fen": income - expense,
        }
        assert totals_of(FinanceLine.objects.filter(disclosure=draft)).as_dict() == stored.content["totals"]
        assert [line["amount_fen"] for line in stored.content["lines"]] == [s["amount_fen"] for s in specs]
        assert chain.content_hash(stored.content) == stored.content_hash == publication.content_hash
        assert chain.content_hash(json.loads(json.dumps(stored.content))) == stored.content_hash
        assert chain.verify_stored()[1] is None
        transaction.set_rollback(True)


def test_a_refused_service_changes_nothing(town: Town) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    before = (Disclosure.objects.count(), FinanceLine.objects.count(), AuditEvent.objects.count())
    for call in (
        lambda: disclosure_publish(actor=town.council, disclosure=draft),
        lambda: disclosure_correct(actor=town.secretary, disclosure=draft, reason="x"),
        lambda: finance_line_add(
            actor=town.secretary,
            disclosure=draft,
            direction="x",
            date=dt.date(2026, 10, 1),
            item="x",
            amount_fen=1,
        ),
    ):
        with pytest.raises(DomainError):
            call()
    assert (Disclosure.objects.count(), FinanceLine.objects.count(), AuditEvent.objects.count()) == before


def test_a_draft_can_be_discarded(town: Town) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    with pytest.raises(Forbidden):
        disclosure_discard(actor=town.council, disclosure=draft)
    disclosure_discard(actor=town.secretary, disclosure=draft)
    assert not Disclosure.objects.exists() and not FinanceLine.objects.exists()
    assert AuditEvent.objects.get(action="disclosure.discard").subject_id == str(draft.pk)
    # The period is free again.
    assert finance_draft(town, draft.plan).period == "2026-10"


def test_a_per_matter_plan_holds_one_disclosure_per_matter(town: Town) -> None:
    plan = finance_plan(town, frequency=Frequency.PER_MATTER)
    secretary = town.users["secretary"]
    first = disclosure_draft(actor=secretary, node=town.village, area=Area.FINANCE, plan=plan, title="修路款")
    second = disclosure_draft(
        actor=secretary, node=town.village, area=Area.FINANCE, plan=plan, title="路灯款"
    )
    assert first.plan == second.plan == plan and first.period == second.period == ""
    assert first.due_date is None


def test_a_correction_publishes_its_reason(town: Town) -> None:
    secretary = town.users["secretary"]
    draft = finance_draft(town, finance_plan(town))
    add_lines(town, draft)
    published = disclosure_publish(actor=secretary, disclosure=draft)
    assert published.publication is not None
    assert "correction_reason" not in published.publication.content
    correction = disclosure_correct(actor=secretary, disclosure=published, reason="凭证号录错")
    fixed = disclosure_publish(actor=secretary, disclosure=correction)
    assert fixed.correction_reason == "凭证号录错" and fixed.publication is not None
    assert fixed.publication.content["correction_reason"] == "凭证号录错"
    assert fixed.publication.corrects_id == published.publication.seq
