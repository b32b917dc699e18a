"""The content of the notices and of the register, from the practice's settings (I1, I2, P7).

One source for every document: the poster, the leaflet, the short text and the
register (printed and JSON) all read `practice()` and `purposes()`, so they never
disagree. The legal basis of each purpose is a setting (the référentiel's §4 table by
default) worded once, in `legal_bases()`.
"""

from dataclasses import dataclass

from flask import current_app

from cabinet import settings

REQUIRED = {
    "practice_name": "le nom du cabinet",
    "practice_practitioners": "la liste des praticiens",
    "practice_address": "l'adresse du cabinet",
    "privacy_contact": "le contact pour les questions sur les données personnelles",
    "software_provider": "l'éditeur du logiciel (sous-traitant)",
}
PRACTICE_KEYS = [
    "practice_name",
    "practice_practitioners",
    "practice_address",
    "practice_phone",
    "practice_email",
    "privacy_contact",
    "dpo_name",
    "software_provider",
    "health_data_host",
    "reminder_channels",
    "backup_location",
]


def practice() -> dict:
    values = {key: settings.get(key) for key in PRACTICE_KEYS}
    values["practitioners_list"] = [
        line for line in values["practice_practitioners"].splitlines() if line.strip()
    ]
    values["shared_record"] = settings.get("shared_record")
    return values


def missing() -> list[str]:
    """What must be filled in before anything is printed (French, for the page)."""
    values = practice()
    gaps = [label for key, label in REQUIRED.items() if not values[key].strip()]
    if not (values["practice_phone"].strip() or values["practice_email"].strip()):
        gaps.append("un téléphone ou un courriel du cabinet")
    return gaps


def retention() -> dict:
    return {
        "active_years": settings.get("retention_active_years"),
        "archive_years": settings.get("retention_archive_years"),
        "total_years": settings.get("retention_active_years")
        + settings.get("retention_archive_years"),
        "care_sheet_days": settings.get("retention_care_sheet_days"),
        "receipt_years": settings.get("retention_receipt_years"),
        "trace_days": settings.get("trace_retention_days"),
        "minor_until_28": settings.get("retention_minor_until_28"),
    }


@dataclass(frozen=True)
class Basis:
    """A GDPR art. 6 basis as the notices word it, and the right it opens (art. 21, 7.3)."""

    label: str
    article: str
    right_to_object: bool = False  # art. 21.1: public interest and legitimate interest
    withdrawable: bool = False  # art. 7.3: consent


BASES = {
    "legal_obligation": Basis("Obligation légale", "art. 6.1.c RGPD"),
    "legitimate_interest": Basis(
        "Intérêt légitime du cabinet", "art. 6.1.f RGPD", right_to_object=True
    ),
    "public_interest": Basis("Mission d'intérêt public", "art. 6.1.e RGPD", right_to_object=True),
    "contract": Basis("Exécution du contrat de soins", "art. 6.1.b RGPD"),
    "consent": Basis("Consentement", "art. 6.1.a RGPD", withdrawable=True),
    "vital_interests": Basis("Sauvegarde de vos intérêts vitaux", "art. 6.1.d RGPD"),
}
# The choice list of settings.py and the wording here name the same bases, in one order.
assert tuple(BASES) == settings.LEGAL_BASES
# Health data (every purpose here touches it) rests on art. 9.2.h as well: processing
# needed for care, by professionals bound by medical secrecy (art. 9.3).
HEALTH_CONDITION = (
    "Art. 9.2.h RGPD : nécessaire aux soins, par des professionnels tenus au secret (art. 9.3)"
)


@dataclass(frozen=True)
class Purpose:
    """A purpose of §3: its setting, and the legitimate interest the practice pursues
    there, stated whenever that is the chosen basis (art. 13.1.d)."""

    key: str
    name: str
    interest: str


PURPOSES = [
    Purpose(
        "appointments",
        "Gestion des rendez-vous",
        "organiser l'agenda du cabinet et vous recevoir (ou venir chez vous) à l'heure convenue",
    ),
    Purpose(
        "medical_record",
        "Tenue du dossier médical et de soins",
        "assurer la continuité et la qualité de vos soins",
    ),
    Purpose(
        "insurance",
        "Feuilles de soins et échanges avec l'assurance maladie",
        "obtenir la prise en charge de vos soins",
    ),
    Purpose(
        "accounting",
        "Comptabilité du cabinet",
        "tenir les comptes du cabinet et justifier ses recettes",
    ),
    Purpose(
        "exchanges",
        "Échanges avec d'autres professionnels et avec les patients",
        "coordonner vos soins avec les professionnels qui vous prennent en charge",
    ),
]
BASIS_KEYS = [f"legal_basis_{purpose.key}" for purpose in PURPOSES]


def referentiel_basis(purpose_key: str) -> str:
    return settings.DECLARED[f"legal_basis_{purpose_key}"].default


