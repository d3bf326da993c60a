"""Images in conversations: checked to be a real JPEG, PNG or WebP, then re-encoded with Pillow.

Re-encoding is the point: the stored file holds pixels only (no EXIF, GPS position, camera serial or text
chunks), turned upright as the camera's orientation tag said, its longest side at most
EDITORIAL_IMAGE_MAX_SIDE pixels. What is not such an image (HEIC, GIF, a PDF renamed .jpg, a truncated file, a
decompression bomb) is refused with a field error in the request's language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from editorial.errors import ImageInvalid

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# Pixels we agree to decode: a 5 MB file may still claim a huge canvas (a "decompression bomb").
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile
    width: int
    height: int


def image_clean(upload) -> CleanImage:
    """The upload re-encoded (JPEG, or PNG where it has transparency) without metadata, or ImageInvalid."""
    if upload.size > settings.EDITORIAL_IMAGE_MAX_BYTES:
        raise ImageInvalid(_("The image is larger than %(megabytes)d MB.")
                           % {"megabytes": settings.EDITORIAL_IMAGE_MAX_BYTES // (1024 * 1024)})
    not_an_image = _("Send a JPEG, PNG or WebP image.")
    upload.seek(0)
    raw = upload.read()
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageInvalid(not_an_image)
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageInvalid(_("The image has too many pixels."))
            probe.verify()  # structure and checksums; the image must be opened again to use it
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except ImageInvalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageInvalid(not_an_image) from None

    side = settings.EDITORIAL_IMAGE_MAX_SIDE
    upright.thumbnail((side, side), Image.Resampling.LANCZOS)
    transparent = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    clean = upright.convert("RGBA" if transparent else "RGB")
    clean.info = {}  # nothing of the original's metadata travels with the pixels
    output = io.BytesIO()
    if transparent:
        clean.save(output, format="PNG", optimize=True)
        extension = "png"
    else:
        clean.save(output, format="JPEG", quality=85, optimize=True)
        extension = "jpg"
    return CleanImage(content=ContentFile(output.getvalue(), name=f"image.{extension}"),
                      width=clean.width, height=clean.height)


def image_content_type(name: str) -> str:
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"
