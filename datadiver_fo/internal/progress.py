"""One progress convention for every long-running function: FiftyOne's.

Every DataDiver function with a ``progress`` parameter accepts exactly what
``fiftyone.core.collections`` and fiftyone-brain accept:

-   ``None`` (the default): a progress bar if ``fo.config.show_progress_bars``
    (FiftyOne's default setting);
-   ``True`` / ``False``: a bar / no bar, whatever the setting says;
-   a callable ``progress(pb)``: called with the running
    :class:`fiftyone.core.utils.ProgressBar` each time it advances:
    ``pb.progress`` (a float in [0, 1]), ``pb.iteration``, ``pb.total``,
    ``pb.complete``; DataDiver's own bars also carry ``pb.label``, a short
    text naming the step. Wrap it in ``fo.report_progress(fn, n=None,
    dt=None)`` to be called at ``n`` equally-spaced increments or every ``dt``
    seconds. As in FiftyOne, a bar is printed too unless
    ``fo.config.show_progress_bars`` is False.

The value is passed on to the FiftyOne and brain calls a function makes: a
bar or none as asked, and a callable hears from their bars too (mapped into
the function's own bar when the call is one step of it, so ``pb.progress``
only increases). A function's bar ends at ``pb.progress == 1.0`` when its
work completes.

Deprecated: the callable ``progress(fraction, label)`` of earlier DataDiver
versions (any callable taking two or more positional parameters) still works:
it is called with ``pb.progress`` and ``pb.label`` (a str) at most every 0.25 s
and once at completion, and a ``DeprecationWarning`` is emitted each time a
function adapts it (Python's default filters show it once per calling line).

Inside the package: ``with Progress(progress, total, desc) as prog:
prog.update(n)``; a step that calls another DataDiver function passes it
``progress=prog.span(units)`` so that function advances this bar by
``units`` instead of opening a bar of its own, and a step that calls FiftyOne
or brain passes ``progress=prog.forward(units)`` (``bars_only(progress)``
once the function's bar has ended).
"""
import inspect
import math
import os
import sys
import time
import warnings

_MIN_INTERVAL = 0.25  # seconds between calls of a deprecated callback, as before
_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class _Legacy:
    """Adapts a deprecated ``progress(fraction, label)`` callable to FiftyOne's
    ``progress(pb)``."""

    def __init__(self, fn):
        self.fn = fn
        self._last = -math.inf

    def __call__(self, pb):
        frac = pb.progress
        if frac is None:  # a bar without a total has no fraction to report
            return
        now = time.monotonic()
        if now - self._last >= _MIN_INTERVAL or pb.complete:
            self._last = now
            self.fn(float(frac), getattr(pb, "label", None) or "")


