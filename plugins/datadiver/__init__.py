"""DataDiver App layer: operators and the panel.

FiftyOne loads this file as the plugin's entry point. Each concern lives in its
own module here (``loading.py``, ``embeddings.py``, ...) with a ``register(p)``
function; this file registers them all. Modules stay thin: they read params,
call ``datadiver_fo`` and report.
"""
import importlib
import logging
import pkgutil

logger = logging.getLogger(__name__)

# Import errors are kept here (and logged) instead of hiding the other modules'
# operators; tests assert this stays empty.
IMPORT_ERRORS = {}


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
    for module in _concern_modules():
        if hasattr(module, "register"):
            module.register(p)
