"""The content of the notices and of the register, from the practice's settings (I1, I2, P7).

One source for every document: the poster, the leaflet, the short text and the
register all read `practice()` and `purposes()`, so they never disagree.
"""

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


def purposes() -> list[dict]:
    """The processing purposes of §3 with their legal basis (§4), categories, recipients,
    retention — for the notices (P7) and the register (I2)."""
    keep = retention()
    record_time = (
        f"{keep['active_years']} ans après la dernière intervention en base active, "
        f"puis {keep['archive_years']} ans en archive distincte"
    )
    return [
        {
            "name": "Gestion des rendez-vous",
            "basis": "Exécution d'une mission d'intérêt public / mesures précontractuelles ; "
            "obligations du professionnel de santé (art. 6.1.b et c, 9.2.h RGPD)",
            "persons": "Patients, proches qui prennent rendez-vous pour eux",
            "data": "Identité, coordonnées, dates et types de rendez-vous, adresse des visites",
            "recipients": "Praticiens et secrétariat du cabinet",
            "retention": record_time,
        },
        {
            "name": "Tenue du dossier médical et de soins",
            "basis": "Obligation légale et nécessité aux fins de la médecine préventive, des "
            "diagnostics et des soins (art. 6.1.c et 9.2.h RGPD ; art. R4127-45 et "
            "L1111-7 CSP)",
            "persons": "Patients",
            "data": "Identité, INS, NIR, situation familiale et professionnelle, données de "
            "santé ; habitudes de vie avec l'accord du patient",
            "recipients": "Praticiens qui suivent le patient (équipe de soins) ; autres "
            "professionnels de santé dans les conditions de l'art. L1110-4 CSP",
            "retention": record_time,
        },
        {
            "name": "Feuilles de soins et échanges avec l'assurance maladie",
            "basis": "Obligation légale (art. 6.1.c RGPD ; code de la sécurité sociale)",
            "persons": "Patients assurés sociaux",
            "data": "Identité, NIR, actes et montants",
            "recipients": "Organismes d'assurance maladie obligatoire et complémentaire",
            "retention": f"{keep['care_sheet_days']} jours pour les copies",
        },
        {
            "name": "Comptabilité du cabinet",
            "basis": "Obligation légale (art. 6.1.c RGPD ; livre des procédures fiscales, L102 B)",
            "persons": "Patients",
            "data": "Date, nom du patient, actes, montant, mode de paiement",
            "recipients": "Praticiens, secrétariat, expert-comptable",
            "retention": f"{keep['receipt_years']} ans",
        },
        {
            "name": "Échanges avec d'autres professionnels et avec les patients",
            "basis": "Nécessité aux fins des soins (art. 9.2.h RGPD)",
            "persons": "Patients",
            "data": "Éléments du dossier utiles à la prise en charge, transmis chiffrés",
            "recipients": "Professionnels de santé désignés, le patient lui-même",
            "retention": "Selon le dossier d'origine",
        },
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
            else "Sauvegardes : lieu non renseigné dans les paramètres"
        ],
        "Chiffrement": [
            "Base de données et archive chiffrées (SQLCipher, AES-256), clés distinctes",
            "Exports remis aux patients dans une archive chiffrée (AES-256)",
        ],
        "Contrôle des sous-traitants": [
            f"Éditeur : {settings.get('software_provider') or 'non renseigné'}",
            f"Hébergeur certifié HDS : {settings.get('health_data_host') or 'aucun (logiciel installé au cabinet)'}",
        ],
        "Autres mesures": ["Archivage et suppression automatiques selon les durées légales"],
    }
