"""The compliance report (G2, référentiel §2: be able to demonstrate compliance).

Measure by measure of the référentiel's §10 (each of its sheets), plus §7 retention, §8
information, §9 rights and §11 DPIA: what the software enforces, with evidence read live
(settings, the last verified backup, the last chain verification, the last signed review,
open incidents, the last retention run, the notices printed), and what the practice must
confirm itself — a checklist it ticks and dates (a tick older than a year no longer counts).

Status of a measure: "missing" when the software's evidence is absent or stale (a verified
backup older than 2 days, a review older than a year, an incident past its 72 hours
without a decision…); else "to confirm" while an item of the practice's checklist is not
ticked within the year; else "enforced".
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from cabinet import settings
from cabinet.audit import trace
from cabinet.audit.models import Trace
from cabinet.auth.models import User, WebAuthnCredential
from cabinet.compliance import backups
from cabinet.compliance.models import BackupCheck, MaintenanceEntry
from cabinet.db import database, utcnow
from cabinet.formatting import french_date, local_datetime
from cabinet.governance import dpia, incidents, reviews
from cabinet.governance.models import MeasureConfirmation
from cabinet.notices.models import NoticePrint
from cabinet.retention import jobs as retention_jobs
from cabinet.rights import services as rights

STATUSES = {"enforced": "Appliquée", "to confirm": "À confirmer", "missing": "Manquante"}
BACKUP_STALE = datetime.timedelta(days=2)
RUN_STALE = datetime.timedelta(days=2)
CONFIRMATION_VALID_DAYS = 366


@dataclass
class Evidence:
    """What the software shows for a measure; `ok` False makes the measure missing."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def add(self, line: str, ok: bool = True) -> None:
        self.lines.append(line)
        self.ok = self.ok and ok


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    section: str
    evidence: Callable[[datetime.datetime], Evidence]
    practice: tuple[str, ...] = ()  # what the practice confirms itself


# Evidence, one function per measure -----------------------------------------------------------


def _last_trace(action: str, outcome: str = "ok") -> Trace | None:
    return (
        Trace.select()
        .where((Trace.action == action) & (Trace.outcome == outcome))
        .order_by(Trace.seq.desc())
        .first()
    )


def _awareness(now) -> Evidence:
    found = Evidence()
    found.add("Charte d'utilisation et information sur la traçabilité affichées à la connexion.")
    return found


def _authentication(now) -> Evidence:
    found = Evidence()
    found.add(
        f"Mots de passe : {settings.get('password_min_entropy')} bits d'entropie au moins "
        "(délibération CNIL 2022-100), essais limités et verrouillage."
    )
    exempt = settings.get("secretary_second_factor_exempt")
    found.add(
        "Second facteur (WebAuthn) : "
        + ("le secrétariat en est dispensé." if exempt else "obligatoire pour tous les comptes."),
        ok=not exempt,
    )
    without = (
        User.select()
        .where(User.disabled_at.is_null())
        .where(~User.id.in_(WebAuthnCredential.select(WebAuthnCredential.user)))
        .count()
    )
    found.add(f"Comptes actifs sans second facteur enregistré : {without}.")
    return found


def _permissions(now) -> Evidence:
    found = Evidence()
    found.add(
        "Profils séparés (secrétariat sans accès au dossier de soins), équipe de soins, "
        "accès exceptionnel motivé et tracé."
    )
    last, due, overdue = reviews.next_due(now.date())
    if last is None:
        found.add("Revue annuelle des habilitations : aucune revue signée.", ok=False)
    else:
        found.add(
            f"Dernière revue des habilitations signée le {local_datetime(last.signed_at)} par "
            f"{last.signer_name} ; prochaine avant le {french_date(due)}.",
            ok=not overdue,
        )
    found.add(
        f"Comptes inutilisés désactivés après {settings.get('account_inactivity_months')} "
        "mois ; comptes à date de fin désactivés chaque nuit."
    )
    return found


