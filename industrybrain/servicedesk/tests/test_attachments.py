"""Attachments: only files that are what their name says, within the size limit, from those taking part; and
downloadable only by those who see the request."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from industrybrain.servicedesk import operations as ops
from industrybrain.servicedesk.attachments import add_attachment
from industrybrain.servicedesk.models import Attachment, Category, ServiceRequest
from industrybrain.servicedesk.transitions import TransitionError

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def package(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def request_(desk) -> ServiceRequest:
    new = ops.NewRequest(enterprise=desk["linhai_firm"], category=Category.objects.get(code="tax_rebate"),
                         title="出口退税迟迟未到账", description="款项未到账")  # fmt: skip
    return ops.file_request(new, desk["enterprise_user"])


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- the checks ----------------------------------------------------------------------------------------------
def test_it_stores_a_good_pdf_and_says_so_on_the_timeline(desk, request_) -> None:
    attachment = add_attachment(request_, desk["enterprise_user"], upload("报关单.pdf", PDF, "text/html"))
    assert (attachment.name, attachment.size, attachment.content_type) == ("报关单.pdf", len(PDF), "application/pdf")
    assert attachment.file.read() == PDF
    event = request_.events.last()
    assert (event.action, event.note, event.data["attachment"]) == ("comment", "Attached 报关单.pdf.", attachment.pk)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", PNG),
        ("scan.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
        ("表.xlsx", package("[Content_Types].xml", "xl/workbook.xml")),
        ("letter.docx", package("[Content_Types].xml", "word/document.xml")),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16),
        ("bundle.zip", package("a.txt")),
        ("说明.txt", "退税说明".encode("gb18030")),
    ],
)
def test_it_accepts_each_allowed_kind_by_its_content(desk, request_, name: str, content: bytes) -> None:
    assert add_attachment(request_, desk["commerce_clerk"], upload(name, content)).name == name


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", EXE, "The content of the file is not a PDF file."),
        ("photo.png", EXE, "The content of the file is not a PNG file."),
        ("notes.txt", EXE, "The content of the file is not a TXT file."),
        ("letter.docx", package("a.txt"), "The content of the file is not a DOCX file."),
        ("broken.zip", b"PK\x03\x04 not really", "The content of the file is not a ZIP file."),
        (
            "setup.exe",
            EXE,
            "Files of type .exe are not accepted; use one of: .pdf, .jpg, .jpeg, .png, .doc, .docx, "
            ".xls, .xlsx, .txt, .zip.",
        ),
        ("page.html", b"<html></html>", "Files of type .html are not accepted"),
        ("noextension", PDF, "Files of type ? are not accepted"),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_it_refuses_files_that_are_not_what_they_say(desk, request_, name: str, content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        add_attachment(request_, desk["enterprise_user"], upload(name, content))
    assert refused.value.message_dict["file"][0].startswith(message)
    assert not Attachment.objects.exists() and request_.events.count() == 2


def test_it_refuses_a_file_over_the_limit(desk, request_, settings) -> None:
    settings.SERVICEDESK_MAX_ATTACHMENT_MB = 1
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        add_attachment(request_, desk["enterprise_user"], upload("big.pdf", big))
    assert add_attachment(request_, desk["enterprise_user"], upload("fits.pdf", big[: 1024 * 1024])).size == 1024 * 1024


def test_it_keeps_only_the_files_own_name(desk, request_) -> None:
    attachment = add_attachment(request_, desk["enterprise_user"], upload("../../etc/..\\evil\x01.pdf", PDF))
    assert attachment.name == "evil.pdf"
    assert attachment.file.name.startswith(f"servicedesk/{request_.number}/evil")


def test_only_those_taking_part_may_attach(desk, request_) -> None:
    for stranger in ("tax_clerk", "linhai_analyst", "jiaojiang_supervisor"):
        with pytest.raises(PermissionDenied):
            add_attachment(request_, desk[stranger], upload("a.pdf", PDF))
    ops.return_request(request_, desk["commerce_clerk"], "不是我局")
    ops.dispatch(request_, desk["supervisor"], desk["commerce"], [(desk["tax"], "核实")])
    ops.sign(request_, desk["commerce_clerk"])
    ops.submit_part(request_, desk["tax_clerk"], "已核实")
    for member in ("tax_clerk", "commerce_clerk", "supervisor", "city_supervisor", "enterprise_user"):
        add_attachment(request_, desk[member], upload(f"{member}.pdf", PDF))
    assert request_.attachments.count() == 5


def test_a_rated_request_takes_no_more_files(desk, request_) -> None:
    ops.sign(request_, desk["commerce_clerk"])
    ops.answer(request_, desk["commerce_clerk"], "已办")
    ops.close(request_, desk["commerce_clerk"])
    add_attachment(request_, desk["enterprise_user"], upload("after-close.pdf", PDF))  # closed: still commented on
    ops.rate(request_, desk["enterprise_user"], "satisfied")
    request_.refresh_from_db()
    with pytest.raises(TransitionError):
        add_attachment(request_, desk["enterprise_user"], upload("late.pdf", PDF))


# --- through the API -----------------------------------------------------------------------------------------
def client_for(desk, persona: str | None) -> APIClient:
    client = APIClient()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    if persona:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=desk[persona])[0].key}")
    return client


def test_upload_then_download_only_by_those_who_see_the_request(desk, request_) -> None:
    url = f"/api/servicedesk/requests/{request_.number}/attachments/"
    response = client_for(desk, "enterprise_user").post(url, {"file": upload("报关单.pdf", PDF)}, format="multipart")
    assert response.status_code == 201, response.content
    listed = response.json()["attachments"]
    assert [(a["name"], a["content_type"], a["size"]) for a in listed] == [("报关单.pdf", "application/pdf", len(PDF))]
    download = listed[0]["url"]
    assert download == f"{url}{listed[0]['id']}/"
    for persona in ("enterprise_user", "commerce_clerk", "supervisor", "city_supervisor", "linhai_analyst"):
        got = client_for(desk, persona).get(download)
        assert got.status_code == 200, persona
        assert b"".join(got.streaming_content) == PDF and got["Content-Type"] == "application/pdf"
        assert got["Content-Disposition"].startswith("attachment;")
    for persona in ("tax_clerk", "jiaojiang_supervisor", "unscoped"):
        assert client_for(desk, persona).get(download).status_code == 404, persona
    assert client_for(desk, None).get(download).status_code == 401
    assert client_for(desk, "enterprise_user").get(f"{url}999999/").status_code == 404


def test_refused_uploads_are_a_400_on_the_file(desk, request_) -> None:
    url = f"/api/servicedesk/requests/{request_.number}/attachments/"
    firm = client_for(desk, "enterprise_user")
    renamed = firm.post(url, {"file": upload("report.pdf", EXE)}, format="multipart")
    assert renamed.status_code == 400
    assert renamed.json() == {"file": ["The content of the file is not a PDF file."]}
    assert firm.post(url, {"file": upload("setup.exe", EXE)}, format="multipart").status_code == 400
    assert firm.post(url, {}, format="multipart").json() == {"file": ["No file was submitted."]}
    assert (
        client_for(desk, "linhai_analyst").post(url, {"file": upload("a.pdf", PDF)}, format="multipart").status_code
        == 403
    )
    assert (
        client_for(desk, "tax_clerk").post(url, {"file": upload("a.pdf", PDF)}, format="multipart").status_code == 404
    )
    assert not Attachment.objects.exists()


def test_an_oversized_upload_is_a_400(desk, request_, settings) -> None:
    settings.SERVICEDESK_MAX_ATTACHMENT_MB = 1
    url = f"/api/servicedesk/requests/{request_.number}/attachments/"
    big = upload("big.pdf", PDF + b"0" * (1024 * 1024))
    response = client_for(desk, "enterprise_user").post(url, {"file": big}, format="multipart")
    assert response.status_code == 400 and response.json() == {"file": ["The file is larger than 1 MB."]}
