"""Password policy (S2), after the CNIL recommendation of 2022 (délibération 2022-100).

Pure functions, no I/O but reading the word lists once. Entropy is computed as the
CNIL's own calculator does: length × log2(size of the alphabet actually used), with 26
lower-case letters, 26 upper-case, 10 digits and 37 special characters (a French
keyboard), rounded to the bit. A passphrase (four words or more) is counted from a
7,776-word list instead (12.9 bits a word), so "seven words" reaches the CNIL's 80 bits
and four words the 50-bit floor.

Common or predictable passwords are refused whatever their entropy, with the reason
named. zxcvbn (its English lists, QWERTY walks) misses what a French user types first:
an AZERTY walk ("azerty", "qsdfgh"), a French word, and a year after 2019 (its year
pattern stops there), so "Azerty2024!" and "Soleil2025!" scored as safe. Two checks
come first: the keyboard walks of both layouts, and "one known word, with at most a few
digits or special characters around it" against French lists shipped in auth/data/
(written for this project, public domain: see docs/authentication.md) and zxcvbn's own
list of passwords.
"""

import datetime
import math
import re
import unicodedata
from functools import cache
from pathlib import Path

from zxcvbn import matching, zxcvbn

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

DATA = Path(__file__).with_name("data")
# Each key's (x, row) on the keyboard: rows are staggered by a fraction of a key, so a key
# touches its two neighbours in its row and two in each row above and below. The digit
# row holds the unshifted symbols as well (AZERTY types "&é\"'(" without Shift).
LAYOUTS = {
    "azerty": (("1234567890", "&é\"'(-è_çà"), ("azertyuiop",), ("qsdfghjklm",), ("wxcvbn",)),
    "qwerty": (("1234567890", "!@#$%^&*()"), ("qwertyuiop",), ("asdfghjkl",), ("zxcvbnm",)),
}
ROW_OFFSETS = (1.0, 1.5, 1.75, 2.25)
MIN_WALK = 4
# Digits and symbols read as letters inside a word ("P@ssw0rd", "M0tdepasse").
LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "3": "e", "€": "e", "5": "s", "$": "s"})
LEET_ONE = ("i", "l")  # "1" stands for either
# Around a known word, "a few" characters: at most 4 digits (or a year, or a date) and at
# most 2 special characters. Beyond that the entropy rule and zxcvbn judge.
MAX_DECORATION_DIGITS = 4
MAX_DECORATION_SPECIALS = 2


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


# Known words -------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: "Été" and "ete" are the same guess."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _read(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys(fold(line.strip()) for line in lines if line.strip()[:1] not in "#"))


@cache
def french_lists() -> dict[str, list[str]]:
    """The French lists, most common first, given to zxcvbn as well so that a French word
    inside a longer password counts as one guess among a few hundred, not as letters."""
    lists = {
        "mots_de_passe_fr": _read("mots-de-passe-fr.txt"),
        "mots_fr": _read("mots-courants-fr.txt"),
    }
    matching.add_frequency_lists(lists)
    return lists


def _known(word: str) -> str | None:
    """How a word is known: "mot de passe courant", "mot courant", or None."""
    lists = french_lists()
    if word in lists["mots_fr"]:
        return "mot courant"
    if word in lists["mots_de_passe_fr"] or word in matching.RANKED_DICTIONARIES["passwords"]:
        return "mot de passe courant"
    return None


# Keyboard walks ----------------------------------------------------------------------------


@cache
def _positions(layout: str) -> dict[str, tuple[float, int]]:
    return {
        key: (ROW_OFFSETS[row] + column, row)
        for row, variants in enumerate(LAYOUTS[layout])
        for keys in variants
        for column, key in enumerate(keys)
    }


def _adjacent(a: tuple[float, int], b: tuple[float, int]) -> bool:
    dx, dy = abs(a[0] - b[0]), abs(a[1] - b[1])
    return (dy == 0 and dx == 1) or (dy == 1 and dx < 1)


def keyboard_walk(text: str) -> str | None:
    """The layout on which `text` (4 keys or more) is typed by moving to a touching key
    each time ("azerty", "qsdfgh", "aqwxsz", "&é\"'("), or None."""
    text = text.lower()
    if len(text) < MIN_WALK:
        return None
    for layout in LAYOUTS:
        keys = _positions(layout)
        if all(c in keys for c in text) and all(
            _adjacent(keys[a], keys[b]) for a, b in zip(text, text[1:], strict=False)
        ):
            return layout
    return None


# Decoration around a word ------------------------------------------------------------------


def _is_date(digits: str) -> bool:
    formats = {6: "%d%m%y", 8: "%d%m%Y"}
    if len(digits) not in formats:
        return False
    try:
        datetime.datetime.strptime(digits, formats[len(digits)])
    except ValueError:
        return False
    return True