def _traces(now) -> Evidence:
    found = Evidence()
    found.add(
        f"Journal scellé et chaîné ; traces conservées {settings.get('trace_retention_days')} jours."
    )
    verified = _last_trace("audit.verify")
    check = (
        BackupCheck.select().where(BackupCheck.ok).order_by(BackupCheck.checked_at.desc()).first()
    )
    moments = [m for m in (verified and verified.at, check and check.checked_at) if m]
    if moments:
        found.add(
            f"Dernière vérification de la chaîne des traces : {local_datetime(max(moments))}.",
            ok=now - max(moments) <= BACKUP_STALE,
        )
    else:
        found.add("Aucune vérification de la chaîne des traces enregistrée.", ok=False)
    opened = incidents.open_clocks(now)
    late = [c for _, c in opened if c.state == "overdue"]
    found.add(
        f"Registre des violations : {incidents.register().count()} incident(s), "
        f"{len(opened)} sans décision de notification, dont {len(late)} au-delà de 72 heures.",
        ok=not late,
    )
    return found


def _workstations(now) -> Evidence:
    found = Evidence()
    found.add(
        f"Verrouillage de la session après {settings.get('idle_lock_minutes')} minutes d'inactivité."
    )
    return found


def _mobile(now) -> Evidence:
    found = Evidence()
    found.add(
        "Application installable sans mise en cache des données des patients ; "
        "tablettes servies en HTTPS par l'autorité de certification du cabinet."
    )
    return found


def _network(now) -> Evidence:
    found = Evidence()
    https = current_app.config.get("SESSION_COOKIE_SECURE") or current_app.config.get("TLS")
    found.add(
        "Échanges chiffrés (HTTPS, HSTS, cookies sécurisés) : "
        + ("actifs." if https else "non actifs sur ce serveur (accès local seulement).")
    )
    return found


def _servers(now) -> Evidence:
    found = Evidence()
    cipher = database.execute_sql("PRAGMA cipher_version").fetchone()
    found.add(
        f"Base chiffrée par SQLCipher {cipher[0] if cipher else '?'} ; clé hors de la base.",
        ok=bool(cipher and cipher[0]),
    )
    return found


def _web(now) -> Evidence:
    found = Evidence()
    found.add(
        "Aucune ressource tierce ni CDN : politique de sécurité du contenu "
        "« default-src 'self' » sur chaque page."
    )
    return found


def _backups(now) -> Evidence:
    found = Evidence()
    state = backups.status(now)
    good = state.last_good
    if good is None:
        found.add("Aucune sauvegarde vérifiée par une restauration.", ok=False)
    else:
        found.add(
            f"Dernière sauvegarde vérifiée par une restauration : {local_datetime(good.created_at)}.",
            ok=now - good.created_at <= BACKUP_STALE,
        )
    if state.warning:
        found.add(state.warning, ok=False)
    return found


def _archiving(now) -> Evidence:
    found = Evidence()
    run = retention_jobs.last_real_run()
    if run is None:
        found.add("La tâche de conservation n'a encore jamais tourné.", ok=False)
    else:
        found.add(
            f"Dernière tâche de conservation : {local_datetime(run.started_at)} "
            f"({'réussie' if run.outcome == 'ok' else 'en échec'}).",
            ok=run.outcome == "ok" and now - run.started_at <= RUN_STALE,
        )
    found.add("Archive intermédiaire dans une base chiffrée distincte, clé distincte.")
    return found


def _maintenance(now) -> Evidence:
    found = Evidence()
    last = MaintenanceEntry.select().order_by(MaintenanceEntry.occurred_on.desc()).first()
    found.add(
        "Main courante des interventions : "
        + (
            f"dernière le {french_date(last.occurred_on)}."
            if last
            else "aucune intervention inscrite."
        )
    )
    found.add(
        "Effacement sécurisé de l'instance (`flask wipe`) avant la mise au rebut d'un disque."
    )
    return found


def _subcontractors(now) -> Evidence:
    found = Evidence()
    provider = settings.get("software_provider")
    found.add(
        f"Éditeur : {provider or 'non renseigné'} ; hébergeur de données de santé : "
        f"{settings.get('health_data_host') or 'aucun (installé au cabinet)'}.",
        ok=bool(provider),
    )
    return found


def _exchanges(now) -> Evidence:
    found = Evidence()
    found.add(
        "Aucune donnée de santé dans les courriels ni les URL ; exports remis aux patients chiffrés (AES-256)."
    )
    return found


