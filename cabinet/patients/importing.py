"""Reading a CSV export of the previous software (issue 17; D2): pure rules, no I/O.

The file is decoded (UTF-8, else Windows-1252, the two encodings French practice software
writes), split on `;` or `,` (whichever the header line uses), its columns mapped to ours
(guessed from common headers, corrected by the admin), and each row checked by the same
form as a file typed by hand (`PatientForm`), after the French date and the sex were read.
"""

import csv
import datetime
import io
import re

from werkzeug.datastructures import MultiDict

from cabinet import dates
from cabinet.patients.forms import IMPORT_FIELDS, PatientForm
from cabinet.patients.identity import search_key

FIELDS = IMPORT_FIELDS
REQUIRED = ("birth_name", "first_names", "birth_date", "sex")
# Common headers of other software, as search keys (lower-case, unaccented).
HEADERS = {
    "birth_name": [
        "nom",
        "nom de naissance",
        "nom naissance",
        "nom de jeune fille",
        "nom jf",
        "nom patronymique",
        "nom de famille",
    ],
    "last_name": ["nom d usage", "nom usage", "nom usuel", "nom marital", "nom utilise"],
    "first_names": ["prenom", "prenoms", "prenoms de naissance", "prenom de naissance"],
    "used_first_name": ["prenom usuel", "prenom d usage", "prenom utilise"],
    "birth_date": [
        "date de naissance",
        "date naissance",
        "naissance",
        "ddn",
        "ne le",
        "ne e le",
        "date de naiss",
    ],
    "sex": ["sexe", "genre", "civilite"],
    "birthplace_code": [
        "lieu de naissance",
        "code insee naissance",
        "insee naissance",
        "code lieu naissance",
        "code insee du lieu de naissance",
    ],
    "address": ["adresse", "adresse 1", "rue", "adresse postale"],
    "postcode": ["code postal", "cp"],
    "city": ["ville", "commune", "localite"],
    "phone": ["telephone", "tel", "portable", "mobile", "tel portable", "telephone portable"],
    "email": ["email", "e mail", "courriel", "mail", "adresse mail", "adresse electronique"],
    "nir": [
        "nir",
        "numero de securite sociale",
        "n securite sociale",
        "no securite sociale",
        "num secu",
        "secu",
        "numero ss",
        "n ss",
        "n secu",
        "no secu",
    ],
    "profession": ["profession", "metier"],
    "accepts_reminders": ["accepte les rappels", "rappels", "consentement rappels", "rappel"],
}
SEXES = {
    "f": "F",
    "femme": "F",
    "feminin": "F",
    "mme": "F",
    "madame": "F",
    "mlle": "F",
    "mademoiselle": "F",
    "2": "F",
    "m": "M",
    "h": "M",
    "homme": "M",
    "masculin": "M",
    "mr": "M",
    "monsieur": "M",
    "1": "M",
    "i": "I",
    "indetermine": "I",
}
YES = {"oui", "o", "yes", "y", "1", "vrai", "x"}
NO = {"non", "n", "no", "0", "faux", ""}
FRENCH_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MAX_ROWS = 20_000
MAX_COLUMNS = 60


class FileRefused(ValueError):
    """The file cannot be read at all (French message)."""


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding's French name: UTF-8 (with or without its BOM) when the
    bytes are valid UTF-8, otherwise Windows-1252 (which decodes any byte but five)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise FileRefused(
            "Encodage du fichier non reconnu : enregistrez-le en UTF-8 ou en Windows-1252."
        ) from None


def separator(first_line: str) -> str:
    """`;` or `,`: the one the header line uses more (outside quotes)."""
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    return ";" if unquoted.count(";") >= unquoted.count(",") else ","


