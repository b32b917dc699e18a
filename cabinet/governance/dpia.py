"""The DPIA indicator (G1, référentiel §11): how many distinct patients were cared for
over the last 12 months.

The référentiel asks a group practice sharing one information system for a DPIA and a
DPO from 10,000 patients a year, without saying how to count (regulation notes §9, [U]).
Our rule, shown with the figure: a patient counts once if at least one care event falls
in the 12 months up to today — a care session recorded in the record, or an appointment
marked as honoured. Cancelled and missed appointments do not count. The practice is a
group practice when more than one practitioner account is active.
"""

import datetime
from dataclasses import dataclass

from cabinet.appointments.models import Appointment
from cabinet.auth.models import User
from cabinet.dates import add_months
from cabinet.formatting import paris_midnight_utc
from cabinet.records.models import CareSession

THRESHOLD = 10_000
METHOD = (
    "Patients distincts ayant eu au moins un soin dans les 12 derniers mois : une séance "
    "enregistrée au dossier ou un rendez-vous honoré. Un patient vu plusieurs fois compte une fois."
)
REFERENCE = (
    "Référentiel CNIL relatif aux traitements de données à caractère personnel destinés à la "
    "gestion des cabinets médicaux et paramédicaux (2020), § 11 : analyse d'impact (AIPD) et "
    "délégué à la protection des données (DPO) pour un cabinet de groupe à partir de 10 000 "
    "patients par an."
)


@dataclass(frozen=True)
class Indicator:
    patients: int
    since: datetime.date
    group_practice: bool
    practitioners: int

    @property
    def dpia_required(self) -> bool:
        return self.group_practice and self.patients >= THRESHOLD

    @property
    def sentence(self) -> str:
        base = (
            f"{self.patients} patient(s) distinct(s) soigné(s) depuis le "
            f"{self.since.strftime('%d/%m/%Y')}"
        )
        if self.dpia_required:
            return base + " : cabinet de groupe au-delà de 10 000, une AIPD et un DPO sont requis."
        return base + " : en dessous du seuil d'AIPD et de DPO (10 000 pour un cabinet de groupe)."


def count(today: datetime.date) -> Indicator:
    since = add_months(today, -12)
    start, end = paris_midnight_utc(since), paris_midnight_utc(today + datetime.timedelta(days=1))
    sessions = CareSession.select(CareSession.patient).where(
        (CareSession.session_date >= since) & (CareSession.session_date <= today)
    )
    honoured = Appointment.select(Appointment.patient).where(
        (Appointment.status == "honoured")
        & (Appointment.starts_at >= start)
        & (Appointment.starts_at < end)
    )
    patients = (sessions | honoured).count()  # UNION removes the duplicates
    practitioners = (
        User.select().where((User.role == "practitioner") & User.disabled_at.is_null()).count()
    )
    return Indicator(patients, since, practitioners > 1, practitioners)


def register_sentence() -> str:
    """The register of processing's line (G1): the figure, the method, what it requires."""
    indicator = count(datetime.date.today())
    return f"Analyse d'impact : {indicator.sentence} Méthode : {METHOD}"
