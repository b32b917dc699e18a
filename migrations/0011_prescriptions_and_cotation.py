"""Prescriptions (with their photo, in the encrypted database), BSI assessments, the NGAP
nomenclature and tariffs as versioned data, the priced visits of the pre-bill; a series
remembers the prescription it was proposed from.

The seeded figures are the published ones, each with its source and the date it took
effect (docs/cotation.md lists them). `confirmed = False` marks a figure no source at hand
confirmed: the pages show it "[à confirmer]". New avenants are added by the admin as new
versions (/cotation/tarifs), never by editing these rows.
"""

import datetime

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    TimeField,
)

D = datetime.date
T = datetime.time

# Sources (see docs/cotation.md for the full references).
ARRETE_2008 = "Arrêté du 17/10/2008 (avenant 1 infirmiers), annexe 1 : tarifs au 15/04/2009"
AVENANT3_IDE = "Avenant 3 infirmiers (28/09/2011, JO 26/11/2011), tarifs au 27/05/2012"
AVENANT10_IDE = "Avenant 10 infirmiers (16/06/2023), IFD au 28/01/2024"
AVENANT6_IDE = "Avenant 6 infirmiers (2019) : BSI et forfaits BSA/BSB/BSC au 01/01/2020"
AVENANT3_MK = "Avenant kinés du 30/11/2011 (arrêté 10/01/2012, JO 14/01/2012), au 15/07/2012"
AVENANT7_MK = "Avenant 7 kinés (13/07/2023, JO 25/08/2023), lettres clés au 22/02/2024"
MK_1998 = "Avenant kinés du 15/06/1998 (arrêté 30/10/1998, JO 03/11/1998)"
MK_2003 = "Avenant kinés du 10/04/2003 (JO 19/06/2003)"
ORTHO = "Avenant 11 orthophonistes (JORF, article JORFARTI000017743771)"
NGAP_13 = "NGAP, dispositions générales, art. 13 (frais de déplacement)"

NIGHT = "Majoration de nuit"
DEEP = "Majoration de nuit profonde (23 h–5 h)"
SUNDAY = "Majoration de dimanche et jour férié"

