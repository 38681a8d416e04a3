"""The fact import page's form: the file, and the one layout option the pipeline takes (a period for files
without a period column), as the CLI's `import_facts --period` and the API's `period` field."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _

from .periods import PeriodError, parse_period
from .uploads import SUFFIXES


class FactImportForm(forms.Form):
    file = forms.FileField(label=_("File (.csv, .xlsx, .parquet or .json)"))
    period = forms.CharField(
        label=_("Period of the whole file"),
        max_length=30,
        required=False,
        help_text=_("Only for files without a period column, e.g. 2024年1—7月, 2024-07 or 2024Q2."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(_("Use a .csv, .xlsx, .parquet or .json file."))
        return upload

    def clean_period(self) -> str:
        text = self.cleaned_data["period"].strip()
        if text:
            try:
                parse_period(text)
            except PeriodError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return text


class DemoFileForm(forms.Form):
    """Check one of the demo's sample files (DATA_DIR/demo-files) without downloading it first."""

    demo_file = forms.ChoiceField(label=_("Sample file"), choices=[])
    period = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, names: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["demo_file"].choices = [(n, n) for n in names]
