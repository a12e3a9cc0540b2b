"""Console pages per persona: status, scope (out of scope is 404), masking and logged reveals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from sanzhi.accounts.models import LoginFailure
from sanzhi.core.masking import mask_id_number, mask_phone
from sanzhi.core.testing import PASSWORD, Town
from sanzhi.people.models import PiiAccess

ClientAs = Callable[[str], Client]


def text(response: Any) -> str:
    return response.content.decode()


def node_url(node: Any) -> str:
    return reverse("web:node", args=[node.code])


# --- login, logout, anonymous -------------------------------------------------------------


def test_anonymous_is_sent_to_login(town: Town, client: Client) -> None:
    for url in (reverse("web:home"), node_url(town.grid), reverse("web:residents"), reverse("web:import")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))


def test_login_wrong_password_shows_message_and_right_one_lands_home(town: Town, client: Client) -> None:
    response = client.post(reverse("web:login"), {"username": "gridworker", "password": "wrong-password"})
    assert response.status_code == 400
    assert "用户名或密码不正确" in text(response)
    response = client.post(reverse("web:login"), {"username": "gridworker", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert "第一网格" in text(client.get(reverse("web:home")))


def test_login_follows_safe_next_only(town: Town, client: Client) -> None:
    target = node_url(town.grid)
    response = client.post(
        reverse("web:login") + f"?next={target}", {"username": "gridworker", "password": PASSWORD}
    )
    assert response["Location"] == target
    client.post(reverse("web:logout"))
    response = client.post(
        reverse("web:login"),
        {"username": "gridworker", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("web:home")


def test_login_is_throttled_with_its_message(town: Town, client: Client) -> None:
    for _ in range(settings.LOGIN_THROTTLE_LIMIT):
        client.post(reverse("web:login"), {"username": "gridworker", "password": "wrong-password"})
    assert LoginFailure.objects.filter(username="gridworker").count() == settings.LOGIN_THROTTLE_LIMIT
    response = client.post(reverse("web:login"), {"username": "gridworker", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in text(response)
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(town: Town, client_as: ClientAs) -> None:
    client = client_as("gridworker")
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


# --- home and tree -----------------------------------------------------------------------


def test_home_lists_roles_and_reachable_nodes_with_totals(town: Town, client_as: ClientAs) -> None:
    page = text(client_as("secretary").get(reverse("web:home")))
    assert "网格长/社区书记" in page
    assert "创举社区" in page
    assert 'data-testid="root-node"' in page
    assert "白衣村" not in page
    # 创举社区 holds h1 and h2 with three residents.
    assert '<div class="sz-stat">2</div>' in page
    assert '<div class="sz-stat">3</div>' in page


def test_home_of_a_resident_links_own_household_only(town: Town, client_as: ClientAs) -> None:
    page = text(client_as("resident").get(reverse("web:home")))
    assert reverse("web:household", args=[town.households["h1"].pk]) in page
    assert 'data-testid="root-node"' not in page


def test_home_of_someone_without_roles(town: Town, client_as: ClientAs) -> None:
    response = client_as("nobody").get(reverse("web:home"))
    assert response.status_code == 200
    assert "还没有被分配角色" in text(response)


@pytest.mark.parametrize(
    ("persona", "node_attr", "status"),
    [
        ("gridworker", "grid", 200),
        ("gridworker", "micro", 200),
        ("gridworker", "village", 404),  # above the role's node
        ("gridworker", "other_micro", 404),
        ("secretary", "village", 200),
        ("street", "township", 200),
        ("dept", "township", 200),
        ("outsider", "grid", 404),
        ("outsider", "other_village", 200),
        ("resident", "micro", 404),  # residents do not browse the tree
        ("nobody", "county", 404),
    ],
)
def test_node_page_scope(town: Town, client_as: ClientAs, persona: str, node_attr: str, status: int) -> None:
    response = client_as(persona).get(node_url(getattr(town, node_attr)))
    assert response.status_code == status
    if status == 404:
        assert "不在您的管辖范围内" in text(response)


def test_unknown_node_is_404(town: Town, client_as: ClientAs) -> None:
    assert client_as("sysadmin").get(reverse("web:node", args=["999999999999"])).status_code == 404


def test_node_page_lists_households_of_subtree(town: Town, client_as: ClientAs) -> None:
    page = text(client_as("secretary").get(node_url(town.village)))
    assert "创举社区1号楼101" in page
    assert "创举社区2号楼202" in page
    assert "白衣村一组8号" not in page
    assert reverse("web:node_children", args=[town.village.code]) in page  # children come via htmx


def test_node_page_without_registry_access_hides_households(town: Town, client_as: ClientAs) -> None:
    page = text(client_as("dept").get(node_url(town.village)))
    assert "不能查看户籍" in page
    assert "创举社区1号楼101" not in page


def test_node_household_list_paginates_as_partial_for_htmx(town: Town, client_as: ClientAs) -> None:
    response = client_as("secretary").get(node_url(town.village) + "?page=1", HTTP_HX_REQUEST="true")
    page = text(response)
    assert page.lstrip().startswith('<div id="household-list">')
    assert "<html" not in page


def test_history_restore_gets_the_whole_page_and_responses_vary(town: Town, client_as: ClientAs) -> None:
    client = client_as("secretary")
    response = client.get(
        reverse("web:residents"),
        {"q": "王志强"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in text(response)
    assert "HX-Request" in response["Vary"]
    assert "HX-Request" in client.get(node_url(town.village))["Vary"]


def test_node_children_partial_has_counts_and_stays_in_scope(town: Town, client_as: ClientAs) -> None:
    client = client_as("gridworker")
    page = text(client.get(reverse("web:node_children", args=[town.grid.code])))
    assert "1号楼联户单元" in page
    assert "2号楼联户单元" in page
    assert "2 户" not in page  # each micro-grid holds one household
    assert page.count("1 户") == 2
    assert "<html" not in page
    assert client.get(reverse("web:node_children", args=[town.other_village.code])).status_code == 404


# --- households and residents -------------------------------------------------------------


def test_household_page_masks_members(town: Town, client_as: ClientAs) -> None:
    zhang = town.residents["zhang"]
    page = text(client_as("rep").get(reverse("web:household", args=[town.households["h1"].pk])))
    assert "张建国" in page
    assert "李秀英" in page
    assert mask_id_number(zhang.id_number) in page
    assert mask_phone(zhang.phone) in page
    assert zhang.id_number not in page
    assert zhang.phone[-11:] not in page


@pytest.mark.parametrize(
    ("persona", "household", "status"),
    [
        ("resident", "h1", 200),  # own household
        ("resident", "h2", 404),
        ("rep", "h1", 200),
        ("rep", "h2", 404),  # other micro-grid
        ("gridworker", "h2", 200),
        ("gridworker", "h3", 404),
        ("outsider", "h1", 404),
        ("outsider", "h3", 200),
        ("dept", "h1", 404),  # tree only, no registry
    ],
)
def test_household_scope(town: Town, client_as: ClientAs, persona: str, household: str, status: int) -> None:
    url = reverse("web:household", args=[town.households[household].pk])
    assert client_as(persona).get(url).status_code == status


def test_resident_persona_sees_own_household_without_tree(town: Town, client_as: ClientAs) -> None:
    client = client_as("resident")
    page = text(client.get(reverse("web:household", args=[town.households["h1"].pk])))
    assert "张建国" in page
    assert reverse("web:node", args=[town.micro.code]) not in page  # no breadcrumbs into the tree
    assert client.get(reverse("web:resident", args=[town.residents["zhang_wife"].pk])).status_code == 200
    assert client.get(reverse("web:resident", args=[town.residents["wang"].pk])).status_code == 404


def test_rep_sees_masked_resident_and_no_reveal(town: Town, client_as: ClientAs) -> None:
    zhang = town.residents["zhang"]
    page = text(client_as("rep").get(reverse("web:resident", args=[zhang.pk])))
    assert mask_id_number(zhang.id_number) in page
    assert zhang.id_number not in page
    assert "查看完整信息" not in page
    assert reverse("web:resident_reveal", args=[zhang.pk]) not in page


def test_grid_worker_sees_reveal_button(town: Town, client_as: ClientAs) -> None:
    zhang = town.residents["zhang"]
    page = text(client_as("gridworker").get(reverse("web:resident", args=[zhang.pk])))
    assert mask_id_number(zhang.id_number) in page
    assert zhang.id_number not in page
    assert "查看完整信息" in page
    assert reverse("web:resident_reveal", args=[zhang.pk]) in page
    for reason in ("入户走访", "诉求办理", "信息核实", "其他"):
        assert reason in page


def test_reveal_shows_full_values_and_logs_who_whom_when_why(town: Town, client_as: ClientAs) -> None:
    zhang = town.residents["zhang"]
    url = reverse("web:resident_reveal", args=[zhang.pk])
    response = client_as("gridworker").post(
        url, {"reason": "入户走访", "note": "核实独居情况"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = text(response)
    assert page.lstrip().startswith('<div id="pii"')
    assert zhang.id_number in page
    assert zhang.phone.removeprefix("+86") in page
    access = PiiAccess.objects.get()
    assert access.actor == town.users["gridworker"]
    assert access.resident == zhang
    assert access.reason == "入户走访: 核实独居情况"
    assert access.channel == "web"
    assert access.ip == "127.0.0.1"
    assert access.at is not None


def test_reveal_without_js_renders_the_full_page(town: Town, client_as: ClientAs) -> None:
    wang = town.residents["wang"]
    response = client_as("gridworker").post(
        reverse("web:resident_reveal", args=[wang.pk]), {"reason": "信息核实"}
    )
    assert response.status_code == 200
    assert "<html" in text(response)
    assert wang.id_number in text(response)
    assert PiiAccess.objects.get().reason == "信息核实"


@pytest.mark.parametrize(
    "data",
    [{}, {"reason": ""}, {"reason": "其他", "note": "  "}, {"reason": "随便看看"}],
)
def test_reveal_without_a_reason_is_a_form_error_and_logs_nothing(
    town: Town, client_as: ClientAs, data: dict[str, str]
) -> None:
    zhang = town.residents["zhang"]
    response = client_as("gridworker").post(
        reverse("web:resident_reveal", args=[zhang.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    page = text(response)
    assert "is-invalid" in page
    assert zhang.id_number not in page
    assert PiiAccess.objects.count() == 0


def test_reveal_other_with_note_logs_the_note(town: Town, client_as: ClientAs) -> None:
    zhang = town.residents["zhang"]
    client_as("gridworker").post(
        reverse("web:resident_reveal", args=[zhang.pk]), {"reason": "其他", "note": "配合民政复核"}
    )
    assert PiiAccess.objects.get().reason == "配合民政复核"


@pytest.mark.parametrize(
    ("persona", "status"), [("rep", 403), ("dept", 404), ("outsider", 404), ("resident", 403)]
)
def test_reveal_refused_without_the_capability(
    town: Town, client_as: ClientAs, persona: str, status: int
) -> None:
    zhang = town.residents["zhang"]
    response = client_as(persona).post(
        reverse("web:resident_reveal", args=[zhang.pk]), {"reason": "入户走访"}
    )
    assert response.status_code == status
    assert zhang.id_number not in text(response)
    assert PiiAccess.objects.count() == 0


def test_reveal_needs_post(town: Town, client_as: ClientAs) -> None:
    url = reverse("web:resident_reveal", args=[town.residents["zhang"].pk])
    assert client_as("gridworker").get(url).status_code == 405


def test_reveal_enforces_csrf(town: Town) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(town.users["gridworker"])
    zhang = town.residents["zhang"]
    url = reverse("web:resident_reveal", args=[zhang.pk])
    assert client.post(url, {"reason": "入户走访"}).status_code == 403
    assert PiiAccess.objects.count() == 0
    client.get(reverse("web:resident", args=[zhang.pk]))  # sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(url, {"reason": "入户走访"}, HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert PiiAccess.objects.count() == 1


def test_resident_search_is_scoped_and_masked(town: Town, client_as: ClientAs) -> None:
    client = client_as("gridworker")
    wang = town.residents["wang"]
    page = text(client.get(reverse("web:residents"), {"q": "王志强"}))
    assert reverse("web:resident", args=[wang.pk]) in page
    assert mask_id_number(wang.id_number) in page
    assert wang.id_number not in page
    page = text(client.get(reverse("web:residents"), {"q": "刘德华"}))
    assert "没有找到" in page
    assert reverse("web:resident", args=[town.residents["liu"].pk]) not in page


def test_resident_search_by_full_id_and_as_htmx_partial(town: Town, client_as: ClientAs) -> None:
    zhang = town.residents["zhang"]
    response = client_as("secretary").get(
        reverse("web:residents"), {"q": zhang.id_number}, HTTP_HX_REQUEST="true"
    )
    page = text(response)
    assert "<html" not in page
    assert reverse("web:resident", args=[zhang.pk]) in page
    assert "张建国" in page


def test_resident_list_without_query_shows_scope(town: Town, client_as: ClientAs) -> None:
    page = text(client_as("outsider").get(reverse("web:residents")))
    assert "刘德华" in page
    assert "张建国" not in page


# --- coverage -------------------------------------------------------------------------------


def test_coverage_redirects_to_first_node_and_renders(town: Town, client_as: ClientAs) -> None:
    client = client_as("secretary")
    response = client.get(reverse("web:coverage"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"?node={town.village.code}")
    page = text(client.get(response["Location"]))
    assert "覆盖检查" in page
    assert 'data-testid="coverage-node">创举社区' in page
    # Two of the three micro-grids have no 联户长 (the rep persona serves 1号楼).
    assert "没有联户长的单元（2）" in page
    assert "3号楼联户单元" in page


@pytest.mark.parametrize(("persona", "status"), [("gridworker", 404), ("rep", 404), ("outsider", 404)])
def test_coverage_scope(town: Town, client_as: ClientAs, persona: str, status: int) -> None:
    url = reverse("web:coverage") + f"?node={town.village.code}"
    assert client_as(persona).get(url).status_code == status


# --- language and errors -----------------------------------------------------------------------


def test_language_switch_changes_the_page_language(town: Town, client_as: ClientAs) -> None:
    client = client_as("gridworker")
    assert '<html lang="zh-hans">' in text(client.get(reverse("web:home")))
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:home")})
    assert response.status_code == 302
    page = text(client.get(reverse("web:home")))
    assert '<html lang="en">' in page
    assert ">Home</a>" in page
    assert "My roles" in page
    assert "我的角色" not in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("web:home")})
    page = text(client.get(reverse("web:home")))
    assert '<html lang="zh-hans">' in page
    assert "我的角色" in page


def test_html_404_uses_the_error_page_and_api_stays_json(town: Town, client_as: ClientAs) -> None:
    client = client_as("gridworker")
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert 'data-testid="error-message"' in text(response)
    assert "<html" in text(response)
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- query counts do not grow with the list ----------------------------------------------------


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_use_a_fixed_number_of_queries(town: Town, client_as: ClientAs) -> None:
    from sanzhi.core.testing import make_resident
    from sanzhi.people.services import household_create

    client = client_as("secretary")
    urls = [
        node_url(town.village),
        reverse("web:residents"),
        reverse("web:household", args=[town.households["h1"].pk]),
    ]
    before = [_queries(client, url) for url in urls]
    for i in range(5):
        household = household_create(
            actor=None, node=town.micro2, address=f"创举社区2号楼{i}01", number=f"H8{i:03d}"
        )
        make_resident(household, f"测试{i}")
    make_resident(town.households["h1"], "张小明", "20")
    assert [_queries(client, url) for url in urls] == before
