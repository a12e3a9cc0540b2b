"""``sanzhi verify publications``: from the database and, with ``--url``, from a running site's public
JSON; each alteration, deletion or reordering is caught and its first bad link named."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from sanzhi.core.testing import Town, build_town
from sanzhi.disclosure.models import Publication, PublicationHead
from sanzhi.disclosure.tests.publication_kit import (
    delete,
    finance_content,
    plain_http,
    publish,
    publish_many,
    swap_seqs,
    tamper,
)

__all__ = ["plain_http"]  # a fixture, imported for the live server tests


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("verify", "publications", *args, stdout=out)
    return out.getvalue()


def failure(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 1
    return str(caught.value)


@pytest.fixture
def five(town: Town) -> list[Publication]:
    items = publish_many(town.village, 4)
    items.append(publish(town.other_village, "白衣村九月财务公开", finance_content()))
    return items


@pytest.mark.django_db
def test_an_intact_chain_passes_with_its_count_and_head(five: list[Publication]) -> None:
    out = run()
    assert "5" in out and f"#5 {five[-1].hash}" in out
    assert run("--quiet") == ""


@pytest.mark.django_db
def test_an_empty_chain_passes(town: Town) -> None:
    assert "#0 " + "0" * 64 in run()


Damage = Callable[[list[Publication]], None]

CASES: list[tuple[str, Damage, int, str]] = [
    (
        "content",
        lambda items: tamper(3, "content", {"area": "affairs", "body": "改", "n": 3}),
        3,
        "content_mismatch",
    ),
    ("content_hash", lambda items: tamper(2, "content_hash", "a" * 64), 2, "content_mismatch"),
    ("title", lambda items: tamper(3, "title", "改过的标题"), 3, "hash_mismatch"),
    ("node_code", lambda items: tamper(4, "node_code", "511923100202"), 4, "hash_mismatch"),
    ("hash", lambda items: tamper(2, "hash", "f" * 64), 2, "hash_mismatch"),
    ("delete_middle", lambda items: delete(3), 3, "missing_item"),
    ("delete_first", lambda items: delete(1), 1, "missing_item"),
    ("delete_tail", lambda items: delete(5), 4, "head_mismatch"),
    ("reorder", lambda items: swap_seqs(2, 3), 2, "broken_link"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "damage", "seq", "problem"), CASES, ids=[c[0] for c in CASES])
def test_damage_in_the_database_is_named(
    five: list[Publication], name: str, damage: Damage, seq: int, problem: str
) -> None:
    damage(five)
    message = failure()
    assert f"#{seq}：{problem}" in message, message


@pytest.mark.django_db
def test_a_rewound_head_without_its_items_is_caught(five: list[Publication]) -> None:
    PublicationHead.objects.filter(pk=1).update(seq=7)
    assert "#5：head_mismatch" in failure()


@pytest.mark.django_db
def test_the_command_line_exits_non_zero(five: list[Publication], capsys: Any) -> None:
    tamper(2, "title", "改过的标题")
    with pytest.raises(SystemExit) as caught:
        ManagementUtility(["sanzhi", "verify", "publications"]).execute()
    assert caught.value.code == 1
    assert "#2：hash_mismatch" in capsys.readouterr().err


# ---------------------------------------------------------------- --url against a running site


@pytest.fixture
def live_five(plain_http: None, transactional_db: None) -> list[Publication]:
    town = build_town()
    items = publish_many(town.village, 4)
    items.append(publish(town.other_village, "白衣村九月财务公开", finance_content()))
    return items


def test_url_verifies_a_site_through_its_pages(live_five: list[Publication], live_server: Any) -> None:
    # limit=2: three pages, followed through ``next``.
    out = run("--url", f"{live_server.url}/public/publications.json?limit=2")
    assert f"#5 {live_five[-1].hash}" in out
    # The site's address alone is enough.
    assert f"#5 {live_five[-1].hash}" in run("--url", live_server.url)


@pytest.mark.parametrize(
    ("damage", "seq", "problem"),
    [
        (lambda: tamper(3, "content", {"body": "改"}), 3, "content_mismatch"),
        (lambda: tamper(4, "title", "改过的标题"), 4, "hash_mismatch"),
        (lambda: delete(2), 2, "missing_item"),
        (lambda: delete(5), 4, "head_mismatch"),
    ],
    ids=["content", "title", "delete_middle", "delete_tail"],
)
def test_url_names_the_first_bad_link(
    live_five: list[Publication], live_server: Any, damage: Callable[[], None], seq: int, problem: str
) -> None:
    damage()
    message = failure("--url", f"{live_server.url}/public/publications.json?limit=2")
    assert f"#{seq}：{problem}" in message, message


def test_url_that_is_not_a_chain_is_unreadable(live_five: list[Publication], live_server: Any) -> None:
    with pytest.raises(CommandError) as caught:
        run("--url", f"{live_server.url}/public/publications/1.json")
    assert caught.value.returncode == 2
    with pytest.raises(CommandError) as caught:
        run("--url", "ftp://example.invalid/")
    assert caught.value.returncode == 2
