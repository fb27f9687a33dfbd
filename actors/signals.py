from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import ActorAlias


@receiver([post_save, post_delete], sender=ActorAlias, dispatch_uid="actors.alias_search")
def refresh_actor_search_text(sender, instance, **kwargs):
    # An alias is part of its actor's search text; fixtures load aliases after actors.
    actor = type(instance.actor).objects.filter(pk=instance.actor_id).first()
    if actor is not None:
        actor.refresh_search_text()
