"""Shared view plumbing: validated query parameters and paginated responses."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response


class ScopedView(GenericAPIView):
    # Views read through the scoped selectors only; they never build a queryset from a model.

    def query(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        """Validated query parameters (400 with data.fields on junk such as NUL bytes or over-long text)."""
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def paginated(self, rows: list[Any], serializer_class: type[serializers.Serializer]) -> Response:
        return self.get_paginated_response(serializer_class(rows, many=True).data)
