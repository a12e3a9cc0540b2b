"""Shared view plumbing: validated query parameters and paginated responses."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

_bound: dict[type[serializers.Serializer], serializers.Serializer] = {}


def represent(serializer_class: type[serializers.Serializer], obj: Any, *, many: bool = False) -> Any:
    """What ``serializer_class(obj, many=many).data`` gives, from one instance per class.

    DRF deep-copies a serializer's declared fields into every new instance, nested serializers
    included: for a ticket's detail that was a fifth of the request's CPU. The API's output
    serializers read no context, no ``instance`` and no parent state, so the instance whose fields
    were bound once serves every request (``to_representation`` changes nothing on it).
    """
    found = _bound.get(serializer_class)
    if found is None:
        found = _bound[serializer_class] = serializer_class()
    if many:
        return [found.to_representation(item) for item in obj]
    return found.to_representation(obj)


class ScopedView(GenericAPIView):
    # Views read through the scoped selectors only; they never build a queryset from a model.

    def query(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        """Validated query parameters (400 with data.fields on junk such as NUL bytes or over-long text)."""
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def paginated(self, rows: list[Any], serializer_class: type[serializers.Serializer]) -> Response:
        return self.get_paginated_response(represent(serializer_class, rows, many=True))
