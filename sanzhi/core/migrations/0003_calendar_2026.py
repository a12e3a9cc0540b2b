"""The official 2026 schedule: 国务院办公厅关于2026年部分节假日安排的通知.

Frozen here (a migration must not change with the code); later years are entered by the
installation (`sanzhi calendar set`, the 工作日历 page). Weekend days inside a holiday span are
recorded as holiday rows too: harmless, and the list then reads like the notice.
"""

import datetime as dt

from django.db import migrations

NOTE = "国务院办公厅关于2026年部分节假日安排的通知"

# (name, first day off, last day off, make-up working days)
OFFICIAL_2026 = [
    ("元旦", dt.date(2026, 1, 1), dt.date(2026, 1, 3), [dt.date(2026, 1, 4)]),
    ("春节", dt.date(2026, 2, 15), dt.date(2026, 2, 23), [dt.date(2026, 2, 14), dt.date(2026, 2, 28)]),
    ("清明节", dt.date(2026, 4, 4), dt.date(2026, 4, 6), []),
    ("劳动节", dt.date(2026, 5, 1), dt.date(2026, 5, 5), [dt.date(2026, 5, 9)]),
    ("端午节", dt.date(2026, 6, 19), dt.date(2026, 6, 21), []),
    ("中秋节", dt.date(2026, 9, 25), dt.date(2026, 9, 27), []),
    ("国庆节", dt.date(2026, 10, 1), dt.date(2026, 10, 7), [dt.date(2026, 9, 20), dt.date(2026, 10, 10)]),
]


def official_rows():
    """(date, kind, name) for every day of the notice."""
    for name, first, last, workdays in OFFICIAL_2026:
        day = first
        while day <= last:
            yield day, "holiday", name
            day += dt.timedelta(days=1)
        for day in workdays:
            yield day, "workday", name


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    for day, kind, name in official_rows():
        # An installation that already entered a day keeps its own entry.
        CalendarDay.objects.get_or_create(date=day, defaults={"kind": kind, "name": name, "note": NOTE})


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarDay.objects.filter(note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_calendar_days")]

    operations = [migrations.RunPython(seed, unseed)]
