"""The practice's own choices, stored in the database, each declared here with its default.

Defaults are the privacy-friendly ones (X5): shortest lock delay, second factor
for everyone, record sharing off. Deployment facts (paths, origins) are not
settings: they live in config.py.
"""

from dataclasses import dataclass

from peewee import CharField, TextField

from cabinet.db import BaseModel


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()

    class Meta:
        table_name = "setting"


@dataclass(frozen=True)
class Declared:
    label: str
    default: object
    kind: type
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple = ()


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


# The nightly backup starts on the hour or the half hour (Paris time).
BACKUP_TIMES = tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 30))


def _basis(purpose: str, default: str) -> Declared:
    """The legal basis of one purpose: the référentiel's §4 table gives the default."""
    return Declared(f"Base légale : {purpose}", default, str, maximum=40, choices=LEGAL_BASES)


DECLARED: dict[str, Declared] = {
    "idle_lock_minutes": Declared("Verrouillage après inactivité (minutes)", 5, int, 1, 30),
    "password_min_entropy": Declared(
        "Entropie minimale des mots de passe (bits)", 50, int, choices=(50, 80)
    ),
    "secretary_second_factor_exempt": Declared(
        "Dispenser la secrétaire du second facteur", False, bool
    ),
    "shared_record": Declared("Dossier partagé au sein du cabinet", False, bool),
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
    # The practice, for the notices and the register (I1, I2): text, empty until filled.
    "practice_name": Declared("Nom du cabinet", "", str, maximum=120),
    "practice_practitioners": Declared(
        "Praticiens (un par ligne, avec leur profession)", "", str, maximum=600
    ),
    "practice_address": Declared("Adresse du cabinet", "", str, maximum=200),
    "practice_phone": Declared("Téléphone du cabinet", "", str, maximum=30),
    "practice_email": Declared("Courriel du cabinet", "", str, maximum=120),
    "privacy_contact": Declared(
        "Contact pour les données personnelles (ou DPO)", "", str, maximum=200
    ),
    "dpo_name": Declared("Délégué à la protection des données (si désigné)", "", str, maximum=200),
    "software_provider": Declared("Éditeur du logiciel (sous-traitant)", "", str, maximum=200),
    "health_data_host": Declared(
        "Hébergeur certifié de données de santé (si hébergé)", "", str, maximum=200
    ),
    "reminder_channels": Declared(
        "Rappels de rendez-vous (canaux, avec l'accord du patient)", "", str, maximum=120
    ),
    "backup_location": Declared("Lieu des sauvegardes chiffrées", "", str, maximum=200),
    # The legal basis of each purpose (P7): the référentiel's §4 table by default; another
    # choice is the practice's, documented in the justification (shown in the register).
    "legal_basis_appointments": _basis("gestion des rendez-vous", "legitimate_interest"),
    "legal_basis_medical_record": _basis("dossier médical et de soins", "legal_obligation"),
    "legal_basis_insurance": _basis("feuilles de soins et assurance maladie", "legal_obligation"),
    "legal_basis_accounting": _basis("comptabilité du cabinet", "legitimate_interest"),
    "legal_basis_exchanges": _basis("échanges avec les professionnels", "legitimate_interest"),
    "legal_basis_justification": Declared(
        "Justification documentée des bases légales choisies hors référentiel", "", str, maximum=600
    ),
    "trace_retention_days": Declared(
        "Durée de conservation des traces (jours)", 365, int, 183, 1095
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
}


class SettingError(ValueError):
    """A French message saying why the value is refused."""


def _parse(declared: Declared, raw: str):
    if declared.kind is str:
        return raw
    if declared.kind is bool:
        return raw in {"1", "true", "True"}
    return declared.kind(raw)


def get(key: str):
    declared = DECLARED[key]
    row = Setting.get_or_none(Setting.key == key)
    return declared.default if row is None else _parse(declared, row.value)


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


def put(key: str, value) -> object:
    """Store a validated value (the caller traces the change in the same transaction)."""
    value = validate(key, value)
    raw = ("1" if value else "0") if isinstance(value, bool) else str(value)
    Setting.insert(key=key, value=raw).on_conflict_replace().execute()
    return value