def _physical(now) -> Evidence:
    return Evidence(["Mesure organisationnelle : à confirmer par le cabinet."])


def _development(now) -> Evidence:
    found = Evidence()
    found.add("Dépendances figées, tests automatisés, données fictives uniquement hors production.")
    return found


def _encryption(now) -> Evidence:
    found = Evidence()
    found.add(
        "Base active, archive et sauvegardes chiffrées (AES-256), chacune avec sa clé ; "
        "clés jamais incluses dans une sauvegarde."
    )
    return found


def _retention(now) -> Evidence:
    found = Evidence()
    found.add(
        f"Durées : {settings.get('retention_active_years')} ans en base active, "
        f"{settings.get('retention_archive_years')} ans en archive, copies de feuilles de soins "
        f"{settings.get('retention_care_sheet_days')} jours."
    )
    run = retention_jobs.last_real_run()
    found.add(
        f"Dernière application automatique : {local_datetime(run.started_at) if run else 'jamais'}.",
        ok=run is not None and run.outcome == "ok" and now - run.started_at <= RUN_STALE,
    )
    return found


def _information(now) -> Evidence:
    found = Evidence()
    for kind, label in (("poster", "Affiche"), ("leaflet", "Dépliant")):
        last = (
            NoticePrint.select()
            .where(NoticePrint.kind == kind)
            .order_by(NoticePrint.id.desc())
            .first()
        )
        found.add(
            f"{label} d'information : "
            + (f"imprimé le {local_datetime(last.printed_at)}." if last else "jamais imprimé."),
            ok=last is not None,
        )
    return found


def _rights(now) -> Evidence:
    found = Evidence()
    overdue = [row for row, state in rights.pending(now.date()) if state == "overdue"]
    found.add(f"Demandes de droits en retard : {len(overdue)}.", ok=not overdue)
    return found


def _dpia(now) -> Evidence:
    indicator = dpia.count(now.date())
    found = Evidence()
    found.add(indicator.sentence)
    found.add(f"Méthode : {dpia.METHOD}")
    return found


MEASURES = [
    Measure(
        "sensibiliser",
        "Sensibiliser les utilisateurs",
        "§10",
        _awareness,
        (
            "Chaque utilisateur a lu la charte et connaît les règles (mots de passe, écrans, appels).",
        ),
    ),
    Measure(
        "authentifier",
        "Authentifier les utilisateurs",
        "§10",
        _authentication,
        ("Chacun garde ses authentificateurs pour lui ; pas de compte partagé.",),
    ),
    Measure(
        "habilitations",
        "Gérer les habilitations",
        "§10",
        _permissions,
        ("Les départs sont signalés à l'administrateur le jour même.",),
    ),
    Measure(
        "tracer",
        "Tracer les accès et gérer les incidents",
        "§10",
        _traces,
        ("Chacun sait à qui signaler un incident et le signale sans délai.",),
    ),
    Measure(
        "postes",
        "Sécuriser les postes de travail",
        "§10",
        _workstations,
        ("Systèmes et navigateurs à jour, antivirus actif, session verrouillée en cas d'absence.",),
    ),
    Measure(
        "mobiles",
        "Sécuriser l'informatique mobile",
        "§10",
        _mobile,
        ("Tablettes chiffrées et protégées par un code, effaçables à distance en cas de perte.",),
    ),
    Measure(
        "reseau",
        "Protéger le réseau informatique interne",
        "§10",
        _network,
        ("Wi-Fi du cabinet en WPA2 ou WPA3, réseau invités séparé, box à jour.",),
    ),
    Measure(
        "serveurs",
        "Sécuriser les serveurs",
        "§10",
        _servers,
        ("Le poste serveur est à jour, réservé au cabinet, sans compte administrateur partagé.",),
    ),
    Measure("sites", "Sécuriser les sites web", "§10", _web),
    Measure(
        "sauvegardes",
        "Sauvegarder et prévoir la continuité d'activité",
        "§10",
        _backups,
        (
            "Une copie des sauvegardes est gardée hors du cabinet ; la procédure de restauration est imprimée.",
        ),
    ),
    Measure("archivage", "Archiver de manière sécurisée", "§10", _archiving),
    Measure(
        "maintenance",
        "Encadrer la maintenance et la destruction des données",
        "§10",
        _maintenance,
        ("Les disques et appareils mis au rebut sont effacés ou détruits, et c'est inscrit.",),
    ),
    Measure(
        "sous-traitants",
        "Gérer la sous-traitance",
        "§10",
        _subcontractors,
        (
            "Un contrat avec chaque prestataire (maintenance, hébergeur) prévoit la confidentialité (RGPD art. 28).",
        ),
    ),
    Measure(
        "echanges",
        "Sécuriser les échanges avec d'autres organismes",
        "§10",
        _exchanges,
        (
            "Les échanges de données de santé passent par une messagerie sécurisée de santé (MSSanté).",
        ),
    ),
    Measure(
        "physique",
        "Protéger les locaux",
        "§10",
        _physical,
        ("Locaux fermés à clé, serveur et dossiers papier hors de portée du public.",),
    ),
    Measure("developpement", "Encadrer les développements informatiques", "§10", _development),
    Measure(
        "chiffrement",
        "Utiliser des fonctions cryptographiques",
        "§10",
        _encryption,
        ("Les clés de sauvegarde sont conservées à part, hors du disque des sauvegardes.",),
    ),
    Measure("conservation", "Durées de conservation", "§7", _retention),
    Measure(
        "information",
        "Information des personnes",
        "§8",
        _information,
        ("L'affiche est apposée en salle d'attente ; le dépliant est remis lors des visites.",),
    ),
    Measure("droits", "Droits des personnes", "§9", _rights),
    Measure("aipd", "Analyse d'impact et délégué à la protection des données", "§11", _dpia),
]
BY_ID = {measure.id: measure for measure in MEASURES}


