"""Who and when, recorded the same way by every writer (edit log, saved-view
provenance, runs)."""
import datetime
import getpass
import os


def now_iso():
    """The current UTC time as an ISO-8601 string to the second."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def user_name(user=None):
    """``user`` as a string when given, else the login name (``$USER``, then
    the password database), else ``"unknown"`` (containers without one)."""
    if user:
        return str(user)
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:
        return "unknown"


__all__ = ["now_iso", "user_name"]
