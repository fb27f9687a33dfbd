"""Security events and the login lockout page.

Failed logins, lockouts and refused requests (403) are logged to "rkst.security", one line
each, with the username, the client's address and the path as extra fields.
"""

import logging

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render

log = logging.getLogger("rkst.security")


def client_ip_address(request):
    """The client's address: REMOTE_ADDR, or behind a proxy that appends it
    (USE_X_FORWARDED_FOR), the last X-Forwarded-For entry, the one the proxy wrote."""
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def _where(request):
    if request is None:
        return {"ip": None, "path": None}
    ip = getattr(request, "axes_ip_address", None) or client_ip_address(request)
    return {"ip": ip, "path": request.path}


def login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username")
    fields = {"event": "login_failed", "username": username, **_where(request)}
    # %r keeps a username with line breaks on one line.
    log.warning("Failed login for %r from %s", username, fields["ip"], extra=fields)


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    fields = {"event": "lockout", **_where(request), "username": username, "ip": ip_address}
    log.warning(
        "Locked out %r at %s after repeated failed logins", username, ip_address, extra=fields
    )


def connect():
    from axes.signals import user_locked_out

    user_login_failed.connect(login_failed, dispatch_uid="rkst.security.login_failed")
    user_locked_out.connect(locked_out, dispatch_uid="rkst.security.locked_out")


class SecurityLogMiddleware:
    """Logs every refused request (403): a permission the user lacks, a failed CSRF check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            user = getattr(request, "user", None)
            username = user.get_username() if user is not None and user.is_authenticated else ""
            fields = {
                "event": "forbidden",
                "username": username,
                "method": request.method,
                **_where(request),
            }
            log.warning(
                "Refused %s %s for %r from %s",
                request.method,
                request.path,
                username,
                fields["ip"],
                extra=fields,
            )
        return response


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): 429, in the reader's language."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "rkst/lockout.html", context, status=429)
