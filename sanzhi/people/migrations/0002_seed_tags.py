from django.db import migrations

TAGS = [
    # code, name, name_en, subject, sensitive
    ("dibao", "低保户", "Minimum-subsistence household", "household", False),
    ("tekun", "特困供养", "Extreme-poverty support", "household", False),
    ("kongchao", "空巢家庭", "Empty-nest household", "household", False),
    ("junshu", "军烈属", "Military / martyr family", "household", False),
    ("duju-laoren", "独居老人", "Elderly living alone", "resident", False),
    ("gaoling", "高龄老人", "Aged 80 and over", "resident", False),
    ("canji", "残疾人", "Person with disability", "resident", False),
    ("liushou-ertong", "留守儿童", "Left-behind child", "resident", False),
    ("tuiyi-junren", "退役军人", "Veteran", "resident", False),
    ("yunfu", "孕产妇", "Pregnant or post-partum", "resident", False),
    ("shequ-jiaozheng", "社区矫正", "Under community correction", "resident", True),
    ("jingshen-zhangai", "精神障碍", "Severe mental disorder", "resident", True),
    ("xidu", "吸毒人员", "Drug user", "resident", True),
    ("xingman-shifang", "刑满释放", "Released prisoner", "resident", True),
]


def seed(apps, schema_editor):
    Tag = apps.get_model("people", "Tag")
    for code, name, name_en, subject, sensitive in TAGS:
        Tag.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "subject": subject, "sensitive": sensitive}
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