class _Span:
    """``units`` of an enclosing :class:`Progress`, lent to a nested step.

    A :class:`Progress` built on a span advances the enclosing bar instead of
    opening its own. A span is also a FiftyOne-style callable, so it can be
    given to a FiftyOne or brain call directly.
    """

    def __init__(self, parent, units):
        self.parent = parent
        self.units = max(int(units), 0)
        self.given = 0

    def advance(self, done, total, label=None):
        """Moves the enclosing bar to ``done / total`` of this span."""
        target = self.units if not total else min(self.units * int(done) // int(total), self.units)
        if target > self.given:
            step, self.given = target - self.given, target
            self.parent.update(step, label)

    def __call__(self, pb):
        if pb.total is not None:
            self.advance(pb.iteration, pb.total, getattr(pb, "label", None))


def _is_legacy(fn):
    """True for a deprecated ``progress(fraction, label)`` callable: one that
    takes two or more positional parameters (FiftyOne's takes one)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature
        return False
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in kinds for p in params) >= 2


def _caller_stacklevel():
    """The ``stacklevel`` that attributes a warning to the first frame outside
    this package (the user's line), whatever the call depth."""
    frame, level = sys._getframe(1), 1  # level 1 = our caller, which warns
    while frame is not None and frame.f_code.co_filename.startswith(_PKG_DIR):
        frame, level = frame.f_back, level + 1
    return level


def as_fiftyone(progress):
    """Returns ``progress`` in one of FiftyOne's forms, for a FiftyOne or
    brain call.

    Args:
        progress: ``None``, ``True``, ``False``, a callable ``progress(pb)``,
            a span of an enclosing :class:`Progress`, or a deprecated
            ``progress(fraction, label)`` callable

    Returns:
        ``progress`` itself, except a deprecated callable, which comes back
        wrapped so that it receives ``(pb.progress, pb.label)``; a
        ``DeprecationWarning`` is emitted then

    Raises:
        ValueError: ``progress`` is none of these
    """
    if progress is None or isinstance(progress, (bool, _Legacy, _Span)):
        return progress
    if not callable(progress):
        raise ValueError(
            "progress must be None, True, False or a callable that receives a "
            "fiftyone.core.utils.ProgressBar, got %r" % (progress,)
        )
    if not _is_legacy(progress):
        return progress
    warnings.warn(
        "A progress callable taking (fraction, label) is deprecated: pass one that "
        "receives a fiftyone.core.utils.ProgressBar (e.g. fo.report_progress("
        "lambda pb: ..., dt=1.0)), as FiftyOne does",
        DeprecationWarning,
        stacklevel=_caller_stacklevel(),
    )
    return _Legacy(progress)


def bars_only(progress):
    """What to pass as ``progress`` to a FiftyOne or brain call made after a
    function's own bar has ended: the caller's ``None``/``True``/``False``
    unchanged; for a callable ``None`` (a bar as ``fo.config`` says, as for a
    callable), so the callable, already told 1.0, hears no more."""
    return progress if progress is None or isinstance(progress, bool) else None


class Progress:
    """Counts work towards a known total and reports it the FiftyOne way: a
    :class:`fiftyone.core.utils.ProgressBar` built with
    ``ProgressBar(total=total, progress=progress)``.

    Use it as a context manager; on a normal exit the bar is moved to
    ``total`` (so a callback's last call has ``pb.progress == 1.0``)::

        with Progress(progress, len(ids), "embeddings") as prog:
            for batch in batches:
                ...
                prog.update(len(batch))

    Args:
        progress: what the public function received (see the module doc), or
            ``prog.span(units)`` of an enclosing :class:`Progress`
        total: number of work units expected (an int >= 0)
        desc (""): short name of the work; ``pb.label`` is ``"<desc>
            <done>/<total>"`` unless :meth:`update` gives a step label

    Raises:
        ValueError: ``progress`` is not one of the accepted forms
    """

    def __init__(self, progress, total, desc=""):
        self.total = max(int(total or 0), 0)
        self.desc = desc
        self.done = 0
        self._step = None
        self._span = progress if isinstance(progress, _Span) else None
        self._bar = None
        if self._span is None:
            import fiftyone.core.utils as fou

            self._asked = as_fiftyone(progress)
            self._bar = fou.ProgressBar(total=self.total, progress=self._asked)
            self._bar.label = self.label
        else:
            self._asked = self._span.parent._asked

    @property
    def label(self):
        """The step being run: the last :meth:`update`'s label, else
        ``"<desc> <done>/<total>"``."""
        return self._step or f"{self.desc} {self.done}/{self.total}".strip()

    def span(self, units):
        """Lends ``units`` of this bar to a nested step: pass the result as
        that step's ``progress``."""
        return _Span(self, units)

    def forward(self, units):
        """What to pass as ``progress`` to a FiftyOne or brain call that is a
        step of ``units`` of this bar: what the caller asked for (a bar or
        none), or, for a callable, :meth:`span` so the callable sees this bar
        advance instead of the step's own restart at 0."""
        if callable(self._asked):
            return self.span(units)
        return self._asked

    def update(self, n=1, label=None):
        """Marks ``n`` more units as done; ``label`` names the step (until the
        next update)."""
        self.done += n
        self._step = label
        if self._span is not None:
            self._span.advance(self.done, self.total, self.label)
        else:
            self._bar.label = self.label
            self._bar.update(n, suffix=label or "")

    def close(self, *exc_info):
        """Completes the bar (after a normal exit) and closes it."""
        ok = not exc_info or exc_info[0] is None
        if ok and self.done < self.total:  # the work is done, whatever was counted
            self.done, self._step = self.total, None
        if self._span is not None:
            if ok:
                self._span.advance(self.total, self.total, self.label)
            self._span = None
        elif self._bar is not None:
            if ok and (self._bar.iteration < self.total or not self.total):
                self._bar.label = self.label
                self._bar.set_iteration(self.total)
            self._bar.close(*exc_info)
            self._bar = None

    def __enter__(self):
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc_info):
        self.close(*exc_info)
        return False
