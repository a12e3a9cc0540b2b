from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """审计日志: who did what to which subject; the actor and the subject are kept apart."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64, blank=True)
    # Path of the grid node the subject lives under, so the log is scoped like the data it describes.
    node_path = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.subject_type}:{self.subject_id}"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")  # a Monday–Friday (or any day) off
    WORKDAY = "workday", _("调休上班")  # a Saturday or Sunday worked to make up for a holiday


class CalendarDay(models.Model):
    """工作日历调整: a date whose status differs from the default rule (Monday–Friday work, weekend off).

    Holidays (放假) and make-up working days (调休上班) announced each year by the State Council,
    plus local ones. Read through ``sanzhi.core.workcalendar``; written through ``sanzhi.core.services``.
    """

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(max_length=50, blank=True)  # 春节, 国庆节 …
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["holiday", "workday"]), name="calendar_day_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.kind} {self.name}".rstrip()
