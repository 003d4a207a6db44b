"""HTML forms of the handover context: they parse input only; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.handover import selectors
from onewindow.handover.models import TERMS_FIELDS, TERMS_LIMITS


def default_rights_duties() -> str:
    return str(
        _(
            "From the handover time Party B implements the listed items in its own name, under the published "
            "service guides, and bears the legal responsibility for its approval acts.\n"
            "Party A keeps the comprehensive windows and the unified issuing window open for these items, "
            "forwards every accepted case to Party B's back office, and hands the archives of the items over "
            "within 10 working days.\n"
            "Cases accepted before the handover time are finished by Party B's stationed staff; their results "
            "carry the seal of the Administrative Approval Bureau."
        )
    )


def default_liaison() -> str:
    return str(
        _(
            "Each party names a responsible person for the handover. The two meet weekly until every listed item "
            "runs smoothly, report problems to the Data Bureau at once, and Party B helps train the window staff "
            "who accept its items."
        )
    )


class AgreementForm(forms.Form):
    department = forms.ChoiceField(label=_("Receiving department"))
    effective_at = forms.DateTimeField(
        label=_("Effective time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
        help_text=_("Beijing time. From this instant the receiving department implements the sub-items."),
    )
    rights_duties = forms.CharField(
        label=_("Rights and duties"),
        max_length=TERMS_LIMITS["rights_duties"],
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    liaison = forms.CharField(
        label=_("Working liaison mechanism"),
        max_length=TERMS_LIMITS["liaison"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    bureau_contact_name = forms.CharField(
        label=_("Bureau's responsible person"), required=False, max_length=TERMS_LIMITS["bureau_contact_name"]
    )
    bureau_contact_phone = forms.CharField(
        label=_("Phone"), required=False, max_length=TERMS_LIMITS["bureau_contact_phone"]
    )
    department_contact_name = forms.CharField(
        label=_("Department's responsible person"),
        required=False,
        max_length=TERMS_LIMITS["department_contact_name"],
    )
    department_contact_phone = forms.CharField(
        label=_("Phone"), required=False, max_length=TERMS_LIMITS["department_contact_phone"]
    )

    def __init__(self, *args, region=None, fixed_department=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = selectors.receiving_departments(region)
        self.fields["department"].choices = [("", "—")] + [(d.code, d.name) for d in departments]
        if fixed_department is not None:
            self.fields["department"].choices = [(fixed_department.code, fixed_department.name)]
            self.fields["department"].disabled = True
            self.fields["department"].initial = fixed_department.code

    def terms(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key in TERMS_FIELDS}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class DeadlineForm(forms.Form):
    deadline = forms.DateField(
        label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
