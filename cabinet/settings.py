"""The practice's own choices, stored in the database, each declared here with its default.

Defaults are the privacy-friendly ones (X5): shortest lock delay, second factor
for everyone, record sharing off. Deployment facts (paths, origins) are not
settings: they live in config.py.
"""

from dataclasses import dataclass

from flask import g, has_request_context
from peewee import CharField, TextField

from cabinet.db import BaseModel, database


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()

    class Meta:
        table_name = "setting"


@dataclass(frozen=True)
class Declared:
    """A setting, said once: its label, default, type and bounds (checked by `validate`),
    the choices it allows (a dict when each needs its wording) and the help shown beside
    its field. The forms are built from this (`cabinet.forms.setting_field`)."""

    label: str
    default: object
    kind: type
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple | dict = ()
    help: str = ""
    multiline: bool = False  # text of several lines (one practitioner a line, a justification)
    secret: bool = False  # never shown back, never exported (the SMTP password)


# The GDPR art. 6 bases a purpose may rest on; their wording, articles and the rights
# each opens are in cabinet/notices/content.py (BASES), the one place the notices read.
LEGAL_BASES = (
    "legal_obligation",
    "legitimate_interest",
    "public_interest",
    "contract",
    "consent",
    "vital_interests",
)


def _text(label: str, maximum: int, help: str = "", multiline: bool = False) -> Declared:
    """A text of the practice, empty until filled."""
    return Declared(label, "", str, maximum=maximum, help=help, multiline=multiline)


# The nightly backup starts on the hour or the half hour (Paris time).
BACKUP_TIMES = tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 30))


def _basis(purpose: str, default: str) -> Declared:
    """The legal basis of one purpose: the référentiel's §4 table gives the default."""
    return Declared(f"Base légale : {purpose}", default, str, maximum=40, choices=LEGAL_BASES)


