"""The API's bound on anonymous clients, apart from the views: DRF imports it with its
settings, before any view exists."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousThrottle(AnonRateThrottle):
    """At most API_THROTTLE_RATE requests a client address; an empty setting: no bound (read
    at each request: DRF's own rates are read once, at import)."""

    def get_rate(self):
        return settings.API_THROTTLE_RATE or None
