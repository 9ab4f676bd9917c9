"""Embedding models: one interface over timm, open_clip, the weightless
embedder, raw pixels and bring-your-own torch modules or callables.

A model is named by a string so that a run can record it and rebuild it later
(for text queries, or to finish an interrupted run with the same weights):

-   ``"auto"``: the best model available offline (see :func:`resolve_auto`):
    open_clip ViT-B-32-class weights in the local cache, else a timm ImageNet
    classifier in the local cache, else ``"weightless"``; never a download
-   ``"weightless"``: no weights at all (see :class:`WeightlessEmbedder`)
-   ``"pixels"``: raw pixels of a 32x32 thumbnail (a baseline)
-   ``"timm:<name>"``: pretrained timm weights (hub when online, else the
    local Hugging Face cache); ``"timm:<name>@<checkpoint file>"`` loads a
    user's state dict instead. Features are the pooled features, no head
-   ``"open_clip:<arch>:<pretrained tag or checkpoint file>"``: image tower
    for embeddings, text tower for text queries. ``<arch>`` may also be the
    path of an open_clip model-config JSON file (its stem names the arch)
-   ``"<name>"`` or ``"custom:<name>"``: a model added with
    :func:`register_model`

Every model turns a batch of decoded RGB images (``uint8``, ``N x H x W x 3``,
all resized to :attr:`EmbeddingModel.image_size`) into an ``N x D`` float32
array in one call. Torch-based models (timm, open_clip, weightless, registered
torch modules) also take a batch at the files' own size (a uint8 numpy array
or torch tensor) and resize it on their device (:attr:`EmbeddingModel.resizes`),
so decoding does not have to upsample 64 px files to 224 px on the CPU.

Hardware: ``device="auto"`` is CUDA, then Apple MPS, then CPU
(:func:`resolve_device`). ``precision="auto"`` runs the forward pass under bf16
autocast with channels_last memory format on CUDA (fp16 where bf16 is not
supported) and in float32 elsewhere; ``"fp32"`` opts out, ``"bf16"`` forces
bf16 autocast (on CPU too: this is how the tests check the mixed-precision path
agrees with float32). Precision is recorded with a run but is not part of the
fingerprint: bf16 and fp32 vectors agree to cosine >= 0.999, so a run resumed
on another machine keeps one field.
"""
import hashlib
import logging
import os
import threading

import numpy as np

logger = logging.getLogger(__name__)

_AUTO = "weightless"  # the last resort of "auto": needs no weights
# "auto" tries these in order and takes the first whose weights are already in
# the local cache (no network): a CLIP image tower first (it also embeds text),
# then ImageNet classifiers from strong to small.
_AUTO_OPEN_CLIP = (
    ("ViT-B-32", "openai"),
    ("ViT-B-32", "laion2b_s34b_b79k"),
    ("ViT-B-16", "openai"),
    ("ViT-B-16", "laion2b_s34b_b88k"),
)
_AUTO_TIMM = (
    "convnext_tiny.in12k_ft_in1k",
    "resnet50.a1_in1k",
    "resnet50.tv2_in1k",
    "efficientnet_b0.ra_in1k",
    "resnet18.a1_in1k",
    "resnet18.tv_in1k",
)
_PRECISIONS = ("auto", "fp32", "bf16")
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)

_REGISTRY = {}  # name -> dict(model=, preprocess=, text_encoder=, image_size=, version=)
_CACHE = {}  # (spec, device, image_size) -> EmbeddingModel
_CACHE_LOCK = threading.Lock()
_SHA_CACHE = {}  # (path, size, mtime) -> sha256