# (profession, code, kind, label, amount, effective_from, source, confirmed, starts, ends)
TARIFFS = [
    ("nurse", "AMI", "key", "AMI (acte médico-infirmier)", "3.15", D(2009, 4, 15), ARRETE_2008),
    ("nurse", "AIS", "key", "AIS (acte infirmier de soins)", "2.65", D(2009, 4, 15), ARRETE_2008),
    (
        "nurse",
        "AMX",
        "key",
        "AMX (acte infirmier, patient dépendant)",
        "3.15",
        D(2020, 1, 1),
        AVENANT6_IDE,
        False,
    ),
    (
        "nurse",
        "BSA",
        "key",
        "BSA (forfait journalier, dépendance légère)",
        "13.00",
        D(2020, 1, 1),
        AVENANT6_IDE,
    ),
    (
        "nurse",
        "BSB",
        "key",
        "BSB (forfait journalier, dépendance intermédiaire)",
        "18.20",
        D(2020, 1, 1),
        AVENANT6_IDE,
    ),
    (
        "nurse",
        "BSC",
        "key",
        "BSC (forfait journalier, dépendance lourde)",
        "28.70",
        D(2020, 1, 1),
        AVENANT6_IDE,
    ),
    (
        "nurse",
        "IFD",
        "travel",
        "IFD (indemnité forfaitaire de déplacement)",
        "2.30",
        D(2009, 4, 15),
        ARRETE_2008,
    ),
    (
        "nurse",
        "IFD",
        "travel",
        "IFD (indemnité forfaitaire de déplacement)",
        "2.50",
        D(2012, 5, 27),
        AVENANT3_IDE,
    ),
    (
        "nurse",
        "IFD",
        "travel",
        "IFD (indemnité forfaitaire de déplacement)",
        "2.75",
        D(2024, 1, 28),
        AVENANT10_IDE,
    ),
    ("nurse", "IKP", "mileage", "IK plaine (par km)", "0.35", D(2009, 4, 15), ARRETE_2008),
    ("nurse", "IKM", "mileage", "IK montagne (par km)", "0.50", D(2009, 4, 15), ARRETE_2008),
    ("nurse", "IKS", "mileage", "IK à pied ou à ski (par km)", "3.40", D(2009, 4, 15), ARRETE_2008),
    (
        "nurse",
        "ABAT-P",
        "deductible",
        "Abattement IK plaine (km, aller-retour)",
        "4",
        D(2009, 4, 15),
        NGAP_13,
    ),
    (
        "nurse",
        "ABAT-M",
        "deductible",
        "Abattement IK montagne (km, aller-retour)",
        "2",
        D(2009, 4, 15),
        NGAP_13,
    ),
    (
        "nurse",
        "ABAT-S",
        "deductible",
        "Abattement IK à pied ou à ski (km, aller-retour)",
        "2",
        D(2009, 4, 15),
        NGAP_13,
        False,
    ),
    ("nurse", "NUIT", "night", NIGHT, "9.15", D(2009, 4, 15), ARRETE_2008, True, T(20), T(8)),
    ("nurse", "NUIT-P", "night", DEEP, "18.30", D(2009, 4, 15), ARRETE_2008, True, T(23), T(5)),
    ("nurse", "DIM", "sunday", SUNDAY, "8.00", D(2009, 4, 15), ARRETE_2008, False),
    (
        "nurse",
        "MAU",
        "single_act",
        "MAU (majoration pour acte unique)",
        "1.35",
        D(2012, 5, 27),
        AVENANT3_IDE,
    ),
    (
        "nurse",
        "MCI",
        "coordination",
        "MCI (majoration de coordination infirmière)",
        "5.00",
        D(2012, 5, 27),
        AVENANT3_IDE,
    ),
    ("physio", "AMK", "key", "AMK (masso-kinésithérapie)", "2.15", D(2012, 7, 15), AVENANT3_MK),
    (
        "physio",
        "AMS",
        "key",
        "AMS (rééducation orthopédique et rhumatologique)",
        "2.15",
        D(2012, 7, 15),
        AVENANT3_MK,
    ),
    ("physio", "AMC", "key", "AMC (actes en établissement)", "2.15", D(2012, 7, 15), AVENANT3_MK),
    ("physio", "AMK", "key", "AMK (masso-kinésithérapie)", "2.21", D(2024, 2, 22), AVENANT7_MK),
    (
        "physio",
        "AMS",
        "key",
        "AMS (rééducation orthopédique et rhumatologique)",
        "2.21",
        D(2024, 2, 22),
        AVENANT7_MK,
    ),
    ("physio", "AMC", "key", "AMC (actes en établissement)", "2.21", D(2024, 2, 22), AVENANT7_MK),
    (
        "physio",
        "IFD",
        "travel",
        "IFD (indemnité forfaitaire de déplacement)",
        "2.50",
        D(2012, 7, 15),
        AVENANT3_MK,
    ),
    ("physio", "IKP", "mileage", "IK plaine (par km)", "0.38", D(2003, 6, 21), MK_2003),
    ("physio", "IKM", "mileage", "IK montagne (par km)", "0.61", D(2003, 6, 21), MK_2003),
    ("physio", "IKS", "mileage", "IK à pied ou à ski (par km)", "3.35", D(2003, 6, 21), MK_2003),
    (
        "physio",
        "ABAT-P",
        "deductible",
        "Abattement IK plaine (km, aller-retour)",
        "4",
        D(2003, 6, 21),
        NGAP_13,
    ),
    (
        "physio",
        "ABAT-M",
        "deductible",
        "Abattement IK montagne (km, aller-retour)",
        "2",
        D(2003, 6, 21),
        NGAP_13,
    ),
    (
        "physio",
        "ABAT-S",
        "deductible",
        "Abattement IK à pied ou à ski (km, aller-retour)",
        "2",
        D(2003, 6, 21),
        NGAP_13,
        False,
    ),
    ("physio", "NUIT", "night", NIGHT, "9.15", D(1998, 11, 5), MK_1998, True, T(20), T(8)),
    ("physio", "DIM", "sunday", SUNDAY, "7.62", D(1998, 11, 5), MK_1998),
    ("speech", "AMO", "key", "AMO (orthophonie)", "2.40", D(2007, 12, 1), ORTHO, False),
]

