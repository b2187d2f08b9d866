"""Django settings for the benchmark: the project's settings, measured as in production.

DEBUG is off (no query log, no debug pages) but TLS redirects and secure cookies stay off,
because the benchmark talks plain HTTP to 127.0.0.1. `DATABASE_URL` chooses the database, as
for the project. Static files are not collected: pages only need their URLs.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise scans this folder at start-up; an empty one keeps it quiet and fast.
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", str(BASE_DIR / "bench-results" / "static"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
WHITENOISE_AUTOREFRESH = False
# The project's URLs and the bare page that measures the framework's floor (bench.floor).
ROOT_URLCONF = "bench.urls"