class EmbeddingModel:
    """A loaded embedding model behind the common interface.

    Attributes:
        spec: the model string it was built from
        image_size: the square size images are resized to before embedding,
            or ``None`` to keep the images' own size
        device: the torch device string
        fingerprint: a dict identifying the exact weights and preprocessing;
            two runs with equal fingerprints produce the same embeddings
        has_text: whether :meth:`embed_texts` is available
        resizes: whether :meth:`embed_batch` takes uint8 images of any
            (common) size and resizes them to :attr:`image_size` on the
            device (bilinear, antialiased when shrinking, as PIL does)
        precision: ``"fp32"`` or ``"bf16"`` (autocast), the forward's precision
        preprocess: ``None`` (images arrive as a ``uint8`` batch) or a
            per-image callable ``PIL.Image -> array/tensor`` whose outputs are
            stacked and passed to the model
    """

    def __init__(self, spec, embed_fn, image_size, device="cpu", fingerprint=None,
                 text_fn=None, preprocess=None, resizes=False, precision="fp32"):
        self.spec = spec
        self._embed_fn = embed_fn
        self._text_fn = text_fn
        self.image_size = image_size
        self.device = str(device)
        self.preprocess = preprocess
        self.resizes = bool(resizes) and preprocess is None
        self.precision = precision
        self.fingerprint = dict(fingerprint or {"model": spec})
        self.fingerprint.setdefault("model", spec)
        self.fingerprint["image_size"] = image_size

    @property
    def has_text(self):
        return self._text_fn is not None

    def embed_batch(self, batch):
        """Embeds one batch.

        Args:
            batch: a ``uint8`` array or tensor ``N x H x W x 3`` (``H x W``
                = :attr:`image_size` unless :attr:`resizes`), or, when
                :attr:`preprocess` is set, the stacked preprocessed images

        Returns:
            a float32 array ``N x D``
        """
        if not self.resizes and not isinstance(batch, np.ndarray) and hasattr(batch, "numpy") \
                and self.preprocess is None:
            batch = batch.numpy()  # a callable model gets what it always got: numpy
        out = self._embed_fn(batch)
        out = _to_numpy(out)
        if out.ndim == 1:
            out = out[:, None]
        if out.ndim > 2:
            out = out.reshape(out.shape[0], -1)
        return out.astype(np.float32, copy=False)

    def embed_texts(self, texts):
        """Embeds text prompts with the model's text tower.

        Args:
            texts: a string or a list of strings

        Returns:
            a float32 array ``len(texts) x D`` in the image embedding space

        Raises:
            ValueError: if the model has no text tower
        """
        if self._text_fn is None:
            raise ValueError(
                f"Model '{self.spec}' has no text encoder; text queries need a model "
                "with a text tower, e.g. 'open_clip:<arch>:<weights>'"
            )
        if isinstance(texts, str):
            texts = [texts]
        out = _to_numpy(self._text_fn(list(texts)))
        return np.atleast_2d(out).astype(np.float32, copy=False)

    def __repr__(self):
        return f"EmbeddingModel({self.spec!r}, image_size={self.image_size})"


def _to_numpy(x):
    try:
        import torch

        if isinstance(x, torch.Tensor):
            return x.detach().float().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    return np.asarray(x, dtype=np.float32)


def _file_sha256(path):
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _SHA_CACHE[key] = h.hexdigest()
    return _SHA_CACHE[key]


# --------------------------------------------------------------------------- #
# Registry (bring your own)
# --------------------------------------------------------------------------- #


def register_model(name, module_or_callable, preprocess=None, text_encoder=None,
                   image_size=None, version=None, overwrite=True):
    """Registers a torch module or a callable as an embedding model by name.

    Args:
        name: the name to use as ``model=name`` (or ``"custom:" + name``); letters,
            digits, ``_``, ``-``, ``.`` only
        module_or_callable: a ``torch.nn.Module`` (called in eval mode under
            ``torch.no_grad`` on an ``N x 3 x S x S`` float tensor, ImageNet-
            normalised unless ``preprocess`` is given) or any callable taking a
            ``uint8`` array ``N x S x S x 3`` (or the stacked ``preprocess``
            outputs). It must return ``N x D`` values (array or tensor); extra
            trailing dims are flattened
        preprocess (None): optional per-image callable ``PIL.Image -> tensor or
            array`` (e.g. a torchvision transform); outputs are stacked
        text_encoder (None): optional callable ``list[str] -> N x D`` in the same
            space, enabling text queries
        image_size (None): square size images are resized to first; ``None``
            keeps the dataset's size (64 for Tiny-ImageNet)
        version (None): a string that changes when the weights change; it is
            part of the fingerprint that ``skip_existing`` compares
        overwrite (True): replace an existing registration of ``name``

    Returns:
        the model string to pass as ``model=``
    """
    import re

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        raise ValueError(f"Invalid model name {name!r}: use letters, digits, '_', '-', '.'")
    if name in ("auto", "weightless", "pixels") or name.startswith(("timm", "open_clip")):
        raise ValueError(f"Model name {name!r} is reserved")
    if not callable(module_or_callable):
        raise ValueError("module_or_callable must be a torch module or a callable")
    if preprocess is not None and not callable(preprocess):
        raise ValueError("preprocess must be a callable PIL.Image -> array/tensor")
    if text_encoder is not None and not callable(text_encoder):
        raise ValueError("text_encoder must be a callable list[str] -> N x D")
    if name in _REGISTRY and not overwrite:
        raise ValueError(f"A model named {name!r} is already registered")
    _REGISTRY[name] = dict(
        model=module_or_callable,
        preprocess=preprocess,
        text_encoder=text_encoder,
        image_size=image_size,
        version=version,
    )
    with _CACHE_LOCK:
        for key in [k for k in _CACHE if k[0] in (name, "custom:" + name)]:
            del _CACHE[key]
    return "custom:" + name


def unregister_model(name):
    """Removes a model added with :func:`register_model` (no error if absent)."""
    name = name[len("custom:"):] if name.startswith("custom:") else name
    _REGISTRY.pop(name, None)
    with _CACHE_LOCK:
        for key in [k for k in _CACHE if k[0] in (name, "custom:" + name)]:
            del _CACHE[key]


def list_models():
    """Lists the model strings that work right now without a download:
    the built-ins plus registered models (timm/open_clip take a name)."""
    return ["auto", "weightless", "pixels"] + ["custom:" + n for n in sorted(_REGISTRY)]


