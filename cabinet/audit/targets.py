"""French words for what a trace points at, for the journal's readers (T1).

Traces keep compact codes (`user:3`, `rights_request:<ref>`, `setting:dpo_name`): they are
sealed and exported raw for auditors. People read them through `describe()`.
"""

import re

from cabinet import settings

# Targets without an id.
PLAIN = {
    "patient": "Fiche du patient",
    "patients": "Liste des patients",
    "record": "Dossier de soins",
    "agenda": "Agenda",
    "absence": "Absences",
    "opening_hours": "Horaires d'ouverture",
    "appointment_type": "Types de rendez-vous",
    "archive": "Archives",
    "break_glass_notices": "Accès exceptionnels signalés",
    "care_team": "Équipe de soins",
    "receipts": "Journal des recettes",
    "register": "Registre des traitements",
    "retention": "Conservation des dossiers",
    "session": "Session de connexion",
    "trace": "Journal des traces",
    "backups": "Sauvegardes",
    "instance": "Toutes les données du cabinet",
    "prescriptions": "Ordonnances du patient",
    "prebill": "Pré-facturation",
    "compliance_report": "Rapport de conformité",
    "mail": "Courriels envoyés",
    "access_note": "Notes d'accès au domicile",
    "care_grant": "Accès accordé par une passation",
    "transmissions": "Transmissions du patient",
}
# Targets "<kind>:<id or ref>": the kind names the item; the id itself means nothing to people.
KINDS = {
    "appointment": "Rendez-vous",
    "series": "Série de séances",
    "session": "Séance de soins",
    "record_item": "Élément du dossier",
    "receipt": "Paiement",
    "rights_request": "Demande de droits",
    "retention_run": "Rapport de conservation",
    "notice": "Notice d'information",
    "backup": "Sauvegarde",
    "maintenance": "Intervention de la main courante",
    "prescription": "Ordonnance",
    "bsi": "Bilan de soins infirmiers",
    "visit": "Visite cotée",
    "tariff": "Tarif",
    "incident": "Violation de données (registre)",
    "review": "Revue des habilitations",
    "measure": "Mesure du rapport de conformité",
    "import": "Import de patients",
    "mail": "Courriel",
    "round": "Tournée d'un praticien",
    "transmission": "Transmission",
    "handover": "Passation à un remplaçant",
}
NOTICES = {"poster": "affiche", "leaflet": "dépliant", "short": "texte court"}


def describe(target: str, accounts: dict) -> str:
    """`accounts`: {id: (ref, display name)} of every account."""
    if not target:
        return ""
    if target in PLAIN:
        return PLAIN[target]
    kind, _, value = target.partition(":")
    if kind == "user":
        name = accounts.get(int(value), (None, None))[1] if value.isdigit() else None
        return f"Compte de {name}" if name else "Compte supprimé"
    if kind in ("absence", "opening_hours"):
        names = {ref: name for ref, name in accounts.values()}
        what = PLAIN[kind]
        return f"{what} de {names[value]}" if value in names else what
    if kind == "setting":
        declared = settings.DECLARED.get(value)
        return f"Paramètre « {declared.label} »" if declared else "Paramètre"
    if kind == "notice":
        return f"{KINDS[kind]} ({NOTICES[value]})" if value in NOTICES else KINDS[kind]
    if kind in KINDS and value:
        return KINDS[kind]
    if "." in target and " " not in target:
        # system.error names the page's endpoint: the CSV export keeps it for the developers.
        return "Page de l'application"
    return target


_RETENTION_COUNTS = re.compile(
    r"^(?P<dry>simulation )?au (?P<day>\d{4}-\d{2}-\d{2}) : archived (?P<a>\d+), "
    r"deleted (?P<d>\d+), care_sheets_purged (?P<c>\d+), receipts_purged (?P<r>\d+)$"
)


def detail(action: str, text: str) -> str:
    """The trace's detail as people read it. Retention runs recorded before the detail was
    written in French are reworded; every other detail is already French."""
    match = _RETENTION_COUNTS.match(text or "")
    if action == "system.retention_run" and match:
        year, month, day = match["day"].split("-")
        return retention_detail(
            bool(match["dry"]),
            f"{day}/{month}/{year}",
            *(int(match[k]) for k in ("a", "d", "c", "r")),
        )
    if action == "settings.update" and text in ("True", "False"):
        return "oui" if text == "True" else "non"
    return text


def retention_detail(
    dry_run: bool, day: str, archived: int, deleted: int, sheets: int, receipts: int
) -> str:
    """One sentence for a retention run, as the job writes it in its trace."""
    head = "Simulation au" if dry_run else "Au"
    return (
        f"{head} {day} : {archived} dossier(s) archivé(s), {deleted} supprimé(s), "
        f"{sheets} copie(s) de feuille de soins et {receipts} ligne(s) de recettes purgée(s)"
    )
