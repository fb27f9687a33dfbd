"""The shared cache without a single point of failure.

With REDIS_URL set, every app server caches facet counts, figures and pages in Redis. When
Redis does not answer, the pages are computed without it: each call fails over to what a
cache miss does (a get finds nothing, a set keeps nothing, an add lets the caller compute),
the failure is logged once a period, and Redis is not asked again for a few seconds, so that
readers do not each wait for a timeout. `state()` tells the health check.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("rkst.cache")

# How long Redis is left alone after it failed, and how often that is logged.
RETRY_SECONDS = 5


# Per Redis location, in this process: until when it is left alone, and when it was logged.
# Module-wide, since Django makes a cache object per thread.
_outages = {}


def _failed_over(fallback):
    def decorate(method):
        def wrapped(self, *args, **kwargs):
            if time.monotonic() < self._outage["until"]:
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except Exception as error:  # redis-py's and the socket's errors alike
                if not self._is_outage(error):
                    raise
                self._went_down(error)
                return fallback(*args, **kwargs)

        wrapped.__name__ = method.__name__
        return wrapped

    return decorate


def _missing(key, default=None, *args, **kwargs):
    return default


def _nothing(*args, **kwargs):
    return None


def _added(*args, **kwargs):
    # The caller is the first to compute the value: with no cache, every caller is.
    return True


def _none_found(*args, **kwargs):
    return {}


def _absent(*args, **kwargs):
    return False


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that, when Redis is away, behaves as an empty cache."""

    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        # A Redis that does not answer is given up quickly: the page is computed instead.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, params)
        self._outage = _outages.setdefault(str(server), {"until": 0.0, "logged": 0.0})

    @staticmethod
    def _is_outage(error):
        import redis

        return isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError)

    def _went_down(self, error):
        now = time.monotonic()
        self._outage["until"] = now + RETRY_SECONDS
        if now - self._outage["logged"] >= RETRY_SECONDS:
            self._outage["logged"] = now
            log.warning(
                "cache unreachable: pages are computed without it", extra={"error": str(error)}
            )

    def state(self):
        """ "ok" when Redis answers a ping, else "unreachable"."""
        try:
            self._cache.get_client(write=False).ping()
        except Exception as error:
            if not self._is_outage(error):
                raise
            self._went_down(error)
            return "unreachable"
        self._outage["until"] = 0.0
        return "ok"

    get = _failed_over(_missing)(RedisCache.get)
    set = _failed_over(_nothing)(RedisCache.set)
    add = _failed_over(_added)(RedisCache.add)
    touch = _failed_over(_absent)(RedisCache.touch)
    delete = _failed_over(_absent)(RedisCache.delete)
    get_many = _failed_over(_none_found)(RedisCache.get_many)
    set_many = _failed_over(lambda *args, **kwargs: [])(RedisCache.set_many)
    delete_many = _failed_over(_nothing)(RedisCache.delete_many)
    has_key = _failed_over(_absent)(RedisCache.has_key)
    clear = _failed_over(_absent)(RedisCache.clear)


def state(cache):
    """The health check's word on a cache: "ok", "unreachable", or "local" for a cache kept
    in each process's memory (nothing to reach)."""
    if isinstance(cache, ResilientRedisCache):
        return cache.state()
    return "local"
