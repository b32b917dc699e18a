"""Password policy (S2), after the CNIL recommendation of 2022 (délibération 2022-100).

Pure functions, no I/O. Entropy is computed as the CNIL's own calculator does:
length × log2(size of the alphabet actually used), with 26 lower-case letters,
26 upper-case, 10 digits and 37 special characters (a French keyboard), rounded
to the bit. A passphrase (four words or more) is counted from a 7,776-word list
instead (12.9 bits a word), so "seven words" reaches the CNIL's 80 bits and four
words the 50-bit floor. Common or predictable passwords are refused whatever
their entropy, using zxcvbn's frequency lists and pattern matching.
"""

import math
import re

from zxcvbn import zxcvbn

MAX_LENGTH = 128
CLASSES = {
    "minuscules": (re.compile(r"[a-z]"), 26),
    "majuscules": (re.compile(r"[A-Z]"), 26),
    "chiffres": (re.compile(r"[0-9]"), 10),
    "caractères spéciaux": (re.compile(r"[^a-zA-Z0-9]"), 37),
}
PASSPHRASE_WORD_BITS = math.log2(7776)
_WORD = re.compile(r"[^\W\d_]{2,}")
_SEPARATORS = re.compile(r"[\s\-_.,;:/+]+")
CASE_TWO_BITS = 50  # password + attempt limits (and here a second factor)
CASE_ONE_BITS = 80  # password alone


def classes_used(password: str) -> list[str]:
    return [name for name, (pattern, _) in CLASSES.items() if pattern.search(password)]


def passphrase_words(password: str) -> list[str]:
    parts = [p for p in _SEPARATORS.split(password.strip()) if p]
    if len(parts) < 4 or not all(_WORD.fullmatch(p) for p in parts):
        return []
    return parts


def entropy_bits(password: str) -> int:
    words = passphrase_words(password)
    if words:
        distinct = len({w.lower() for w in words})
        return round(distinct * PASSPHRASE_WORD_BITS)
    alphabet = sum(size for name, (_, size) in CLASSES.items() if name in classes_used(password))
    if not password or alphabet == 0:
        return 0
    return round(len(password) * math.log2(alphabet))


def is_predictable(password: str, personal: tuple[str, ...] = ()) -> bool:
    """Known passwords, keyboard walks, repeats, dates, or the user's own name or login."""
    lowered = password.lower()
    words = {w for p in personal for w in re.split(r"[\W_]+", (p or "").lower()) if len(w) >= 3}
    if any(word in lowered for word in words):
        return True
    result = zxcvbn(password[:MAX_LENGTH], user_inputs=list(personal), max_length=MAX_LENGTH)
    # Score 2 and up: beyond 10^6 guesses, out of reach of an online attack held back by
    # the attempt limits; below, a known password or an obvious pattern.
    return result["score"] < 2


def problems(
    password: str, minimum_bits: int = CASE_TWO_BITS, personal: tuple[str, ...] = ()
) -> list[str]:
    """What the password lacks, in French; empty when it is accepted."""
    found = []
    if len(password) > MAX_LENGTH:
        return [f"Au plus {MAX_LENGTH} caractères (le mot de passe n'est jamais tronqué)."]
    bits = entropy_bits(password)
    if bits < minimum_bits:
        missing = [name for name in CLASSES if name not in classes_used(password)]
        hint = (
            f"ajoutez des {', '.join(missing)} ou "
            if missing and not passphrase_words(password)
            else ""
        )
        found.append(
            f"Trop faible : {bits} bits d'entropie sur {minimum_bits} exigés — {hint}"
            f"allongez-le (par exemple une phrase de passe de "
            f"{math.ceil(minimum_bits / PASSPHRASE_WORD_BITS)} mots ou plus)."
        )
    if password and is_predictable(password, personal):
        found.append(
            "Trop courant ou prévisible (mot de passe connu, suite de clavier, répétition, "
            "date, ou votre nom ou identifiant)."
        )
    return found
