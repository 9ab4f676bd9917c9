"""DataDiver App layer: operators and the panel.

FiftyOne loads this file as the plugin's entry point. Each concern lives in its
own module here (``loading.py``, ``embeddings.py``, ...) with a ``register(p)``
function; this file registers them all. Modules stay thin: they read params,
call ``datadiver_fo`` and report.
"""
import importlib
import logging
import os
import pkgutil

logger = logging.getLogger(__name__)

# Import errors are kept here (and logged) instead of hiding the other modules'
# operators; tests assert this stays empty.
IMPORT_ERRORS = {}


class _RemovedOptionFilter(logging.Filter):
    """Drops FiftyOne 1.22's "The `show_index` App config option has been
    removed" warning where nobody set the option.

    Neither DataDiver nor the user sets ``show_index`` / ``show_label`` /
    ``show_confidence``: FiftyOne's own ``AppConfig.serialize()`` writes them
    into every session state and ``StateDescription.from_dict`` warns on
    reading them back, three lines per App state update (45 in a short demo).
    The warning stays when the user really sets one (environment variable or
    ``app_config.json``)."""

    _OPTIONS = {"show_index": "FIFTYONE_APP_SHOW_INDEX", "show_label": "FIFTYONE_APP_SHOW_LABEL",
                "show_confidence": "FIFTYONE_APP_SHOW_CONFIDENCE"}

    def filter(self, record):
        if not str(record.msg).startswith("The `%s` App config option has been removed"):
            return True
        option = record.args[0] if record.args else None
        if option not in self._OPTIONS:
            return True
        return self._OPTIONS[option] in os.environ or _user_app_config_sets(option)


def _user_app_config_sets(option):
    try:
        import json

        import fiftyone.core.config as focn

        path = focn.locate_app_config()
        if not os.path.isfile(path):
            return False
        with open(path) as f:
            return option in json.load(f)
    except Exception:  # unreadable config: keep the warning
        return True


def _install_log_filter():
    target = logging.getLogger("fiftyone.core.config")
    if not any(isinstance(f, _RemovedOptionFilter) for f in target.filters):
        target.addFilter(_RemovedOptionFilter())


def _concern_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        try:
            yield importlib.import_module(f"{__name__}.{info.name}")
        except Exception as e:  # one broken module must not hide the others
            IMPORT_ERRORS[info.name] = repr(e)
            logger.exception("DataDiver: failed to import plugins/%s.py", info.name)


def register(p):
    _install_log_filter()
    for module in _concern_modules():
        if hasattr(module, "register"):
            module.register(p)