def legal_bases() -> dict[str, dict]:
    """THE legal basis of each purpose, worded once: every notice, the register and its
    JSON export print these strings and nothing else (P7, I1, I2)."""
    found = {}
    justification = settings.get("legal_basis_justification")
    for purpose in PURPOSES:
        key = settings.get(f"legal_basis_{purpose.key}")
        basis, proposed = BASES[key], BASES[referentiel_basis(purpose.key)]
        interest = purpose.interest if key == "legitimate_interest" else ""
        text = f"{basis.label} ({basis.article})"
        if interest:
            text += f" : {interest}"
        if basis.right_to_object:
            text += " — vous pouvez vous y opposer (art. 21 RGPD)"
        if basis.withdrawable:
            text += " — vous pouvez retirer votre consentement à tout moment (art. 7 RGPD)"
        found[purpose.key] = {
            "key": key,
            "label": basis.label,
            "article": basis.article,
            "legitimate_interest": interest,
            "right_to_object": basis.right_to_object,
            "text": text,
            "health_condition": HEALTH_CONDITION,
            "follows_referentiel": key == referentiel_basis(purpose.key),
            "referentiel": f"{proposed.label} ({proposed.article})",
            "justification": "" if key == referentiel_basis(purpose.key) else justification,
        }
    return found


def purposes() -> list[dict]:
    """The processing purposes of §3 with their legal basis (§4), categories, recipients,
    retention — for the notices (P7) and the register (I2)."""
    keep = retention()
    bases = legal_bases()
    record_time = (
        f"{keep['active_years']} ans après la dernière intervention en base active, "
        f"puis {keep['archive_years']} ans en archive distincte"
    )
    details = {
        "appointments": {
            "persons": "Patients, proches qui prennent rendez-vous pour eux",
            "data": "Identité, coordonnées, dates et types de rendez-vous, adresse des visites",
            "recipients": "Praticiens et secrétariat du cabinet",
            "retention": record_time,
        },
        "medical_record": {
            "persons": "Patients",
            "data": "Identité, INS, NIR, situation familiale et professionnelle, données de "
            "santé ; habitudes de vie avec l'accord du patient",
            "recipients": "Praticiens qui suivent le patient (équipe de soins) ; autres "
            "professionnels de santé dans les conditions de l'art. L1110-4 CSP",
            "retention": record_time,
        },
        "insurance": {
            "persons": "Patients assurés sociaux",
            "data": "Identité, NIR, actes et montants",
            "recipients": "Organismes d'assurance maladie obligatoire et complémentaire",
            "retention": f"{keep['care_sheet_days']} jours pour les copies",
        },
        "accounting": {
            "persons": "Patients",
            "data": "Date, nom du patient, actes, montant, mode de paiement",
            "recipients": "Praticiens, secrétariat, expert-comptable",
            "retention": f"{keep['receipt_years']} ans",
        },
        "exchanges": {
            "persons": "Patients",
            "data": "Éléments du dossier utiles à la prise en charge, transmis chiffrés",
            "recipients": "Professionnels de santé désignés, le patient lui-même",
            "retention": "Selon le dossier d'origine",
        },
    }
    return [
        {
            "key": purpose.key,
            "name": purpose.name,
            "basis": bases[purpose.key]["text"],
            "legal_basis": bases[purpose.key],
            **details[purpose.key],
        }
        for purpose in PURPOSES
    ]


def security_measures() -> dict[str, list[str]]:
    """The measures actually enabled, under the 7 headings of the CNIL model register."""
    exempt = settings.get("secretary_second_factor_exempt")
    backup = settings.get("backup_location")
    return {
        "Contrôle d'accès": [
            "Comptes nominatifs, profils séparés (secrétariat / praticiens / administrateur)",
            "Mot de passe conforme à la recommandation CNIL "
            f"({settings.get('password_min_entropy')} bits d'entropie au moins), essais limités",
            "Second facteur (clé de sécurité ou authentificateur de l'appareil) "
            + ("obligatoire pour tous" if not exempt else "obligatoire sauf pour le secrétariat"),
            f"Verrouillage après {settings.get('idle_lock_minutes')} minutes d'inactivité",
        ],
        "Traçabilité": [
            "Journal scellé (empreinte à clé chaînée) de chaque accès aux données des patients",
            f"Traces conservées {settings.get('trace_retention_days')} jours",
        ],
        "Protection des logiciels": ["Mises à jour du logiciel tracées dans la main courante"],
        "Sauvegarde": [
            f"Sauvegardes chiffrées : {backup}"
            if backup
            else "Sauvegardes : lieu non renseigné dans les paramètres",
            *backup_measures(),
        ],
        "Chiffrement": [
            "Base de données et archive chiffrées (SQLCipher, AES-256), clés distinctes",
            "Exports remis aux patients dans une archive chiffrée (AES-256)",
        ],
        "Contrôle des sous-traitants": [
            f"Éditeur : {settings.get('software_provider') or 'non renseigné'}",
            f"Hébergeur certifié HDS : {settings.get('health_data_host') or 'aucun (logiciel installé au cabinet)'}",
        ],
        "Autres mesures": [
            "Archivage et suppression automatiques selon les durées légales",
            *dpia_measures(),
        ],
    }


def provide_backup_measures(app, measures) -> None:
    """The backups' own words for the register (how long a deleted file may survive in
    them), handed by the composition root: `compliance` sits above `notices`."""
    app.extensions["cabinet.backup_measures"] = measures


def provide_dpia_sentence(app, sentence) -> None:
    """The DPIA indicator's sentence for the register (G1), from the composition root."""
    app.extensions["cabinet.dpia_sentence"] = sentence


def dpia_measures() -> list[str]:
    sentence = current_app.extensions.get("cabinet.dpia_sentence")
    return [sentence()] if sentence else []


def backup_measures() -> list[str]:
    measures = current_app.extensions.get("cabinet.backup_measures")
    return [measures()] if measures else []
