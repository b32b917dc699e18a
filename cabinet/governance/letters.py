"""The texts an incident produces: what to type in the CNIL's online form (the fields of
its téléservice, section by section) and the letter to the persons concerned (art. 34:
in clear and plain language, the nature of the breach, a contact, the likely
consequences and the measures taken).

Sections follow the CNIL's form as described on cnil.fr (« Notifier une violation de
données personnelles », 24/05/2018) and notifications.cnil.fr (read 2026-12-02).
"""

from cabinet.formatting import french_date, local_datetime
from cabinet.governance.incidents import natures_of


def _or(value, fallback: str = "à compléter") -> str:
    return str(value) if value not in (None, "") else f"[{fallback}]"


def cnil_notification(incident, known: dict, practice: dict) -> list[tuple[str, str]]:
    """(heading, text) pairs in the order of the CNIL's form."""
    contact = practice.get("dpo_name") or practice.get("privacy_contact")
    late = known.get("delay_reason")
    return [
        (
            "Type de notification",
            "Notification initiale (à compléter si besoin par une notification complémentaire).",
        ),
        (
            "Organisme",
            f"{_or(practice.get('practice_name'))}, {_or(practice.get('practice_address'))}",
        ),
        (
            "Personne à contacter",
            f"{_or(contact)} — {_or(practice.get('practice_phone') or practice.get('practice_email'))}",
        ),
        (
            "Dates",
            f"Découverte le {local_datetime(incident.discovered_at)}"
            + (
                f" ; début le {local_datetime(incident.began_at)}"
                if incident.began_at
                else " ; début inconnu"
            ),
        ),
        ("Comment la violation a été découverte", incident.noticed_by),
        ("Nature de la violation", " ; ".join(natures_of(incident))),
        ("Circonstances", incident.description),
        ("Catégories de personnes concernées", _or(known.get("persons_categories"))),
        ("Nombre approximatif de personnes", _or(known.get("persons_count"))),
        ("Catégories de données concernées", _or(known.get("records_categories"))),
        ("Nombre approximatif d'enregistrements", _or(known.get("records_count"))),
        ("Conséquences probables pour les personnes", _or(known.get("consequences"))),
        ("Mesures prises", _or(known.get("measures_taken"))),
        ("Mesures envisagées", _or(known.get("measures_planned"))),
        ("Information des personnes", _persons_line(known)),
        ("Motif du retard", late or "Sans objet (notification dans les 72 heures)."),
    ]


def _persons_line(known: dict) -> str:
    if known.get("persons_informed_on"):
        return f"Personnes informées le {french_date(known['persons_informed_on'])}."
    if known.get("persons_required") is True:
        return "Risque élevé : les personnes vont être informées."
    if known.get("persons_required") is False:
        return f"Les personnes ne sont pas informées : {known.get('persons_reason')}"
    return "[à décider : risque élevé ou non pour les personnes]"


def persons_letter(incident, known: dict, practice: dict) -> list[str]:
    """The paragraphs of the letter to each person concerned (art. 34.2)."""
    contact = (
        practice.get("dpo_name") or practice.get("privacy_contact") or practice.get("practice_name")
    )
    reach = practice.get("practice_phone") or practice.get("practice_email") or ""
    return [
        "Madame, Monsieur,",
        f"Le {french_date(incident.discovered_at.date())}, notre cabinet a constaté un incident "
        "touchant des données personnelles vous concernant : "
        + " ; ".join(n.split(" (")[0].lower() for n in natures_of(incident))
        + ".",
        f"Ce qui s'est passé : {incident.description}",
        f"Les conséquences possibles pour vous : {_or(known.get('consequences'))}",
        f"Ce que nous avons fait : {_or(known.get('measures_taken'))}"
        + (
            f" Ce que nous allons faire : {known['measures_planned']}"
            if known.get("measures_planned")
            else ""
        ),
        f"Pour toute question, vous pouvez joindre {_or(contact)}"
        + (f" ({reach})" if reach else "")
        + ". Vous pouvez aussi adresser une réclamation à la CNIL (www.cnil.fr).",
        "Nous vous prions de nous excuser pour cet incident.",
        _or(practice.get("practice_name")),
    ]