def _decoration(characters: str) -> list[str] | None:
    """["d'une année", "d'un caractère spécial"] for "2024!"; [] for nothing; None when
    the characters are too many to call the password predictable."""
    parts = []
    for digits in re.findall(r"\d+", characters):
        if len(digits) == 4 and 1900 <= int(digits) <= 2099:
            parts.append("d'une année")
        elif _is_date(digits):
            parts.append("d'une date")
        elif len(digits) <= MAX_DECORATION_DIGITS:
            parts.append("d'un chiffre" if len(digits) == 1 else "de chiffres")
        else:
            return None
    specials = len(re.sub(r"\d", "", characters))
    if specials > MAX_DECORATION_SPECIALS:
        return None
    if specials:
        parts.append("d'un caractère spécial" if specials == 1 else "de caractères spéciaux")
    return list(dict.fromkeys(parts))


def _word_and_decoration(password: str) -> tuple[str, str, str] | None:
    """Split "Soleil2025!" into ("", "soleil", "2025!"): the characters before the first
    letter, the word from the first letter to the last (accents folded), those after."""
    folded = fold(password)
    letters = [i for i, c in enumerate(folded) if c.isalpha()]
    if not letters:
        return None
    first, last = letters[0], letters[-1]
    return folded[:first], folded[first : last + 1], folded[last + 1 :]


def _word_pattern(password: str) -> str | None:
    """A keyboard walk or a known word, alone or with a few digits or specials around."""
    split = _word_and_decoration(password)
    if split is None:
        return None
    before, word, after = split
    decorations = _decoration(before), _decoration(after)
    if None in decorations or len(re.sub(r"\d", "", before + after)) > MAX_DECORATION_SPECIALS:
        return None
    layout = keyboard_walk(word)
    if layout:
        name, ending = f"suite de touches du clavier ({layout})", "e"
    else:
        candidates = {word.translate(LEET).replace("1", one) for one in LEET_ONE}
        found = sorted((_known(c), c) for c in candidates if c.isalpha() and _known(c))
        if not found:
            return None
        kind, known = found[0]
        # Shown as typed ("été"), unless it was disguised ("p@ssw0rd" is "password").
        typed = password[len(before) : len(password) - len(after)].lower()
        name, ending = f"{kind} « {typed if fold(typed) == known else known} »", ""
    sides = [
        f"{where}{ending} {' et '.join(parts)}"
        for where, parts in zip(("précédé", "suivi"), decorations, strict=True)
        if parts
    ]
    return " ".join([name, " et ".join(sides)]).strip()


# zxcvbn's own findings, named --------------------------------------------------------------

_DICTIONARIES = {
    "passwords": "mot de passe connu",
    "mots_de_passe_fr": "mot de passe courant",
    "mots_fr": "mot courant",
    "user_inputs": "votre nom ou identifiant",
}


def _describe(match: dict) -> str:
    pattern = match["pattern"]
    if pattern == "dictionary":
        kind = _DICTIONARIES.get(match["dictionary_name"], "mot du dictionnaire")
        return f"{kind} « {match['matched_word']} »"
    if pattern == "spatial":
        where = (
            "du pavé numérique" if "keypad" in match["graph"] else f"du clavier ({match['graph']})"
        )
        return f"suite de touches {where}"
    if pattern == "repeat":
        return f"répétition de « {match['base_token']} »"
    if pattern == "sequence":
        return f"suite de caractères « {match['token']} »"
    if pattern in ("regex", "date"):
        return "date ou année"
    return "mot de passe trop simple"


def _zxcvbn_pattern(password: str, personal: tuple[str, ...]) -> str | None:
    french_lists()
    result = zxcvbn(password[:MAX_LENGTH], user_inputs=list(personal), max_length=MAX_LENGTH)
    # Score 2 and up: beyond 10^6 guesses, out of reach of an online attack held back by
    # the attempt limits; below, a known password or an obvious pattern.
    if result["score"] >= 2:
        return None
    named = [m for m in result["sequence"] if m["pattern"] != "bruteforce"]
    if not named:
        return "mot de passe trop simple"
    return _describe(max(named, key=lambda m: len(m["token"])))


def predictable_pattern(password: str, personal: tuple[str, ...] = ()) -> str | None:
    """Why the password is easy to guess, in French ("suite de touches du clavier
    (azerty) suivie d'une année"), or None: the user's own name or login, a keyboard
    walk, a known word with little around it, or whatever zxcvbn finds."""
    lowered = fold(password)
    words = {w for p in personal for w in re.split(r"[\W_]+", fold(p or "")) if len(w) >= 3}
    if any(word in lowered for word in words):
        return "contient votre nom ou identifiant"
    layout = keyboard_walk(password)
    if layout:
        return f"suite de touches du clavier ({layout})"
    return _word_pattern(password) or _zxcvbn_pattern(password, personal)


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
    pattern = predictable_pattern(password, personal) if password else None
    if pattern:
        found.append(
            f"Trop courant ou prévisible : {pattern}. Les essais des attaquants commencent "
            "par là ; préférez quelques mots sans lien entre eux."
        )
    return found