def read(data: bytes) -> dict:
    """{"encoding", "separator", "headers", "rows"} of a CSV file, or FileRefused."""
    text, encoding = decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FileRefused("Le fichier est vide ou sa première ligne (les en-têtes) manque.")
    sep = separator(lines[0])
    try:
        table = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep) if row]
    except csv.Error:
        raise FileRefused("Le fichier n'est pas un CSV lisible.") from None
    headers = [cell.strip() for cell in table[0]]
    if len(headers) < 2:
        raise FileRefused("Une seule colonne trouvée : le séparateur doit être « ; » ou « , ».")
    if len(headers) > MAX_COLUMNS:
        raise FileRefused(f"Trop de colonnes ({len(headers)}, au plus {MAX_COLUMNS}).")
    rows = [[cell.strip() for cell in row] for row in table[1:] if any(c.strip() for c in row)]
    if not rows:
        raise FileRefused("Le fichier ne contient aucune ligne après les en-têtes.")
    if len(rows) > MAX_ROWS:
        raise FileRefused(f"Trop de lignes ({len(rows)}, au plus {MAX_ROWS} par import).")
    return {"encoding": encoding, "separator": sep, "headers": headers, "rows": rows}


def guess_mapping(headers: list[str]) -> dict[int, str]:
    """{column index: field} from common headers; each field is taken by one column only."""
    known = {alias: field for field, aliases in HEADERS.items() for alias in aliases}
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        field = known.get(search_key(header))
        if field and field not in mapping.values():
            mapping[index] = field
    return mapping


def mapping_problems(mapping: dict[int, str]) -> list[str]:
    """What keeps a mapping from being used: a required field without a column, a field
    given two columns."""
    problems = []
    chosen = list(mapping.values())
    for field in REQUIRED:
        if field not in chosen:
            problems.append(f"Aucune colonne ne donne « {FIELDS[field]} ».")
    for field in sorted(set(chosen)):
        if chosen.count(field) > 1:
            problems.append(f"Plusieurs colonnes donnent « {FIELDS[field]} ».")
    return problems


def parse_date(
    text: str, what: str = "date de naissance"
) -> tuple[datetime.date | None, str | None]:
    """A French date (jj/mm/aaaa, also with - or .) or an ISO one: (date, None), or
    (None, why) — missing, unreadable, impossible (31/02) or outside the calendar."""
    text = text.strip()
    if not text:
        return None, f"{what} manquante"
    match = FRENCH_DATE.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    elif match := ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None, f"{what} illisible « {text[:20]} » (jj/mm/aaaa attendu)"
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        return None, f"{what} impossible « {text} »"
    if not dates.in_range(value):
        return None, f"{what} hors du calendrier accepté « {text} »"
    return value, None


def _sex(text: str) -> str:
    return SEXES.get(search_key(text), "")


def check_row(cells: list[str], mapping: dict[int, str]) -> tuple[dict | None, list[str]]:
    """One row: (the patient's data as `create_patient` takes it, []) or (None, problems)."""
    raw = {field: "" for field in FIELDS}
    for index, field in mapping.items():
        if index < len(cells):
            raw[field] = cells[index]
    problems = []
    birth_date, why = parse_date(raw["birth_date"])
    if why:
        problems.append(why)
    sex = _sex(raw["sex"])
    if not sex:
        problems.append(f"sexe non reconnu « {raw['sex'][:20]} » (F, M, femme, homme…)")
    consent = search_key(raw["accepts_reminders"])
    if consent not in YES | NO:
        problems.append(f"accord pour les rappels illisible « {raw['accepts_reminders'][:20]} »")
    form_data = {field: raw[field] for field in FIELDS if field not in {"accepts_reminders"}}
    form_data.update(
        birth_date=birth_date.isoformat() if birth_date else "",
        sex=sex or "F",
        identity_status="provisoire",
        ins_oid="",
        family_situation="",
    )
    form = PatientForm(formdata=MultiDict(form_data), meta={"csrf": False})
    if not form.validate():
        for name, errors in form.errors.items():
            if name in {"birth_date", "sex"} and problems:
                continue  # already said, in the file's words
            label = FIELDS.get(name, name)
            problems.extend(f"{label} : {error[0].lower()}{error[1:]}" for error in errors)
    if problems:
        return None, problems
    data = form.cleaned()
    data["objects_to_reminders"] = consent not in YES
    return data, []


def identity_key(data: dict) -> tuple:
    """The strict identity traits compared for duplicates (birth name, first names, birth
    date, sex); the birthplace is compared apart, when both sides know it."""
    return (
        search_key(data["birth_name"]),
        search_key(data["first_names"]),
        data["birth_date"],
        data["sex"],
    )
