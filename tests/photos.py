"""Images made for the upload tests: a camera-like JPEG carrying GPS EXIF, a non-image, an
image too large to decode safely."""

import io

from PIL import Image

GPS_IFD = 0x8825


def jpeg(width: int = 640, height: int = 480, gps: bool = True) -> bytes:
    """A JPEG with a GPS position (Paris), a camera make and a comment in its metadata."""
    image = Image.new("RGB", (width, height), (240, 240, 230))
    for x in range(0, width, 8):
        image.putpixel((x, height // 2), (20, 20, 20))
    exif = Image.Exif()
    exif[0x010F] = "AppareilTest"  # Make
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"commentaire prive")
    return out.getvalue()


def huge_png() -> bytes:
    """A 8000 x 6000 PNG (48 million pixels): small on disk, too big to decode safely."""
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")
    return out.getvalue()
