from django.db import migrations

CHARGE_KINDS = [
    ("apc", "文章处理费", "Article processing charge"),
    ("page_charges", "版面费", "Page charges"),
    ("colour_figures", "彩图费", "Colour figures"),
    ("language_editing", "语言润色费", "Language editing"),
    ("reprints", "抽印本费", "Reprints"),
    ("review_fee", "审稿费", "Review fee"),
]


def add_charge_kinds(apps, schema_editor):
    ChargeKind = apps.get_model("payments", "ChargeKind")
    for code, name_zh_hans, name_en in CHARGE_KINDS:
        ChargeKind.objects.get_or_create(code=code, defaults={"name_zh_hans": name_zh_hans, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_orders")]
    operations = [migrations.RunPython(add_charge_kinds, migrations.RunPython.noop)]