# --------------------------------------------------------------------------- #
# Loading
# --------------------------------------------------------------------------- #


def resolve_spec(model):
    """Normalises a model string: registered names get their ``custom:``
    prefix, ``""`` means ``"auto"``. Non-strings pass through. (``"auto"`` is
    resolved by :func:`resolve_auto`, which looks at the local caches.)"""
    if not isinstance(model, str):
        return model
    model = model.strip()
    if model in ("", "auto"):
        return "auto"
    if model in _REGISTRY:
        return "custom:" + model
    return model


def resolve_device(device="auto"):
    """The torch device a model runs on.

    Args:
        device ("auto"): ``"auto"`` (CUDA if available, then Apple MPS, then
            CPU), or a torch device string (``"cpu"``, ``"cuda"``, ``"cuda:1"``,
            ``"mps"``)

    Returns:
        a device string

    Raises:
        ValueError: an invalid device string, or CUDA / MPS asked for where
            there is none
    """
    import torch

    if device is None or (isinstance(device, str) and device.strip() in ("", "auto")):
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    _check_device(device)
    return str(device)


def resolve_precision(precision, device):
    """``"auto"`` -> ``"bf16"`` on CUDA with bf16 support, else ``"fp32"``;
    ``"fp32"`` / ``"bf16"`` are kept. Raises ValueError for anything else."""
    import torch

    if precision not in _PRECISIONS:
        raise ValueError(f"precision must be one of {_PRECISIONS}, got {precision!r}")
    if precision != "auto":
        return precision
    if torch.device(device).type == "cuda" and torch.cuda.is_bf16_supported():
        return "bf16"
    return "fp32"


def _hf_cached(repo_id, filenames):
    """The local path of the first of ``filenames`` cached for ``repo_id`` in
    the Hugging Face hub cache (``HF_HUB_CACHE`` / ``HF_HOME``), or None. Reads
    the cache directory only: never a network call."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover
        return None
    # read the environment now (huggingface_hub reads it once, at import)
    cache = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface"),
        "hub")
    for fn in filenames:
        try:
            path = try_to_load_from_cache(repo_id, fn, cache_dir=cache)
        except Exception:
            path = None
        if isinstance(path, str) and os.path.isfile(path):
            return path
    return None


def _torch_hub_cached(url):
    """The file ``url`` downloads to in torch hub's checkpoint cache, if there."""
    if not url:
        return None
    try:
        import torch

        path = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(url))
    except Exception:  # pragma: no cover
        return None
    return path if os.path.isfile(path) else None


def _open_clip_cached(arch, tag):
    try:
        import open_clip

        cfg = open_clip.get_pretrained_cfg(arch, tag) or {}
    except Exception:
        return None
    hub = cfg.get("hf_hub") or ""
    if hub:
        repo, fn = os.path.split(hub)  # "org/repo/" or "org/repo/file", as open_clip reads it
        names = [fn] if fn else ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]
        found = _hf_cached(repo, names)
        if found:
            return found
    return _torch_hub_cached(cfg.get("url"))


def _timm_cached(name):
    try:
        import timm.models

        cfg = timm.models.get_pretrained_cfg(name)
    except Exception:
        return None
    if cfg is None:
        return None
    hub = getattr(cfg, "hf_hub_id", None)
    if hub:
        found = _hf_cached(hub, ["model.safetensors", "pytorch_model.bin",
                                 "open_clip_pytorch_model.bin"])
        if found:
            return found
    return _torch_hub_cached(getattr(cfg, "url", None))


def resolve_auto():
    """Picks the model ``"auto"`` means on this machine, without a network.

    Tries, in order, open_clip ViT-B-32 / ViT-B-16 image towers (they also
    embed text), then timm ImageNet classifiers (strong to small), and takes
    the first whose weights are already in the local Hugging Face hub cache
    (``HF_HUB_CACHE`` / ``HF_HOME``) or torch hub cache (``TORCH_HOME``); if
    none is cached, the weightless embedder.

    Returns:
        a tuple ``(model string, reason)``: e.g.
        ``("timm:resnet50.a1_in1k", "timm ImageNet weights found in the local
        cache at ...")``
    """
    try:
        import open_clip  # noqa: F401

        for arch, tag in _AUTO_OPEN_CLIP:
            path = _open_clip_cached(arch, tag)
            if path:
                return (f"open_clip:{arch}:{tag}",
                        f"open_clip {arch} ({tag}) weights found in the local cache at {path}")
    except ImportError:  # pragma: no cover
        pass
    try:
        import timm  # noqa: F401

        for name in _AUTO_TIMM:
            path = _timm_cached(name)
            if path:
                return (f"timm:{name}",
                        f"timm ImageNet weights {name} found in the local cache at {path} "
                        "(no open_clip weights cached)")
    except ImportError:  # pragma: no cover
        pass
    return (_AUTO, "no open_clip or timm weights in the local caches (Hugging Face hub, torch "
            "hub); the weightless embedder needs none")


