"""Drop five indexes of the appointment and care-team tables that no query needs (issue 20).

Three repeat the first column of another: the patient's and the practitioner's
appointments are found through (patient_id, starts_at) and (practitioner_id, starts_at),
a care team through (patient_id, practitioner_id) — foreign-key checks and cascades
included, as SQLite uses any index led by the child key. Two only served a foreign-key
check on deleting an account or an appointment type, which the software never does
(accounts are disabled, types deactivated): `created_by_id` and `appointment_type_id`.
Each index costs every insert and delete of an appointment a page write: archiving a file
rewrote ten b-trees per appointment, now five.
"""

REDUNDANT = (
    "appointment_patient_id",
    "appointment_practitioner_id",
    "careassignment_patient_id",
    "appointment_created_by_id",
    "appointment_appointment_type_id",
)


def up(migrator, db):
    for name in REDUNDANT:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
