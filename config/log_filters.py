"""Filters of the site's logs (LOGGING in config/settings.py)."""

import logging


class OneLineForbidden(logging.Filter):
    """A refused permission (403) in one line, with the user who was refused.

    Django logs every PermissionDenied on `django.request` with its traceback: a user who
    follows an old link is not an error of the code, and a screenful per refusal hides the
    errors that are. Other records pass as they are. A record passes once: logging configured
    again (`django.setup()` in a process that had set up already) adds the filter a second time.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403 or getattr(record, "one_line", False):
            return True
        record.one_line = True
        record.exc_info = None
        record.exc_text = None
        user = getattr(getattr(record, "request", None), "user", None)
        if user is not None and user.is_authenticated and isinstance(record.args, tuple):
            record.msg = f"{record.msg} (user %s)"
            record.args = (*record.args, user.get_username())
        return True
