"""The declared list of traced actions, each with the French label the viewers show.

A trace names what happened ("care record read"), never what the data says.
"""

ACTIONS: dict[str, str] = {
    # Authentication and accounts
    "auth.login": "Connexion",
    "auth.login_failed": "Échec de connexion",
    "auth.logout": "Déconnexion",
    "user.create": "Création d'un compte",
    # Patients' administrative file
    "patient.list": "Consultation de la liste des patients",
    "patient.search": "Recherche de patients",
    "patient.view": "Consultation de la fiche administrative",
    "patient.create": "Création d'une fiche patient",
    "patient.update": "Rectification de la fiche administrative",
    # System
    "system.init": "Initialisation de l'instance",
    "system.migrate": "Application des migrations",
    "system.seed_demo": "Chargement des données fictives de démonstration",
    "system.error": "Erreur de l'application",
}


def label(action: str) -> str:
    return ACTIONS.get(action, action)
