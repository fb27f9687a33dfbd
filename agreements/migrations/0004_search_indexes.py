from django.db import migrations

from rkst.postgres import trigram_index


class Migration(migrations.Migration):
    dependencies = [("agreements", "0003_groups")]

    operations = [
        trigram_index("agreements_agreement", "agreements_agreement_search_trgm"),
        trigram_index("agreements_project", "agreements_project_search_trgm"),
        trigram_index("agreements_topic", "agreements_topic_search_trgm"),
    ]