XVI = "NGAP titre XVI (soins infirmiers)"
XIV = "NGAP titre XIV (masso-kinésithérapie)"
CPAM = "Fiche CPAM « Facturer les actes infirmiers », exemples de l'art. 5 bis"
INSULIN = "group:insuline"
# (ident, profession, label, key, coefficient, effective_from, source, options)
ACTS = [
    (
        "ami-injection",
        "nurse",
        "Injection sous-cutanée ou intramusculaire",
        "AMI",
        "1",
        D(2009, 4, 15),
        f"{XVI}, chap. I, art. 1",
        {},
    ),
    (
        "ami-prise-de-sang",
        "nurse",
        "Prélèvement par ponction veineuse (prise de sang)",
        "AMI",
        "1.5",
        D(2009, 4, 15),
        f"{XVI}, chap. I, art. 1 ; {CPAM}",
        {},
    ),
    (
        "ami-surveillance-glycemie",
        "nurse",
        "Surveillance et contrôle extemporané (patient insulino-traité)",
        "AMI",
        "1",
        D(2009, 4, 15),
        f"{XVI}, chap. II, art. 5 bis ; {CPAM}",
        {"cumulation": INSULIN, "rule": "titre XVI chap. II art. 5 bis"},
    ),
    (
        "ami-insuline",
        "nurse",
        "Injection d'insuline (patient insulino-traité)",
        "AMI",
        "1",
        D(2009, 4, 15),
        f"{XVI}, chap. II, art. 5 bis ; {CPAM}",
        {"cumulation": INSULIN, "rule": "titre XVI chap. II art. 5 bis"},
    ),
    (
        "ami-alimentation-enterale",
        "nurse",
        "Alimentation entérale (séance)",
        "AMI",
        "3",
        D(2009, 4, 15),
        CPAM,
        {},
    ),
    (
        "ami-perfusion-preparation",
        "nurse",
        "Perfusion : préparation, remplissage, programmation",
        "AMI",
        "3",
        D(2009, 4, 15),
        f"{XVI}, chap. I, art. 9",
        {"cumulation": "full_rate", "rule": "titre XVI chap. I art. 9"},
    ),
    (
        "ami-perfusion-flacon",
        "nurse",
        "Perfusion : changement de flacon ou branchement",
        "AMI",
        "2",
        D(2009, 4, 15),
        f"{XVI}, chap. I, art. 9",
        {"cumulation": "full_rate", "rule": "titre XVI chap. I art. 9"},
    ),
    (
        "ami-pansement-lourd",
        "nurse",
        "Pansement lourd et complexe",
        "AMI",
        "4",
        D(2009, 4, 15),
        f"{XVI}, chap. I, art. 3 et art. 11 [coefficient à confirmer]",
        {
            "full_rate_with": "AIS",
            "opens_mci": True,
            "rule": "titre XVI chap. I art. 11",
            "confirmed": False,
        },
    ),
    (
        "ais-seance",
        "nurse",
        "Séance de soins infirmiers (par demi-heure)",
        "AIS",
        "3",
        D(2009, 4, 15),
        f"{XVI}, chap. I, art. 11 [coefficient à confirmer]",
        {"confirmed": False},
    ),
    (
        "bsa-forfait",
        "nurse",
        "Forfait journalier BSA (dépendance légère)",
        "BSA",
        "1",
        D(2020, 1, 1),
        AVENANT6_IDE,
        {"cumulation": "full_rate", "rule": "forfait BSI"},
    ),
    (
        "bsb-forfait",
        "nurse",
        "Forfait journalier BSB (dépendance intermédiaire)",
        "BSB",
        "1",
        D(2020, 1, 1),
        AVENANT6_IDE,
        {"cumulation": "full_rate", "rule": "forfait BSI"},
    ),
    (
        "bsc-forfait",
        "nurse",
        "Forfait journalier BSC (dépendance lourde)",
        "BSC",
        "1",
        D(2020, 1, 1),
        AVENANT6_IDE,
        {"cumulation": "full_rate", "rule": "forfait BSI"},
    ),
    (
        "amk-respiratoire",
        "physio",
        "Rééducation respiratoire avec désencombrement urgent",
        "AMK",
        "8",
        D(2012, 7, 15),
        f"{XIV}, chap. II, art. 5",
        {},
    ),
    (
        "ams-membre",
        "physio",
        "Rééducation d'un membre et de sa racine (orthopédie, rhumatologie)",
        "AMS",
        "7.5",
        D(2012, 7, 15),
        f"{XIV}, chap. II, art. 1",
        {},
    ),
    (
        "ams-membre",
        "physio",
        "Rééducation d'un membre et de sa racine (orthopédie, rhumatologie)",
        "AMS",
        "8.1",
        D(2025, 7, 1),
        f"{AVENANT7_MK} : + 0,6 point au 01/07/2025",
        {},
    ),
    (
        "ams-plusieurs-membres",
        "physio",
        "Rééducation de plusieurs membres, ou du tronc et d'un ou plusieurs membres",
        "AMS",
        "9.5",
        D(2012, 7, 15),
        f"{XIV}, chap. II, art. 1",
        {},
    ),
    (
        "ams-plusieurs-membres",
        "physio",
        "Rééducation de plusieurs membres, ou du tronc et d'un ou plusieurs membres",
        "AMS",
        "9.8",
        D(2026, 7, 1),
        f"{AVENANT7_MK} : + 0,3 point au 01/07/2026",
        {},
    ),
    (
        "amo-bilan",
        "speech",
        "Séance d'orthophonie (rééducation)",
        "AMO",
        "10",
        D(2007, 12, 1),
        "NGAP titre IV (orthophonie) [coefficient à confirmer]",
        {"confirmed": False},
    ),
]


