"""The one report type: what a public computation did, read-only.

Every public function that returns a report (``compute_quality``,
``find_duplicates``, ``compute_ood``, ``export_view``, ...) returns a
:class:`Report` (or a named subclass such as ``OodReport``). A report is a
``dict`` frozen after construction, so both spellings work and a typo is an
error, never a silent ``None``::

    rep = ddf.compute_quality(ds)
    rep.run_key == rep["run_key"]       # attribute or item
    rep.run_kye                          # AttributeError naming the valid keys
    dict(rep), rep.to_dict(), list(rep.keys())
    json.dumps(rep)                      # a dict of JSON values stays JSON
    print(rep)                           # one aligned line per key

Key names are shared by every report: the run a computation recorded is
always ``run_key``.
"""
import difflib

_MAX_REPR = 60  # characters of one value in repr/str


def _short(value):
    """A one-line, bounded text of ``value`` for repr/str."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple, set, frozenset)):
        text = repr(value)
        if len(text) <= _MAX_REPR:
            return text
        items = list(value)
        head = ", ".join(repr(x) for x in items[:3])
        if len(head) > _MAX_REPR:
            head = head[:_MAX_REPR] + "..."
        return f"[{head}, ... ({len(items)} items)]"
    if isinstance(value, dict):
        text = repr(value)
        if len(text) <= _MAX_REPR:
            return text
        keys = ", ".join(str(k) for k in list(value)[:4])
        return f"{{{len(value)} keys: {keys}{', ...' if len(value) > 4 else ''}}}"
    if value is None or isinstance(value, (bool, int, str)):
        text = repr(value)
        return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 4] + "...'"
    return f"<{type(value).__name__}>"  # figures, arrays: never dumped whole


def _rebuild(cls, data, title):
    return cls(data, title=title)


class Report(dict):
    """What a computation did: a read-only dict with attribute access.

    Args:
        data (()): a mapping or iterable of ``(key, value)`` pairs; keys are
            strings
        title (None): the name shown by ``repr``/``str`` (e.g.
            ``"compute_quality"``); default the class name
        **items: more keys (any name but ``title``)

    Reading:
        ``rep.key`` and ``rep["key"]`` return the same value; an unknown
        attribute raises ``AttributeError`` and an unknown item
        ``KeyError``, both naming the valid keys (and the closest one).
        ``dict(rep)`` / :meth:`to_dict` give a plain, mutable copy (one
        level: nested lists and dicts are shared). ``keys()``, ``items()``,
        ``get()``, ``in``, ``len``, ``==`` and ``json.dumps`` work as on a
        dict. Where a key is also a dict method name (``values``, ``items``,
        ``keys``...), ``rep.name`` is the method: use ``rep["name"]``.

    Writing:
        none: item or attribute assignment, ``del``, ``update``, ``pop``,
        ``setdefault``, ``clear`` and ``|=`` raise ``TypeError``.
    """

    __slots__ = ("_title",)

    def __init__(self, data=(), /, *, title=None, **items):
        dict.__init__(self, data, **items)
        object.__setattr__(self, "_title", title or type(self).__name__)

    # -- reading ---------------------------------------------------------

    def _valid(self, wrong):
        names = ", ".join(map(str, self))
        close = difflib.get_close_matches(str(wrong), [str(k) for k in self], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{self._title} has no key {wrong!r}{hint}; valid keys: {names or '(none)'}"

    def __getattr__(self, name):
        # Only called when normal lookup failed: methods and slots come first.
        if name in self:
            return self[name]
        if name.startswith("_"):  # private and dunder probes (copy, IPython...)
            raise AttributeError(name)
        raise AttributeError(self._valid(name))

    def __missing__(self, key):
        raise KeyError(self._valid(key))

    def __dir__(self):
        return sorted(set(dir(type(self))) | {k for k in self if isinstance(k, str) and k.isidentifier()})

    def to_dict(self):
        """A plain ``dict`` copy of the report (one level; mutable)."""
        return dict(self)

    # -- read-only -------------------------------------------------------

    def _read_only(self, *args, **kwargs):
        raise TypeError(f"{self._title} is read-only; use .to_dict() for a mutable copy")

    __setitem__ = __delitem__ = _read_only
    update = pop = popitem = setdefault = clear = __ior__ = _read_only

    def __setattr__(self, name, value):
        raise AttributeError(f"{self._title} is read-only; use .to_dict() for a mutable copy")

    def __delattr__(self, name):
        raise AttributeError(f"{self._title} is read-only; use .to_dict() for a mutable copy")

    def __reduce__(self):
        # pickle/copy would otherwise refill the dict through __setitem__
        return (_rebuild, (type(self), dict(self), self._title))

    # -- display ---------------------------------------------------------

    def __repr__(self):
        body = ", ".join(f"{k}={_short(v)}" for k, v in self.items())
        return f"{self._title}({body})"

    def __str__(self):
        width = max((len(str(k)) for k in self), default=0)
        lines = [self._title]
        lines += [f"  {str(k):<{width}}  {_short(v)}" for k, v in self.items()]
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):
        # IPython/Jupyter: the aligned form of print(rep)
        printer.text(str(self) if not cycle else f"{self._title}(...)")


__all__ = ["Report"]
