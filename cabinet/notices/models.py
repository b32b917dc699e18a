from peewee import CharField, DateTimeField, IntegerField

from cabinet.db import BaseModel, utcnow

KINDS = {
    "poster": "Affiche de la salle d'attente (A4)",
    "leaflet": "Dépliant pour les visites à domicile (A5)",
    "short": "Texte court des confirmations de rendez-vous",
    "register": "Registre des traitements",
}


class NoticePrint(BaseModel):
    """Each print of a notice: the practice can show it informed its patients (I1)."""

    kind = CharField()
    printed_at = DateTimeField(default=utcnow)
    actor_id = IntegerField(null=True)
    actor_name = CharField(default="")
    appointment_ref = CharField(default="")  # a leaflet handed at this home visit

    class Meta:
        table_name = "notice_print"

    @classmethod
    def latest(cls, count: int = 30):
        """The most recent prints, newest first (a query)."""
        return cls.select().order_by(cls.id.desc()).limit(count)
