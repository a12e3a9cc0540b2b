"""Chinese substring search: pg_trgm + a bigram GIN index on PostgreSQL, FTS5 trigram on SQLite.

The SQL lives in sanzhi.tickets.search (it is also what repairs SQLite's triggers after a later
migration rebuilds the ticket table); see that module for why there are two indexes.
"""

from django.db import migrations


def install(apps, schema_editor):
    from sanzhi.tickets.search import install_search_objects

    install_search_objects(schema_editor.connection)


def drop(apps, schema_editor):
    from sanzhi.tickets.search import drop_search_objects

    drop_search_objects(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_seed_categories")]

    operations = [migrations.RunPython(install, drop, elidable=False)]