# The report ------------------------------------------------------------------------------------


def confirmations(today: datetime.date) -> dict[tuple[str, int], MeasureConfirmation]:
    """The latest tick of each checklist item still valid today."""
    since = today - datetime.timedelta(days=CONFIRMATION_VALID_DAYS)
    latest = {}
    for row in (
        MeasureConfirmation.select()
        .where(MeasureConfirmation.confirmed_on >= since)
        .order_by(MeasureConfirmation.confirmed_on, MeasureConfirmation.id)
    ):
        latest[(row.measure, row.item)] = row
    return latest


def _status(evidence: Evidence, checklist: list[dict]) -> str:
    if not evidence.ok:
        return "missing"
    if any(not item["confirmed_on"] for item in checklist):
        return "to confirm"
    return "enforced"


def build(now: datetime.datetime | None = None) -> list[dict]:
    """Every measure with its status, its evidence and the practice's checklist."""
    now = now or utcnow()
    ticked = confirmations(now.date())
    rows = []
    for measure in MEASURES:
        evidence = measure.evidence(now)
        checklist = []
        for number, text in enumerate(measure.practice):
            tick = ticked.get((measure.id, number))
            checklist.append(
                {
                    "item": number,
                    "text": text,
                    "confirmed_on": tick.confirmed_on.isoformat() if tick else None,
                    "confirmed_by": tick.confirmer_name if tick else None,
                }
            )
        rows.append(
            {
                "id": measure.id,
                "title": measure.title,
                "section": measure.section,
                "status": _status(evidence, checklist),
                "evidence": evidence.lines,
                "practice_checklist": checklist,
            }
        )
    return rows


def read(actor, now: datetime.datetime | None = None) -> list[dict]:
    """The report, its reading traced."""
    rows = build(now)
    trace(actor, "compliance.report", target="compliance_report")
    return rows


def confirm(actor, measure_id: str, item: int, on: datetime.date) -> MeasureConfirmation:
    measure = BY_ID.get(measure_id)
    if measure is None or not 0 <= item < len(measure.practice):
        raise ValueError("Mesure inconnue.")
    with database.atomic():
        row = MeasureConfirmation.create(
            measure=measure_id,
            item=item,
            confirmed_on=on,
            confirmed_by=actor.id,
            confirmer_name=actor.display_name,
        )
        trace(actor, "compliance.confirm", target=f"measure:{measure_id}:{item}")
    return row
