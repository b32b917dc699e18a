"""The photo of a paper prescription, checked and re-encoded in memory with Pillow.

What leaves this module is a fresh JPEG built from the pixels only: no EXIF (GPS position,
device, time), no comment or profile of the original, its orientation applied, its longest
side bounded. The original bytes are never written anywhere; the result is stored in the
encrypted database (`PrescriptionPhoto.data`) and served only to the care team.
"""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024  # what a tablet camera gives, with room
MAX_PIXELS = 40_000_000  # refused before decoding: a "decompression bomb" stays a refusal
MAX_SIDE = 2000  # px: the text of a prescription stays legible
QUALITY = 80
ACCEPTED = {"JPEG", "PNG", "WEBP"}


class PhotoRefused(Exception):
    """A French message: why the photo is refused (nothing is stored)."""


def clean(raw: bytes) -> tuple[bytes, int, int]:
    """The re-encoded JPEG and its width and height, or PhotoRefused."""
    if not raw:
        raise PhotoRefused("Le fichier envoyé est vide.")
    if len(raw) > MAX_BYTES:
        raise PhotoRefused("La photo dépasse 8 Mo : reprenez-la en qualité normale.")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind, (width, height) = probe.format, probe.size
            if kind not in ACCEPTED:
                raise PhotoRefused("Format refusé : envoyez une photo JPEG, PNG ou WebP.")
            if width * height > MAX_PIXELS:
                raise PhotoRefused("Image trop grande (plus de 40 millions de pixels).")
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            image = ImageOps.exif_transpose(image)  # keep it upright once EXIF is gone
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            # A new image from the pixels alone: Pillow would otherwise carry the original's
            # EXIF and comment (kept in `info`) into the file it writes.
            fresh = Image.frombytes("RGB", image.size, image.tobytes())
            out = io.BytesIO()
            fresh.save(out, "JPEG", quality=QUALITY, optimize=True)
            return out.getvalue(), fresh.width, fresh.height
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise PhotoRefused("Ce fichier n'est pas une image lisible.") from None
