"""The practice settings form: identity, contacts, processors, and the legal basis of
each purpose (P7) with the référentiel's choice marked. Every field is built from its
declaration in `settings.DECLARED` (label, bounds, help)."""

from wtforms import HiddenField

from cabinet.forms import FrenchForm, SettingsForm, setting_field
from cabinet.notices import content


class PracticeForm(SettingsForm):
    """The practice's settings page; its fields are added below, one per setting."""

    def basis_fields(self) -> list:
        return [self[key] for key in content.BASIS_KEYS]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        departs = [
            purpose
            for field, purpose in zip(self.basis_fields(), content.PURPOSES, strict=True)
            if field.data != content.referentiel_basis(purpose.key)
        ]
        if departs and not (self.legal_basis_justification.data or "").strip():
            self.legal_basis_justification.errors.append(
                "Une base légale diffère du référentiel ("
                + ", ".join(f"« {purpose.name} »" for purpose in departs)
                + ") : indiquez la justification documentée de ce choix."
            )
            return False
        return True


def _basis_choices(purpose_key: str) -> list[tuple[str, str]]:
    default = content.referentiel_basis(purpose_key)
    return [
        (
            key,
            f"{basis.label} ({basis.article})"
            + (" — proposée par le référentiel" if key == default else ""),
        )
        for key, basis in content.BASES.items()
    ]


# One field per setting of the page; a purpose's basis is offered in the notices' words, so a
# new purpose gets its field. A post without a field keeps the stored value.
for _key in content.PRACTICE_KEYS + ["legal_basis_justification"]:
    setattr(PracticeForm, _key, setting_field(_key))
for _purpose in content.PURPOSES:
    _key = f"legal_basis_{_purpose.key}"
    setattr(PracticeForm, _key, setting_field(_key, wording=_basis_choices(_purpose.key)))


class PrintForm(FrenchForm):
    """The print button of a notice; `rdv` names the home visit a leaflet is handed at."""

    # An appointment ref is 22 characters: a longer value is cut, never stored whole.
    rdv = HiddenField(filters=[lambda ref: (ref or "")[:40]])
