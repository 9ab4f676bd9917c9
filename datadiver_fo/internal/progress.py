"""One progress convention for every long-running library function.

Library functions take ``progress`` as:

-   ``None`` or ``False``: silent;
-   ``True``: a tqdm progress bar on stderr (notebooks and scripts);
-   a callable ``progress(fraction, label)``: called with a float in [0, 1] and
    a short text; the App layer passes one that forwards to
    ``ctx.set_progress``.
"""
import time

_MIN_INTERVAL = 0.25  # seconds between callback calls, so the App is not flooded


class Progress:
    """Counts work done towards a known total and reports it.

    Args:
        progress: ``None``/``False``, ``True`` or a callable, see module doc
        total: number of work units expected (may be 0)
        desc: short label shown next to the bar
    """

    def __init__(self, progress, total, desc=""):
        self.total = max(int(total or 0), 0)
        self.desc = desc
        self.done = 0
        self._callback = progress if callable(progress) else None
        self._bar = None
        self._last = 0.0
        if progress is True:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, desc=desc, unit="it")

    def update(self, n=1, label=None):
        """Marks ``n`` more units as done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        if self._callback is not None:
            now = time.monotonic()
            if now - self._last >= _MIN_INTERVAL or self.done >= self.total:
                self._last = now
                frac = 1.0 if not self.total else min(self.done / self.total, 1.0)
                self._callback(frac, label or f"{self.desc} {self.done}/{self.total}")

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()
        return False
