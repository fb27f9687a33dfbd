"""The read-only API at /api/v1/ (Django REST framework, OpenAPI 3.1 by drf-spectacular).

Every list and record reads through the visibility layer, as the pages do: the HTML list's
Listing filters and sorts, the serialisers' prepare() reads the public parts. The kernel's
sources are served here; each app serves its records from its own `api.py`, and the root
URLs gather them under one namespace, "api"."""