DECLARED: dict[str, Declared] = {
    "idle_lock_minutes": Declared("Verrouillage après inactivité (minutes)", 5, int, 1, 30),
    "account_inactivity_months": Declared(
        "Désactivation des comptes inutilisés (mois)",
        6,
        int,
        1,
        24,
        help="Un compte qui ne s'est pas connecté depuis ce délai est désactivé chaque nuit "
        "(jamais le dernier administrateur). L'administrateur peut le réactiver.",
    ),
    "password_min_entropy": Declared(
        "Entropie minimale des mots de passe (bits)",
        50,
        int,
        choices={
            50: "50 bits — mot de passe avec limitation des essais et second facteur (cas 2 CNIL)",
            80: "80 bits — comme un mot de passe seul (cas 1 CNIL, plus exigeant)",
        },
    ),
    "secretary_second_factor_exempt": Declared(
        "Dispenser le rôle secrétaire du second facteur (déconseillé)", False, bool
    ),
    "shared_record": Declared(
        "Dossier partagé au sein du cabinet",
        False,
        bool,
        help="Tous les praticiens lisent tous les dossiers, sauf opposition du patient.",
    ),
    "retention_active_years": Declared("Conservation en base active (années)", 5, int, 1, 30),
    "retention_archive_years": Declared("Conservation en archive (années)", 15, int, 0, 50),
    "retention_care_sheet_days": Declared(
        "Conservation des copies de feuilles de soins (jours)", 90, int, 90, 365
    ),
    "retention_receipt_years": Declared(
        "Conservation du journal des recettes (années)", 6, int, 6, 10
    ),
    "retention_minor_until_28": Declared("Mineurs : conserver au moins jusqu'à 28 ans", True, bool),
    "retention_deceased_ten_years": Declared(
        "Décès : fin 10 ans après le décès si plus tôt", True, bool
    ),
    # The practice, for the notices and the register (I1, I2).
    "practice_name": _text("Nom du cabinet", 120),
    "practice_practitioners": _text(
        "Praticiens (un par ligne, avec leur profession)", 600, multiline=True
    ),
    "practice_address": _text("Adresse du cabinet", 200),
    "practice_phone": _text("Téléphone", 30),
    "practice_email": _text("Courriel", 120),
    "privacy_contact": _text(
        "Contact pour les données personnelles",
        200,
        help="Qui répond aux demandes des patients (nom, courriel ou adresse).",
    ),
    "dpo_name": _text("Délégué à la protection des données (si désigné)", 200),
    "software_provider": _text("Éditeur du logiciel (sous-traitant)", 200),
    "health_data_host": _text("Hébergeur certifié de données de santé (si hébergé)", 200),
    "reminder_channels": _text(
        "Rappels de rendez-vous (canaux)",
        120,
        help="Par exemple « SMS ». Envoyés seulement aux patients qui l'acceptent.",
    ),
    "backup_location": _text("Lieu des sauvegardes chiffrées", 200),
    # The legal basis of each purpose (P7): the référentiel's §4 table by default; another
    # choice is the practice's, documented in the justification (shown in the register).
    "legal_basis_appointments": _basis("gestion des rendez-vous", "legitimate_interest"),
    "legal_basis_medical_record": _basis("dossier médical et de soins", "legal_obligation"),
    "legal_basis_insurance": _basis("feuilles de soins et assurance maladie", "legal_obligation"),
    "legal_basis_accounting": _basis("comptabilité du cabinet", "legitimate_interest"),
    "legal_basis_exchanges": _basis("échanges avec les professionnels", "legitimate_interest"),
    "legal_basis_justification": _text(
        "Justification des bases légales choisies hors référentiel",
        600,
        multiline=True,
        help="Obligatoire dès qu'une base diffère de celle que propose le référentiel de la "
        "CNIL : la réflexion que le cabinet a menée et documentée (§4). Figure au registre.",
    ),
    "trace_retention_days": Declared(
        "Durée de conservation des traces (jours)",
        365,
        int,
        183,
        1095,
        help="Recommandation CNIL : 6 mois à 1 an ; jusqu'à 3 ans pour un besoin de contrôle "
        "interne documenté.",
    ),
    # Backups (X2): where, when, how many; CABINET_BACKUP_DIR and CABINET_BACKUP_COPY_DIR
    # win over the two folders (docs/continuity.md).
    "backup_dir": Declared("Dossier des sauvegardes (sur un autre disque)", "", str, maximum=300),
    "backup_copy_dir": Declared(
        "Seconde destination (disque USB, NAS), facultative", "", str, maximum=300
    ),
    "backup_time": Declared(
        "Heure de la sauvegarde nocturne", "01:30", str, maximum=5, choices=BACKUP_TIMES
    ),
    "backup_keep_daily": Declared("Sauvegardes quotidiennes gardées", 7, int, 1, 60),
    "backup_keep_weekly": Declared("Sauvegardes hebdomadaires gardées", 4, int, 0, 52),
    "backup_keep_monthly": Declared("Sauvegardes mensuelles gardées", 12, int, 0, 120),
    # Prescriptions and the cotation aid (docs/cotation.md).
    "prescription_renewal_days": Declared(
        "Ordonnances à renouveler : échéance dans les (jours)",
        7,
        int,
        1,
        60,
        help="Une ordonnance figure aussi dans la liste quand il reste deux séances ou moins.",
    ),
    "bsi_renewal_months": Declared(
        "Renouvellement du BSI (mois)",
        12,
        int,
        1,
        24,
        help="Délai après lequel le bilan de soins infirmiers est à refaire [à confirmer].",
    ),
    # E-mail reminders (issue 17; I7, X5): the practice's own SMTP account, TLS required.
    "smtp_host": _text("Serveur SMTP (envoi)", 200, help="Par exemple smtp.fournisseur.fr."),
    "smtp_port": Declared("Port SMTP", 587, int, 1, 65535),
    "smtp_security": Declared(
        "Chiffrement de la connexion",
        "starttls",
        str,
        maximum=10,
        choices={
            "starttls": "STARTTLS exigé (port 587 en général)",
            "tls": "TLS dès la connexion (port 465 en général)",
        },
    ),
    "smtp_login": _text("Identifiant SMTP", 200),
    "smtp_password": Declared("Mot de passe SMTP", "", str, maximum=200, secret=True),
    "smtp_sender": _text(
        "Adresse d'expédition",
        120,
        help="L'adresse du cabinet qui envoie les rappels (souvent l'identifiant SMTP).",
    ),
    "reminder_hours": Declared(
        "Rappels par courriel",
        "24",
        str,
        maximum=10,
        choices={
            "": "Aucun rappel par courriel",
            "24": "La veille, 24 h avant",
            "72": "72 h avant",
            "24,72": "72 h avant, puis la veille (24 h avant)",
        },
        help="Envoyés seulement aux patients qui ont accepté les rappels et donné un courriel.",
    ),
    "alsace_moselle": Declared(
        "Cabinet en Alsace-Moselle (Vendredi saint et 26 décembre fériés)", False, bool
    ),
}


