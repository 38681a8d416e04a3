"""`{% load vendor %}{% vendor_script "echarts" %}`: the script tag of a front-end package served by the
application itself (`industrybrain assets` provides the files), or an HTML comment when the file is missing,
so that a page without its charts still works."""

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.utils.html import format_html

from industrybrain.core import assets

register = template.Library()


def vendor_file_exists(path: str) -> bool:
    """In the package's vendor folder (served through the finders) or already collected into STATIC_ROOT."""
    name = path.removeprefix("vendor/")
    return (assets.VENDOR_DIR / name).is_file() or staticfiles_storage.exists(path)


@register.simple_tag
def vendor_script(name: str) -> str:
    try:
        path = assets.script_path(name)
    except ValueError as error:
        raise template.TemplateSyntaxError(str(error)) from None
    if not vendor_file_exists(path):
        return format_html("<!-- {} is not installed: run `industrybrain assets` -->", path)
    return format_html('<script src="{}"></script>', static(path))
