from django.db import migrations

from rkst.postgres import trigram_index


class Migration(migrations.Migration):
    dependencies = [("actors", "0002_initial")]

    operations = [trigram_index("actors_actor", "actors_actor_search_trgm")]
