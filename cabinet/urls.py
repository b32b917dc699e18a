"""What comes in through a URL: return targets, and integers that fit the database.

Return targets (`?retour=`, the page to resume after unlocking) are same-origin paths only.

A prefix check ("starts with / but not //") is not enough: browsers drop tabs and line
breaks from a URL and read a backslash as a slash, so `/\t/evil.example` or
`/\\evil.example` leaves the site. The value is parsed, and anything a browser could
read as another host is refused rather than repaired.
"""

from urllib.parse import urlsplit, urlunsplit

from werkzeug.routing import IntegerConverter, ValidationError

MAX_LENGTH = 2000
# SQLite's INTEGER is 64-bit signed: a larger number cannot even be looked up.
LARGEST_ID = 2**63 - 1


def _is_unsafe_character(char: str) -> bool:
    # Control characters (tab, CR, LF, NUL…), spaces and backslashes: the URL parsers of
    # browsers strip or reinterpret them, so what is checked is not what is followed.
    return char.isspace() or char == "\\" or ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F


def local_path(target: str | None) -> str | None:
    """`target` as a path of this site (path and query only), or None if it is anything else."""
    if not target or len(target) > MAX_LENGTH:
        return None
    if any(_is_unsafe_character(char) for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("//"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in routes: a number SQLite cannot hold does not match, so it is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str):
        if len(value) > len(str(LARGEST_ID)):
            # Python refuses to read ints of more than 4,300 digits (ValueError, a 500).
            raise ValidationError()
        return super().to_python(value)


def query_int(text: str) -> int:
    """`type=` for `request.args.get`: a non-negative id, else ValueError (the default)."""
    if len(text) > len(str(LARGEST_ID)) or not text.isascii() or not text.isdigit():
        raise ValueError("not an id")
    number = int(text)
    if number > LARGEST_ID:
        raise ValueError("not an id")
    return number