def _frozen(db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Patient(Model):
        class Meta:
            database = db
            table_name = "patient"

    class Receipt(Model):
        class Meta:
            database = db
            table_name = "receipt"

    class Tariff(Model):
        profession = CharField()
        code = CharField()
        kind = CharField()
        label = CharField()
        amount = DecimalField(max_digits=10, decimal_places=2)
        starts = TimeField(null=True)
        ends = TimeField(null=True)
        effective_from = DateField()
        source = CharField()
        confirmed = BooleanField(default=True)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

        class Meta:
            database = db
            table_name = "tariff"
            indexes = ((("profession", "code", "effective_from"), True),)

    class NgapAct(Model):
        ident = CharField()
        profession = CharField()
        label = CharField()
        key = CharField()
        coefficient = DecimalField(max_digits=6, decimal_places=2)
        cumulation = CharField(default="11B")
        full_rate_with = CharField(default="")
        opens_mci = BooleanField(default=False)
        rule = CharField(default="")
        effective_from = DateField()
        source = CharField()
        confirmed = BooleanField(default=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

        class Meta:
            database = db
            table_name = "ngap_act"
            indexes = ((("ident", "effective_from"), True),)

    class Prescription(Model):
        ref = CharField(unique=True)
        patient = ForeignKeyField(Patient, on_delete="CASCADE", backref="+")
        practitioner = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        prescriber_name = CharField()
        prescriber_rpps = CharField(default="")
        prescribed_on = DateField()
        kind = CharField()
        acts_text = CharField()
        act_codes = CharField(default="")
        sessions_count = IntegerField()
        per_week = IntegerField(default=2)
        rhythm = CharField(default="")
        starts_on = DateField()
        valid_until = DateField(index=True)
        renewable = BooleanField(default=False)
        night_required = BooleanField(default=False)
        home_care = BooleanField(default=False)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "prescription"
            indexes = ((("patient", "prescribed_on"), False),)

    class PrescriptionPhoto(Model):
        prescription = ForeignKeyField(Prescription, unique=True, on_delete="CASCADE", backref="+")
        data = BlobField()
        width = IntegerField()
        height = IntegerField()
        size = IntegerField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "prescription_photo"

    class NursingAssessment(Model):
        ref = CharField(unique=True)
        patient = ForeignKeyField(Patient, on_delete="CASCADE", backref="+")
        nurse = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        done_on = DateField()
        level = CharField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "nursing_assessment"
            indexes = ((("patient", "done_on"), False),)

    class PricedVisit(Model):
        ref = CharField(unique=True)
        patient = ForeignKeyField(Patient, on_delete="CASCADE", backref="+")
        practitioner = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        prescription = ForeignKeyField(Prescription, null=True, on_delete="SET NULL", backref="+")
        visit_at = DateTimeField()
        visit_day = DateField(index=True)
        profession = CharField()
        home = BooleanField(default=False)
        km = DecimalField(max_digits=6, decimal_places=1, default=0)
        zone = CharField(default="plain")
        acts = CharField()
        steps = TextField()
        notes = TextField(default="[]")
        total = DecimalField(max_digits=10, decimal_places=2)
        paid_mode = CharField(default="")
        receipt = ForeignKeyField(Receipt, null=True, on_delete="SET NULL", backref="+")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "priced_visit"
            indexes = ((("patient", "visit_at"), False),)

    return Tariff, NgapAct, Prescription, PrescriptionPhoto, NursingAssessment, PricedVisit


def up(migrator, db):
    tables = _frozen(db)
    db.create_tables(tables)
    tariff, act = tables[0], tables[1]
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    for row in TARIFFS:
        profession, code, kind, label, amount, effective_from, source, *rest = row
        confirmed = rest[0] if rest else True
        starts, ends = (rest[1], rest[2]) if len(rest) > 1 else (None, None)
        tariff.create(
            profession=profession,
            code=code,
            kind=kind,
            label=label,
            amount=amount,
            starts=starts,
            ends=ends,
            effective_from=effective_from,
            source=source,
            confirmed=confirmed,
            created_at=now,
        )
    for ident, profession, label, key, coefficient, effective_from, source, options in ACTS:
        act.create(
            ident=ident,
            profession=profession,
            label=label,
            key=key,
            coefficient=coefficient,
            effective_from=effective_from,
            source=source,
            created_at=now,
            **options,
        )
    migrator.migrate(migrator.add_column("series", "prescription_ref", CharField(default="")))