SECRET_KEYS = frozenset(key for key, declared in DECLARED.items() if declared.secret)


class SettingError(ValueError):
    """A French message saying why the value is refused."""


def _parse(declared: Declared, raw: str):
    if declared.kind is str:
        return raw
    if declared.kind is bool:
        return raw in {"1", "true", "True"}
    return declared.kind(raw)


def get(key: str):
    """The practice's value of `key`. Within a request each key is read once (the idle lock,
    the layout and the page often ask the same ones: issue 20); a job reads afresh."""
    read = g.setdefault("settings_read", {}) if has_request_context() else None
    if read is not None and key in read:
        return read[key]
    declared = DECLARED[key]
    # Its one column, no model instance: every signed-in page reads the idle delay.
    row = database.execute_sql('SELECT "value" FROM "setting" WHERE "key" = ?', (key,)).fetchone()
    value = declared.default if row is None else _parse(declared, row[0])
    if read is not None:
        read[key] = value
    return value


def validate(key: str, value) -> object:
    declared = DECLARED[key]
    if declared.kind is str:
        value = "\n".join(line.strip() for line in str(value or "").strip().splitlines())
        if len(value) > (declared.maximum or 200):
            raise SettingError(f"{declared.label} : {declared.maximum or 200} caractères au plus.")
        if declared.choices and value not in declared.choices:
            raise SettingError(f"{declared.label} : choix inconnu.")
        return value
    try:
        value = declared.kind(value) if declared.kind is not bool else bool(value)
    except (TypeError, ValueError):
        raise SettingError(f"{declared.label} : valeur invalide.") from None
    if declared.minimum is not None and value < declared.minimum:
        raise SettingError(f"{declared.label} : au moins {declared.minimum}.")
    if declared.maximum is not None and value > declared.maximum:
        raise SettingError(f"{declared.label} : au plus {declared.maximum}.")
    if declared.choices and value not in declared.choices:
        allowed = ", ".join(str(c) for c in declared.choices)
        raise SettingError(f"{declared.label} : valeurs possibles {allowed}.")
    return value


def put_changed(values: dict) -> list[str]:
    """Store those of `values` that differ from what is stored; their keys, for the caller
    to trace each one in the same transaction."""
    changed = [key for key, value in values.items() if get(key) != validate(key, value)]
    for key in changed:
        put(key, values[key])
    return changed


def put(key: str, value) -> object:
    """Store a validated value (the caller traces the change in the same transaction)."""
    value = validate(key, value)
    raw = ("1" if value else "0") if isinstance(value, bool) else str(value)
    Setting.insert(key=key, value=raw).on_conflict_replace().execute()
    if has_request_context():
        g.pop("settings_read", None)
    return value
