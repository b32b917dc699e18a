from flask import render_template

from cabinet import settings
from cabinet.home import bp


@bp.route("/")
def index():
    """Home page with the actions of the user's role. Any signed-in user."""
    warnings = []
    if settings.get("secretary_second_factor_exempt"):
        warnings.append(
            "Le rôle secrétaire est dispensé du second facteur : le référentiel demande une "
            "authentification forte pour tout accès aux données de santé."
        )
    return render_template("home/index.html", warnings=warnings)
