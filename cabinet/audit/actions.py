"""The declared list of traced actions, each with the French label the viewers show.

A trace names what happened ("care record read"), never what the data says.
"""

ACTIONS: dict[str, str] = {
    # Authentication and accounts
    "auth.password_ok": "Mot de passe vérifié (second facteur attendu)",
    "auth.login": "Connexion",
    "auth.login_failed": "Échec de connexion",
    "auth.lockout": "Verrouillage du compte après des échecs",
    "auth.logout": "Déconnexion",
    "auth.password_changed": "Changement du mot de passe",
    "auth.second_factor_failed": "Échec du second facteur",
    "auth.authenticator_cloned": "Authentificateur copié détecté",
    "auth.authenticator_added": "Enregistrement d'un authentificateur",
    "auth.authenticator_removed": "Suppression d'un authentificateur",
    "auth.recovery_code_used": "Connexion par code de secours",
    "auth.recovery_codes_generated": "Génération des codes de secours",
    "auth.session_locked": "Verrouillage de la session pour inactivité",
    "auth.session_unlocked": "Déverrouillage de la session",
    "auth.session_revoked": "Révocation d'une session",
    "user.create": "Création d'un compte",
    "user.update": "Modification d'un compte (rôle, date de fin, nom)",
    "user.disable": "Désactivation d'un compte",
    "user.enable": "Réactivation d'un compte",
    "user.unlock": "Déverrouillage d'un compte par l'administrateur",
    "user.password_reset": "Réinitialisation du mot de passe par l'administrateur",
    "user.authenticators_reset": "Réinitialisation des authentificateurs par l'administrateur",
    "settings.update": "Modification d'un paramètre",
    # Patients' administrative file
    "patient.list": "Consultation de la liste des patients",
    "patient.search": "Recherche de patients",
    "patient.view": "Consultation de la fiche administrative",
    "patient.create": "Création d'une fiche patient",
    "patient.update": "Rectification de la fiche administrative",
    # Appointments
    "appointment.agenda_view": "Consultation de l'agenda",
    "appointment.view": "Consultation d'un rendez-vous",
    "appointment.create": "Prise de rendez-vous",
    "appointment.series_create": "Création d'une série de séances",
    "appointment.move": "Déplacement d'un rendez-vous",
    "appointment.cancel": "Annulation d'un rendez-vous",
    "appointment.mark": "Rendez-vous marqué honoré ou non honoré",
    "appointment.tour_print": "Impression de la feuille de tournée",
    "appointment.confirmation_print": "Impression d'une confirmation de rendez-vous",
    "appointment.reminders": "Consultation de la liste des rappels",
    # Care record (health data)
    "record.view": "Consultation du dossier de soins",
    "record.create": "Ajout d'un élément au dossier de soins",
    "record.update": "Correction d'un élément du dossier de soins (nouvelle version)",
    "record.delete": "Suppression d'un élément saisi par erreur",
    "record.consent": "Enregistrement de l'accord pour les habitudes de vie",
    "record.session_create": "Enregistrement d'une séance",
    "record.break_glass": "Accès exceptionnel au dossier (hors équipe de soins)",
    "record.print": "Impression de la synthèse du dossier de soins",
    "caresheet.view": "Consultation des copies de feuilles de soins",
    "receipt.create": "Enregistrement d'un paiement",
    "receipt.view": "Consultation du journal des recettes",
    "receipt.export": "Export du journal des recettes (CSV)",
    # Retention
    "retention.archive": "Archivage d'un dossier (5 ans sans intervention)",
    "retention.restore": "Restauration d'un dossier archivé",
    "retention.delete": "Suppression d'un dossier en fin de conservation",
    "retention.archive_view": "Consultation d'un dossier archivé",
    "retention.archive_search": "Recherche dans les archives",
    "retention.report": "Consultation du rapport de conservation",
    # Information and rights
    "notice.print": "Impression d'une notice d'information",
    "notice.leaflet_given": "Dépliant d'information remis lors d'une visite",
    "notice.register_view": "Consultation du registre des traitements",
    "notice.register_export": "Export du registre des traitements",
    "rights.request_create": "Enregistrement d'une demande d'exercice de droits",
    "rights.request_update": "Suivi d'une demande d'exercice de droits",
    "rights.access_export": "Export chiffré du dossier remis au patient",
    "rights.access_print": "Édition du dossier pour le patient (droit d'accès)",
    "rights.release_refused": "Communication du dossier médical refusée",
    "rights.erasure": "Effacement de données à la demande du patient",
    "rights.erasure_refused": "Effacement refusé (obligation de conservation)",
    "rights.restriction": "Limitation (gel) du dossier",
    "rights.restriction_lifted": "Levée de la limitation du dossier",
    "rights.objection": "Opposition enregistrée",
    # Audit trail
    "audit.view": "Consultation du journal des traces",
    "audit.export": "Export de traces (CSV)",
    "patient.access_report": "Édition du relevé des accès à un dossier",
    # System
    "system.init": "Initialisation de l'instance",
    "system.migrate": "Application des migrations",
    "system.seed_demo": "Chargement des données fictives de démonstration",
    "system.error": "Erreur de l'application",
    "system.audit_prune": "Suppression des traces échues",
    "system.retention_run": "Exécution de la tâche de conservation",
}


def label(action: str) -> str:
    return ACTIONS.get(action, action)
