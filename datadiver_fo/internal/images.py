"""Image decoding and batching shared by the models' callers (embeddings,
zero-shot classification, the similarity service)."""
import numpy as np


def decode_image(path, size, preprocess, resize=True):
    """Opens one image file as RGB, ready for a model.

    Args:
        path: an image file path
        size: None, or the side (int) the image is resized to (``size x
            size``, bilinear); large JPEGs are decoded at a reduced scale first
        preprocess: None, or a ``callable(PIL.Image) -> array/tensor``
        resize (True): resize to ``size x size`` here; ``False`` keeps the
            file's own size (for models that resize a whole batch on their
            device), except that large JPEGs are still decoded at a reduced
            scale of at least ``size``

    Returns:
        a tuple ``(item, None)`` where ``item`` is ``preprocess(image)`` or an
        ``H x W x 3`` uint8 array, or ``(None, reason)`` (a str naming the
        exception) when the file is missing, unreadable or not an image
    """
    from PIL import Image

    try:
        with Image.open(path) as im:
            if size and im.format == "JPEG" and min(im.size) >= 2 * size:
                im.draft("RGB", (size, size))  # decode large JPEGs at reduced scale
            im = im.convert("RGB")
            if size and resize and im.size != (size, size):
                im = im.resize((size, size), Image.BILINEAR)
            if preprocess is not None:
                return preprocess(im), None
            return np.asarray(im, dtype=np.uint8), None
    except Exception as e:  # unreadable, truncated, not an image, missing
        return None, f"{type(e).__name__}: {e}"


def stack_images(items):
    """Stacks decoded items into one batch.

    Args:
        items: a non-empty list of what :func:`decode_image` returned: torch
            tensors of one shape, or ``H x W x 3`` uint8 arrays (arrays of
            other sizes are resized to the first one's size)

    Returns:
        a torch tensor (for tensors) or a numpy array of shape ``(N, ...)``
    """
    first = items[0]
    try:
        import torch

        if isinstance(first, torch.Tensor):
            return torch.stack(items)
    except ImportError:  # pragma: no cover
        pass
    if isinstance(first, np.ndarray) and first.dtype == np.uint8 and first.ndim == 3:
        shapes = {a.shape for a in items}
        if len(shapes) > 1:  # images of different sizes and no fixed size: use the first's
            from PIL import Image

            h, w = first.shape[:2]
            items = [a if a.shape == first.shape else
                     np.asarray(Image.fromarray(a).resize((w, h), Image.BILINEAR)) for a in items]
    return np.stack(items)


__all__ = ["decode_image", "stack_images"]
