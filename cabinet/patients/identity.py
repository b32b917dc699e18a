"""Pure rules on identity data: NIR control key (D2), search normalisation. No I/O."""

import datetime
import re
import unicodedata

NIR_PATTERN = re.compile(r"^[1-478]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{6}\d{2}$")
OID_BY_KIND = {
    "NIR": "1.2.250.1.213.1.4.8",
    "NIA": "1.2.250.1.213.1.4.9",
    "NIR de test": "1.2.250.1.213.1.4.10",
    "démonstration": "1.2.250.1.213.1.4.11",
}
IDENTITY_STATUSES = {
    "provisoire": "Provisoire",
    "recuperee": "Récupérée",
    "validee": "Validée",
    "qualifiee": "Qualifiée",
}


def clean_nir(value: str) -> str:
    """Drop spaces, dots and dashes people type; upper-case the Corsican 2A/2B."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def nir_key(first13: str) -> int:
    """Control key: 97 - (number mod 97), Corsica's 2A read as 19 and 2B as 18."""
    department = first13[5:7].upper()
    number = first13[:5] + {"2A": "19", "2B": "18"}.get(department, department) + first13[7:]
    return 97 - int(number) % 97


def nir_problem(value: str) -> str | None:
    """None when the NIR (13 characters + 2-digit key) is valid, else a French explanation."""
    nir = clean_nir(value)
    if len(nir) != 15:
        return "Le NIR compte 15 caractères (13 + la clé de 2 chiffres)."
    if not NIR_PATTERN.match(nir):
        return "Le NIR ne respecte pas le format attendu (sexe, année, mois, département…)."
    if nir_key(nir[:13]) != int(nir[13:]):
        return "La clé du NIR ne correspond pas : vérifiez la saisie."
    return None


def make_nir(first13: str) -> str:
    """Append the control key (used by the demo data generator)."""
    return f"{first13}{nir_key(first13):02d}"


_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l"}
)


def search_key(*parts: str | None) -> str:
    """Lower-case, unaccented, single-spaced: "Héloïse D'Œuf" -> "heloise d oeuf"."""
    text = " ".join(p for p in parts if p).translate(_LIGATURES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# A search typed as a birth date: jj/mm/aaaa, with slashes, dots or dashes.
DATE_QUERY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def birth_date_of_query(query: str) -> datetime.date | None:
    """The day a search names when it is typed as a date, else None."""
    match = DATE_QUERY.match(query.strip())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def birth_date_problem(query: str) -> str | None:
    """Why a search typed as a date names no day (« 31/02/1980 »), else None: it would
    otherwise be searched as a name and answer that no patient matches."""
    if DATE_QUERY.match(query.strip()) and birth_date_of_query(query) is None:
        return f"Le {query.strip()} n'existe pas : vérifiez le jour, le mois et l'année."
    return None