def cached_timm_weights(name):
    """The local file holding pretrained weights of timm model ``name`` (e.g.
    ``"resnet18.a1_in1k"``) in the Hugging Face hub or torch hub cache, or
    ``None``. Reads the cache directories only: never a network call."""
    return _timm_cached(name)


def resolve_auto_classifier():
    """Picks the timm ImageNet-1k classifier an ``"auto"`` ensemble member of
    :func:`datadiver_fo.compute_predictions` means on this machine, without a
    network: the first of the timm models ``"auto"`` also tries for
    embeddings (strong to small: convnext_tiny, resnet50, efficientnet_b0,
    resnet18) whose weights are in the local cache. open_clip towers are not
    candidates: they have no ImageNet-1k head.

    Returns:
        a tuple ``(timm name, weights file, reason)``, or ``(None, None,
        reason)`` when none is cached
    """
    try:
        import timm  # noqa: F401
    except ImportError:  # pragma: no cover
        return None, None, "timm is not installed"
    for name in _AUTO_TIMM:
        path = _timm_cached(name)
        if path:
            return name, path, f"timm ImageNet-1k weights {name} found in the local cache at {path}"
    return None, None, (
        "no timm ImageNet-1k weights in the local caches (Hugging Face hub, torch hub); "
        "looked for " + ", ".join(_AUTO_TIMM)
    )


def load_model(model="auto", device="auto", image_size=None, optimize=True, precision="auto"):
    """Builds (or returns the cached) :class:`EmbeddingModel` for a model string.

    Args:
        model ("auto"): a model string (see the module doc), an
            :class:`EmbeddingModel`, or an unregistered torch module / callable
            (it is registered under its class name first). ``"auto"`` is
            resolved by :func:`resolve_auto` (the model's ``spec`` names the
            choice; the reason is logged)
        device ("auto"): torch device string; ``"auto"`` = CUDA, then MPS,
            then CPU (:func:`resolve_device`)
        image_size (None): override the model's input size (square); ``None``
            uses the model's default (timm / open_clip: their configured size;
            weightless: 64; custom: as registered)
        optimize (True): on CPU in float32, run timm models as a traced, frozen graph
            (conv+BN folded, oneDNN kernels; same float32 results to ~1e-6,
            forward 1.5-2x faster); checked against the eager module on the first
            batch and dropped if they differ. ``False`` keeps eager PyTorch
        precision ("auto"): ``"auto"`` (bf16 autocast + channels_last on CUDA,
            float32 elsewhere), ``"fp32"`` (opt out) or ``"bf16"`` (force
            autocast, also on CPU); see :func:`resolve_precision`

    Returns:
        an :class:`EmbeddingModel`

    Raises:
        ValueError: for an unknown model string, a missing checkpoint file,
            weights that cannot be fetched offline, or a bad device / precision
    """
    if isinstance(model, EmbeddingModel):
        return model
    if not isinstance(model, str):
        if not callable(model):
            raise ValueError(f"model must be a string, a torch module or a callable, got {type(model)}")
        model = register_model(f"{type(model).__name__}-{id(model):x}", model)
    spec = resolve_spec(model)
    reason = None
    if spec == "auto":
        spec, reason = resolve_auto()
        logger.info("model='auto' -> %s: %s", spec, reason)
    if image_size is not None:
        image_size = int(image_size)
        if image_size < 8:
            raise ValueError(f"image_size must be >= 8, got {image_size}")
    device = resolve_device(device)
    precision = resolve_precision(precision, device)
    key = (spec, device, image_size, bool(optimize), precision)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    if spec == "weightless" or spec.startswith("weightless:"):
        m = _load_weightless(spec, device, image_size)
    elif spec == "pixels":
        m = _load_pixels(spec, image_size)
    elif spec.startswith("timm:"):
        m = _load_timm(spec, device, image_size, optimize=bool(optimize), precision=precision)
    elif spec.startswith("open_clip:"):
        m = _load_open_clip(spec, device, image_size, precision=precision)
    elif spec.startswith("custom:"):
        m = _load_custom(spec, device, image_size, precision=precision)
    else:
        raise ValueError(
            f"Unknown model {model!r}. Use 'auto', 'weightless', 'pixels', 'timm:<name>[@<file>]', "
            f"'open_clip:<arch>:<weights>' or a registered name ({sorted(_REGISTRY)})"
        )
    with _CACHE_LOCK:
        _CACHE[key] = m
    return m


