"""Lazy Wand (ImageMagick) binding for the vendored reference, and the
motion-blur substitute hook.

The reference modules do ``MotionImage(blob=png_bytes)``, then
``.motion_blur(radius, sigma, angle)`` and ``.make_blob()``. Here
``MotionImage`` is a factory: with Wand importable it returns the original
class (the ctypes binding below is the reference's, moved here unchanged);
with ``MOTION_BLUR_SUBSTITUTE`` set to ``f(uint8 array, radius, sigma, angle)
-> uint8 array`` it returns a stand-in that decodes the PNG, applies ``f``
and encodes the result, so the rest of the reference runs unchanged.
"""
import ctypes
import os

import cv2
import numpy as np

import datadiver_fo

FROST_DIR = os.path.join(os.path.dirname(datadiver_fo.__file__), "data", "frost")

#: f(uint8 image as cv2 decodes it, radius, sigma, angle) -> uint8 image
MOTION_BLUR_SUBSTITUTE = None

_CLASS = None


def wand_available():
    """'' when Wand + ImageMagick load, else a short reason."""
    try:
        _motion_image_class()
    except Exception as e:  # ImportError, or OSError from a missing libMagickWand
        return f"{type(e).__name__}: {e}"
    return ""


def _motion_image_class():
    global _CLASS
    if _CLASS is None:
        from wand.api import library as wandlibrary
        from wand.image import Image as WandImage

        # Tell Python about the C method
        wandlibrary.MagickMotionBlurImage.argtypes = (ctypes.c_void_p,  # wand
                                                      ctypes.c_double,  # radius
                                                      ctypes.c_double,  # sigma
                                                      ctypes.c_double)  # angle

        # Extend wand.image.Image class to include method signature
        class MotionImage(WandImage):
            def motion_blur(self, radius=0.0, sigma=0.0, angle=0.0):
                wandlibrary.MagickMotionBlurImage(self.wand, radius, sigma, angle)

        _CLASS = MotionImage
    return _CLASS


class _Substitute:
    def __init__(self, blob):
        self.x = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_UNCHANGED)

    def motion_blur(self, radius=0.0, sigma=0.0, angle=0.0):
        self.x = MOTION_BLUR_SUBSTITUTE(self.x, radius, sigma, angle)

    def make_blob(self):
        return cv2.imencode(".png", self.x)[1].tobytes()


def MotionImage(blob):
    if MOTION_BLUR_SUBSTITUTE is not None:
        return _Substitute(blob)
    return _motion_image_class()(blob=blob)
