"""docs/restitution-schema.json, written from the code: the export's domains (restitution.py
DOMAINS), their French descriptions below, and the columns of every table of a new instance.
A table added without its domain fails tests/test_restitution.py; then run

    python -m cabinet.compliance.restitution_schema

to rewrite the schema (it builds a throwaway instance: fictitious, empty).
"""

import json
import os
import tempfile
from pathlib import Path

from cabinet.compliance import restitution

DESCRIPTIONS = {
    "practice": "Paramètres du cabinet, niveau de schéma, impressions des notices d'information",
    "accounts": "Comptes des utilisateurs (sans mot de passe ni authentificateur)",
    "patients": "Fiches administratives, historique des rectifications, équipes de soins, "
    "imports en attente depuis le logiciel précédent, accès accordés pour une période "
    "(passations), notes d'accès au domicile",
    "appointments": "Types de rendez-vous, horaires, absences, séries de séances, rendez-vous "
    "et leur historique, ordre des tournées et kilomètres du jour",
    "records": "Dossiers de soins (éléments et versions, séances et actes), copies de feuilles "
    "de soins, journal des recettes, accès exceptionnels",
    "prescriptions": "Ordonnances (et leur photo), bilans de soins infirmiers",
    "transmissions": "Transmissions entre membres de l'équipe de soins (versions, marques de "
    "lecture)",
    "handover": "Passations à un remplaçant (praticien, remplaçant, dates)",
    "billing": "Nomenclature et tarifs datés avec leur source, visites cotées (pré-facturation)",
    "rights": "Registre des demandes d'exercice des droits",
    "reminders": "Courriels envoyés (rappels, confirmations, essais) : destinataire, date, "
    "résultat, jamais le contenu",
    "retention": "Exécutions de la tâche de conservation",
    "archive": "Archive (base distincte) : dossiers archivés (document JSON scellé de chaque "
    "dossier) et comptes anonymes",
    "audit": "Journal des traces scellé (chaîne d'empreintes à clé), points de départ après "
    "purge et date de création de chaque journal des consultations",
    "consultations": "Journal des consultations (base distincte, lectures.db) : traces des "
    "pages consultées sans modification, chaîne scellée de son côté, et ses points de départ "
    "après purge",
    "consultations-N": "Journaux des consultations suivants (lectures-2.db, lectures-3.db…, un "
    "par processus du serveur qui a écrit des consultations) : mêmes tables que consultations",
    "compliance": "Sauvegardes (exécutions, tests de restauration), main courante et ses notes",
    "governance": "Registre des violations et ses compléments, revues des habilitations, mesures confirmées par le cabinet",
    restitution.OTHER: "Tables qu'aucun domaine ne nomme encore (versions ultérieures)",
}

FURTHER_READINGS = {"type": "string", "pattern": "^consultations-[0-9]+$"}

TABLE = {
    "type": "object",
    "required": ["columns", "rows"],
    "properties": {
        "columns": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Noms des colonnes, dans l'ordre de la table",
        },
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": {"type": ["string", "integer", "number", "null"]},
            },
            "description": "Une ligne par objet ; horodatages UTC (texte ISO 8601), données "
            "binaires en hexadécimal",
        },
    },
}


def document(conn) -> dict:
    """The JSON schema of the export's domain files, for the tables `conn` holds."""
    layout = restitution.plan(conn)
    domains = [*restitution.DOMAINS, restitution.OTHER]
    definitions = {"table": TABLE}
    rules = []
    for domain in restitution.DOMAINS:
        tables = layout.get(domain, [])
        for schema, table in tables:
            columns = restitution._columns(conn, schema, table)
            definitions[table] = {
                "allOf": [{"$ref": "#/$defs/table"}],
                "properties": {"rows": {"items": {"required": columns}}},
            }
        names = [table for _, table in tables]
        rules.append(
            {
                "if": {"properties": {"domain": {"const": domain}}},
                "then": {
                    "properties": {
                        "tables": {
                            "required": names,
                            "properties": {name: {"$ref": f"#/$defs/{name}"} for name in names},
                            "additionalProperties": False,
                        }
                    }
                },
            }
        )
    # Each further journal of readings (one per process that wrote readings, lectures-2.db…)
    # is its own domain, "consultations-2"…, with the tables of "consultations".
    readings_rule = next(
        r for r in rules if r["if"]["properties"]["domain"]["const"] == "consultations"
    )
    rules.append(
        {"if": {"properties": {"domain": FURTHER_READINGS}}, "then": readings_rule["then"]}
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "cabinet-restitution-v1",
        "title": "Export complet des données du cabinet (Cabinet, restitution, version 1)",
        "description": "Chaque fichier json/<domaine>.json de l'archive d'export complet "
        "(flask --app app export-all) suit ce schéma : les lignes de chaque table du domaine, "
        "telles qu'elles sont stockées. Les identifiants numériques relient les tables entre "
        "elles (patient_id → patient.id). Les mots de passe, authentificateurs, codes de "
        "secours, sessions et tentatives de connexion ne sont jamais exportés. Voir "
        "docs/continuity.md.",
        "type": "object",
        "required": ["schema", "version", "domain", "generated_at", "tables"],
        "properties": {
            "schema": {"const": "cabinet-restitution"},
            "version": {"const": 1},
            "domain": {
                "anyOf": [{"enum": domains}, FURTHER_READINGS],
                "description": "; ".join(
                    f"{name} : {DESCRIPTIONS[name]}" for name in [*domains[:-1], "consultations-N"]
                )
                + f" ; {restitution.OTHER} : {DESCRIPTIONS[restitution.OTHER]}",
            },
            "generated_at": {
                "type": "string",
                "description": "Date et heure UTC de l'export (ISO 8601)",
            },
            "tables": {"type": "object", "additionalProperties": {"$ref": "#/$defs/table"}},
        },
        "allOf": rules,
        "$defs": definitions,
    }


def render(conn) -> str:
    return json.dumps(document(conn), ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    # Imported here: the package imports this domain, a developer's command imports the app.
    from cabinet import create_app
    from cabinet.retention.archive import ensure_schema

    with tempfile.TemporaryDirectory() as folder:
        os.environ["CABINET_INSTANCE"] = folder
        app = create_app({"SCHEDULER": False})
        assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
        with app.app_context():
            ensure_schema()
            conn = restitution._open(app.config)
            Path(restitution.SCHEMA_PATH).write_text(render(conn))
            conn.close()


if __name__ == "__main__":
    main()