def clear_cache():
    """Forgets loaded models (frees their memory)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _check_device(device):
    import torch

    try:
        dev = torch.device(device)
    except Exception as e:
        raise ValueError(f"Invalid device {device!r}: {e}") from e
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available; "
                         "use device='auto' or 'cpu'")
    if dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"device {device!r} requested but MPS is not available; "
                             "use device='auto' or 'cpu'")


def resize_batch(x, size):
    """Resizes an ``N x C x H x W`` float tensor to ``size x size`` on its
    device: bilinear, antialiased when shrinking (as PIL's bilinear does), a
    no-op when it already has that size."""
    import torch.nn.functional as F

    if not size or tuple(x.shape[-2:]) == (size, size):
        return x
    shrink = x.shape[-1] > size or x.shape[-2] > size
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False,
                         antialias=shrink)


def _optimized_forward(module, example):
    """Traces ``module`` on ``example`` and freezes it for inference (conv+BN
    folding, oneDNN conv kernels): float32 throughout, results equal to
    ~1e-6, forward 1.5-2x faster on CPU. Returns ``None`` when the module cannot be traced."""
    import warnings

    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with torch.no_grad():
                traced = torch.jit.trace(module, example, check_trace=False)
                return torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
    except Exception:  # untraceable module: stay eager
        return None


def _torch_embed_fn(module, device, mean=_IMAGENET_MEAN, std=_IMAGENET_STD, forward=None,
                    optimize=False, image_size=None, precision="fp32"):
    """Wraps a module: uint8 NHWC batch (numpy or torch, any common size) ->
    resized on the device to ``image_size`` -> normalised NCHW float ->
    features.

    With ``precision="bf16"`` the forward runs under bf16 autocast with the
    module and its input in channels_last memory format (the fast path of
    tensor cores; on CPU it exercises the same code). With ``optimize=True``
    (CPU, float32 only) the module is traced and frozen here when
    ``image_size`` is known (part of building the model), else on the first
    batch. Each new input shape is checked once: the frozen graph's output
    must match the eager module's to float32 tolerance, else that shape (or,
    if tracing fails, every shape) stays eager.
    """
    import torch

    module.eval()
    forward = forward or module
    dev = torch.device(device)
    mean_t = torch.tensor(mean, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    mixed = precision == "bf16"
    if mixed:
        module.to(memory_format=torch.channels_last)
    optimize = optimize and not mixed and dev.type == "cpu" and forward is module
    state = {"frozen": None, "traced": False, "ok": {}}  # ok: input shape -> bool
    lock = threading.Lock()
    if optimize and image_size:
        state["frozen"] = _optimized_forward(
            module, torch.zeros(2, 3, image_size, image_size, device=device))
        state["traced"] = True

    def _eager(x):
        if not mixed:
            return forward(x)
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16):
            return forward(x).float()

    def _fn(batch):
        with torch.inference_mode():
            if isinstance(batch, np.ndarray):
                batch = torch.from_numpy(batch)
            if isinstance(batch, torch.Tensor) and batch.dtype == torch.uint8 and batch.ndim == 4:
                # NHWC uint8 goes to the device as uint8 (4x less traffic than
                # float), is resized there, then ToTensor + Normalize in place
                x = batch.to(device, non_blocking=True).permute(0, 3, 1, 2).contiguous()
                x = resize_batch(x.float(), image_size)
                x = x.div_(255.0).sub_(mean_t).div_(std_t)
            else:
                x = torch.as_tensor(batch).to(device).float().contiguous()
        if not optimize:
            with torch.inference_mode():
                return _eager(x)
        with lock:
            if not state["traced"]:
                state["frozen"] = _optimized_forward(module, x.clone())
                state["traced"] = True
        frozen = state["frozen"]
        shape = tuple(x.shape)
        with torch.inference_mode():
            if frozen is None or state["ok"].get(shape) is False:
                return forward(x)
            if shape in state["ok"]:
                return frozen(x)
            ref = forward(x)  # first batch of this shape: check the frozen graph
            try:
                out = frozen(x)
                tol = 1e-4 * max(1.0, float(ref.abs().max()))
                state["ok"][shape] = bool(out.shape == ref.shape and
                                          torch.allclose(out, ref, rtol=1e-4, atol=tol))
            except Exception:
                state["ok"][shape] = False
            return ref

    return _fn


def _load_timm(spec, device, image_size, optimize=False, precision="fp32"):
    import timm
    import torch

    body = spec[len("timm:"):]
    name, _, ckpt = body.partition("@")
    if not name:
        raise ValueError(f"Model {spec!r} names no timm architecture")
    fingerprint = {"model": spec}
    if ckpt:
        if not os.path.isfile(ckpt):
            raise ValueError(f"Checkpoint file not found for {spec!r}: {ckpt}")
        try:
            module = timm.create_model(name, pretrained=False, num_classes=0)
        except Exception as e:
            raise ValueError(f"Unknown timm model {name!r}: {e}") from e
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        for k in ("state_dict", "model", "state_dict_ema"):
            if isinstance(state, dict) and k in state and isinstance(state[k], dict):
                state = state[k]
                break
        state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
        own = module.state_dict()
        # The classifier head is not part of a feature extractor: drop its keys.
        usable = {k: v for k, v in state.items() if k in own}
        missing = [k for k in own if k not in usable]
        if missing:
            raise ValueError(
                f"Checkpoint {ckpt} does not fit timm '{name}': {len(missing)} missing keys "
                f"(e.g. {missing[:3]})"
            )
        module.load_state_dict(usable, strict=True)
        fingerprint["checkpoint_sha256"] = _file_sha256(ckpt)
    else:
        # weights already in the local cache load from that file (no hub call)
        cached = _timm_cached(name)
        overlay = {"pretrained_cfg_overlay": {"file": cached}} if cached else {}
        try:
            module = timm.create_model(name, pretrained=True, num_classes=0, **overlay)
        except Exception as e:
            raise ValueError(
                f"Could not get pretrained weights for timm '{name}' (offline and not in the "
                f"Hugging Face cache?): {e}. Pass 'timm:{name}@/path/to/checkpoint.pth' instead."
            ) from e
        cfg = getattr(module, "pretrained_cfg", {}) or {}
        fingerprint["pretrained"] = cfg.get("hf_hub_id") or cfg.get("tag") or "default"
    module.to(device)
    data_cfg = timm.data.resolve_data_config({}, model=module)
    size = image_size or int(data_cfg.get("input_size", (3, 224, 224))[-1])
    mean = data_cfg.get("mean", _IMAGENET_MEAN)
    std = data_cfg.get("std", _IMAGENET_STD)
    fn = _torch_embed_fn(module, device, mean, std, optimize=optimize, image_size=size,
                         precision=precision)
    m = EmbeddingModel(spec, fn, size, device, fingerprint, resizes=True, precision=precision)
    m.module = module
    return m


def _load_open_clip(spec, device, image_size, precision="fp32"):
    import open_clip

    body = spec[len("open_clip:"):]
    arch, _, pretrained = body.partition(":")
    if not arch:
        raise ValueError(f"Model {spec!r} names no open_clip architecture")
    fingerprint = {"model": spec}
    if arch.endswith(".json"):
        if not os.path.isfile(arch):
            raise ValueError(f"open_clip config file not found: {arch}")
        open_clip.add_model_config(arch)
        fingerprint["config_sha256"] = _file_sha256(arch)
        arch = os.path.splitext(os.path.basename(arch))[0]
    if arch not in open_clip.list_models():
        raise ValueError(f"Unknown open_clip architecture {arch!r}")
    looks_like_path = bool(pretrained) and (os.sep in pretrained or os.path.splitext(pretrained)[1] != "")
    if looks_like_path and not os.path.isfile(pretrained):
        raise ValueError(f"open_clip checkpoint file not found: {pretrained}")
    if pretrained and os.path.isfile(pretrained):
        fingerprint["checkpoint_sha256"] = _file_sha256(pretrained)
    try:
        module = open_clip.create_model(arch, pretrained=pretrained or None, device=device,
                                        pretrained_text=False, require_pretrained=bool(pretrained))
    except Exception as e:
        raise ValueError(f"Could not build open_clip '{arch}' with weights {pretrained!r}: {e}") from e
    module.eval()
    vis = module.visual
    size = getattr(vis, "image_size", 224)
    size = int(size[0] if isinstance(size, (tuple, list)) else size)
    pp = getattr(vis, "preprocess_cfg", {}) or {}
    mean = pp.get("mean", getattr(vis, "image_mean", None)) or open_clip.OPENAI_DATASET_MEAN
    std = pp.get("std", getattr(vis, "image_std", None)) or open_clip.OPENAI_DATASET_STD
    if image_size and image_size != size:
        # ViTs need their configured size (positional embeddings); resize to it
        size_used = size
    else:
        size_used = size
    tokenizer = open_clip.get_tokenizer(arch)
    fn = _torch_embed_fn(module, device, mean, std,
                         forward=lambda x: module.encode_image(x, normalize=True),
                         image_size=size_used, precision=precision)

    def text_fn(texts):
        import torch

        with torch.inference_mode():
            tokens = tokenizer(texts).to(device)
            return module.encode_text(tokens, normalize=True)

    m = EmbeddingModel(spec, fn, size_used, device, fingerprint, text_fn=text_fn, resizes=True,
                       precision=precision)
    m.module = module
    return m


def _load_custom(spec, device, image_size, precision="fp32"):
    import torch

    name = spec[len("custom:"):]
    if name not in _REGISTRY:
        raise ValueError(f"No model registered as {name!r}; call register_model() first "
                         f"(registered: {sorted(_REGISTRY)})")
    entry = _REGISTRY[name]
    obj = entry["model"]
    fingerprint = {"model": spec, "version": entry["version"]}
    size = image_size or entry["image_size"]
    is_module = isinstance(obj, torch.nn.Module)
    if is_module:
        obj.to(device)
        fn = _torch_embed_fn(obj, device, image_size=size, precision=precision)
    else:
        fn = obj
    return EmbeddingModel(spec, fn, size, device, fingerprint,
                          text_fn=entry["text_encoder"], preprocess=entry["preprocess"],
                          resizes=is_module and bool(size), precision=precision if is_module else "fp32")


def _load_pixels(spec, image_size):
    size = image_size or 32

    def fn(batch):
        x = batch.reshape(batch.shape[0], -1).astype(np.float32) / 255.0
        x -= x.mean(axis=1, keepdims=True)
        return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-8)

    return EmbeddingModel(spec, fn, size, "cpu", {"model": spec, "version": 1})


def _load_weightless(spec, device, image_size):
    size = image_size or 64
    emb = WeightlessEmbedder(device=device, image_size=size)
    return EmbeddingModel(spec, emb, size, device,
                          {"model": spec, "version": WeightlessEmbedder.VERSION}, resizes=True)


# --------------------------------------------------------------------------- #
# The weightless embedder
# --------------------------------------------------------------------------- #


class WeightlessEmbedder:
    """An embedder with no learned weights for small natural images.

    Tiny-ImageNet-C shows each photo under noise, blur, weather and digital
    corruptions, so the descriptor is built to survive them: each block works
    on a photometrically normalised image (per-image mean / std), gradients
    and filter responses are taken after a light blur (noise), and pooled
    statistics replace exact pixel positions. Blocks, each L2-normalised and
    square-rooted (Hellinger) before weighting:

    1.  colour: 16-bin hue histograms weighted by (per-image normalised)
        saturation, plus a grey bin, over the whole image and a 2x2 grid;
    2.  shape: HOG-like 9-bin unsigned gradient-orientation histograms over a
        4x4, 2x2 and 1x1 grid;
    3.  texture: GIST-like Gabor energies (3 scales x 8 orientations, fixed
        filters) averaged over a 4x4 grid;
    4.  layout: an 8x8 colour thumbnail of the normalised, blurred image.

    The concatenation is L2-normalised; cosine distance is the natural metric.

    Args:
        device ("cpu"): torch device
        image_size (None): side a batch of another size is resized to on the
            device first (``None`` keeps the batch's size)
    """

    VERSION = 2
    _HUE_BINS = 16
    # block weights chosen on the miniature (see benchmarks/bench_embeddings.py)
    _WEIGHTS = {"colour": 1.0, "hog": 1.0, "gist": 1.3, "thumb": 0.6}

    def __init__(self, device="cpu", image_size=None):
        import torch

        self.device = torch.device(device)
        self.image_size = image_size
        self._gabor = self._gabor_bank().to(self.device)
        self._blur = self._gauss_kernel(1.0).to(self.device)

    @staticmethod
    def _gauss_kernel(sigma):
        import torch

        r = max(1, int(round(3 * sigma)))
        x = torch.arange(-r, r + 1, dtype=torch.float32)
        g = torch.exp(-(x**2) / (2 * sigma**2))
        g = g / g.sum()
        return g

    @staticmethod
    def _gabor_bank(size=11, scales=(2.0, 3.2, 5.0), n_orient=8):
        import torch

        half = size // 2
        yy, xx = torch.meshgrid(
            torch.arange(-half, half + 1, dtype=torch.float32),
            torch.arange(-half, half + 1, dtype=torch.float32),
            indexing="ij",
        )
        filters = []
        for wavelength in scales:
            sigma = 0.56 * wavelength
            for k in range(n_orient):
                theta = np.pi * k / n_orient
                xr = xx * np.cos(theta) + yy * np.sin(theta)
                yr = -xx * np.sin(theta) + yy * np.cos(theta)
                env = torch.exp(-(xr**2 + (0.8 * yr) ** 2) / (2 * sigma**2))
                for phase in (0.0, np.pi / 2):
                    f = env * torch.cos(2 * np.pi * xr / wavelength + phase)
                    f = f - f.mean()  # zero DC: insensitive to brightness
                    f = f / (f.norm() + 1e-8)
                    filters.append(f)
        return torch.stack(filters)[:, None]  # (2*S*O, 1, k, k), even/odd pairs

    def _blur_img(self, x):
        import torch.nn.functional as F

        g = self._blur
        k = g.numel()
        c = x.shape[1]
        x = F.conv2d(F.pad(x, (k // 2, k // 2, 0, 0), mode="reflect"),
                     g.view(1, 1, 1, k).expand(c, 1, 1, k), groups=c)
        x = F.conv2d(F.pad(x, (0, 0, k // 2, k // 2), mode="reflect"),
                     g.view(1, 1, k, 1).expand(c, 1, k, 1), groups=c)
        return x

    @staticmethod
    def _cell_counts(idx, nbins, grid, n, weights=None):
        """Histogram of ``idx`` (N x H x W ints < nbins) per cell of a grid x grid
        layout: returns N x grid*grid x nbins (bincount, no one-hot tensors)."""
        import torch

        h, w = idx.shape[-2:]
        ys = (torch.arange(h, device=idx.device) * grid // h).view(h, 1)
        xs = (torch.arange(w, device=idx.device) * grid // w).view(1, w)
        cell = (ys * grid + xs).view(1, h, w)
        base = torch.arange(n, device=idx.device).view(n, 1, 1) * (grid * grid * nbins)
        flat = (base + cell * nbins + idx).flatten()
        wts = None if weights is None else weights.flatten().float()
        counts = torch.bincount(flat, weights=wts, minlength=n * grid * grid * nbins)
        return counts.float().view(n, grid * grid, nbins)

    @staticmethod
    def _grid_pool(x, grids):
        import torch.nn.functional as F

        return [F.adaptive_avg_pool2d(x, g).flatten(1) for g in grids]

    @staticmethod
    def _hellinger(v):
        import torch

        v = torch.sqrt(torch.clamp(v, min=0))
        return v / (v.norm(dim=1, keepdim=True) + 1e-8)

    def __call__(self, batch):
        """Embeds a ``uint8`` array or tensor ``N x H x W x 3``; returns ``N x D`` float32."""
        import torch
        import torch.nn.functional as F

        with torch.inference_mode():
            if isinstance(batch, np.ndarray):
                batch = torch.from_numpy(np.ascontiguousarray(batch))
            x = batch.to(self.device)
            x = resize_batch(x.permute(0, 3, 1, 2).float(), self.image_size).div_(255.0)
            n = x.shape[0]

            # 1. colour: saturation-weighted hue histograms (hue survives brightness,
            # fog, contrast and saturation changes; RGB histograms do not)
            xb = self._blur_img(x)
            mx, _ = xb.max(1)
            mn, _ = xb.min(1)
            chroma = mx - mn
            r, g, b = xb[:, 0], xb[:, 1], xb[:, 2]
            hue = torch.where(mx == r, torch.remainder((g - b) / (chroma + 1e-8), 6.0),
                              torch.where(mx == g, (b - r) / (chroma + 1e-8) + 2.0,
                                          (r - g) / (chroma + 1e-8) + 4.0)) / 6.0
            sat = chroma / (mx + 1e-6)
            sat = (sat / (torch.quantile(sat.flatten(1), 0.95, dim=1).view(-1, 1, 1) + 1e-3)).clamp(0, 1)
            nb = self._HUE_BINS
            pos = hue * nb
            h0 = pos.floor().long() % nb
            hw = pos - pos.floor()
            hist = self._cell_counts(h0, nb, 2, n, sat * (1 - hw))
            hist = hist + self._cell_counts((h0 + 1) % nb, nb, 2, n, sat * hw)
            grey = self._cell_counts(torch.zeros_like(h0), 1, 2, n, 1 - sat)
            hist = torch.cat([hist, grey], dim=2)  # N x 4 x (nb + 1)
            colour = self._hellinger(torch.cat([hist.sum(1), hist.flatten(1)], dim=1))

            # photometric normalisation for the structure blocks
            gray = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])[:, None]
            gray = self._blur_img(gray)
            gray = (gray - gray.mean(dim=(2, 3), keepdim=True)) / (
                gray.std(dim=(2, 3), keepdim=True) + 0.02)

            # 2. HOG-like orientation histograms
            gx = F.pad(gray, (1, 1, 0, 0), mode="replicate")
            gx = gx[..., 2:] - gx[..., :-2]
            gy = F.pad(gray, (0, 0, 1, 1), mode="replicate")
            gy = gy[..., 2:, :] - gy[..., :-2, :]
            mag = torch.sqrt(gx**2 + gy**2)
            ang = torch.remainder(torch.atan2(gy, gx), np.pi)  # unsigned
            pos = ang / np.pi * 9
            b0 = pos.floor().long()[:, 0] % 9
            w1 = (pos - pos.floor())[:, 0]
            mag = mag[:, 0]
            hist = self._cell_counts(b0, 9, 4, n, mag * (1 - w1))
            hist = hist + self._cell_counts((b0 + 1) % 9, 9, 4, n, mag * w1)  # N x 16 x 9
            h4 = hist.flatten(1)
            h2 = hist.view(n, 2, 2, 2, 2, 9).sum(dim=(2, 4)).flatten(1)
            h1 = hist.sum(1)
            hog = torch.cat([self._hellinger(h) for h in (h4, h2, h1)], dim=1)
            hog = hog / (hog.norm(dim=1, keepdim=True) + 1e-8)

            # 3. GIST-like Gabor energy
            # on a half-resolution image: 8x cheaper, and noise averages out
            small = F.avg_pool2d(gray, 2) if gray.shape[-1] >= 32 else gray
            pad = self._gabor.shape[-1] // 2
            resp = F.conv2d(F.pad(small, (pad, pad, pad, pad), mode="reflect"), self._gabor)
            resp = resp.view(n, -1, 2, *resp.shape[-2:])
            energy = torch.sqrt(resp[:, :, 0] ** 2 + resp[:, :, 1] ** 2 + 1e-8)
            gist = torch.cat(self._grid_pool(energy, (4,)), dim=1)
            gist = self._hellinger(gist)

            # 4. layout thumbnail of the normalised colour image
            xn = (x - x.mean(dim=(2, 3), keepdim=True)) / (x.std(dim=(2, 3), keepdim=True) + 0.02)
            thumb = F.adaptive_avg_pool2d(self._blur_img(xn), 8).flatten(1)
            thumb = thumb / (thumb.norm(dim=1, keepdim=True) + 1e-8)

            w = self._WEIGHTS
            out = torch.cat([w["colour"] * colour, w["hog"] * hog, w["gist"] * gist,
                             w["thumb"] * thumb], dim=1)
            out = out / (out.norm(dim=1, keepdim=True) + 1e-8)
            return out.cpu().numpy()
