from django import forms
from django.utils.translation import gettext_lazy as _

from .operations import IMPORTERS

KIND_LABELS = {"regions": _("Regions"), "parks": _("Parks"), "enterprises": _("Enterprises")}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=[(k, KIND_LABELS[k]) for k in IMPORTERS])
    file = forms.FileField(label=_("File (.csv or .xlsx)"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Use a .csv or .xlsx file."))
        return upload


class DigitalEconomyImportForm(forms.Form):
    version_name = forms.CharField(label=_("Version name"), max_length=100)
    source = forms.CharField(label=_("Source (document, date)"), max_length=200, required=False)
    file = forms.FileField(label=_("Official table (.csv or .xlsx)"))

    def clean_file(self) -> object:
        return ImportForm.clean_file(self)  # type: ignore[arg-type]
