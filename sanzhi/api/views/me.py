"""``GET /api/v1/me``: who the caller is, their role assignments and what each grants where."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sanzhi.accounts.roles import GRANTS, Capability, Role
from sanzhi.accounts.scoping import assignments_of, roles_at
from sanzhi.api.schema import errors
from sanzhi.api.serializers import MeSerializer
from sanzhi.api.views.base import represent
from sanzhi.grids.selectors import assignment_nodes_of

_ROLE_LABELS = dict(Role.choices)
_CAPABILITY_ORDER = {c: i for i, c in enumerate(Capability.values)}
_CAPABILITY_LABELS = dict(Capability.choices)


def me_payload(user: Any) -> dict[str, Any]:
    nodes = {n.pk: n for n in assignment_nodes_of(user)}
    roles = []
    for role, _path, node_id in sorted(assignments_of(user), key=lambda a: (a[1], a[0])):
        node = nodes[node_id]
        roles.append(
            {
                "role": role,
                "role_label": str(_ROLE_LABELS.get(role, role)),
                "node_code": node.code,
                "node_name": node.name,
            }
        )
    capabilities = []
    for node in nodes.values():
        # A role held higher up also applies here, so a node lists everything the caller can do in it.
        caps = set().union(*(GRANTS.get(r, frozenset()) for r in roles_at(user, node.path)))
        capabilities.append(
            {
                "node_code": node.code,
                "node_name": node.name,
                "capabilities": [
                    {"code": c, "label": str(_CAPABILITY_LABELS[c])}
                    for c in sorted(caps, key=lambda c: _CAPABILITY_ORDER.get(c, 99))
                ],
            }
        )
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "is_superuser": user.is_superuser,
        "roles": roles,
        "capabilities": capabilities,
    }


class MeView(APIView):
    @extend_schema(
        operation_id="me_retrieve",
        summary=_("当前用户、角色任命及各节点权限"),
        responses={200: MeSerializer, **errors(401, 403)},
        tags=["auth"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(represent(MeSerializer, me_payload(request.user)))
