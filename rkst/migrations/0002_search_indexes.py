from django.db import migrations

from rkst.postgres import trigram_index


class Migration(migrations.Migration):
    dependencies = [("rkst", "0001_initial")]

    operations = [trigram_index("rkst_source", "rkst_source_search_trgm")]
