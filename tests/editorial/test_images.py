"""Images researchers send: only real JPEG, PNG or WebP images, at most 5 MB, re-encoded without metadata and
with their longest side capped; anything else is a 400 on `image` in the request's language."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from editorial.models import Message
from tests.editorial.conftest import CONVERSATIONS, client_for, jpeg_bytes, png_with_exif, start, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_api(researcher):
    return client_for(researcher, "en")


@pytest.fixture
def conversation_id(english_api, journal):
    return start(english_api, journal=journal.pk, body="Screenshot follows").json()["id"]


def send(client, conversation_id, image, **fields):
    return client.post(f"{CONVERSATIONS}/{conversation_id}/messages", {"image": image, **fields}, format="multipart")


def stored_image() -> Image.Image:
    message = Message.objects.exclude(image="").get()
    return Image.open(Path(settings.MEDIA_ROOT) / message.image.name)


def test_a_real_png_is_stored_re_encoded_without_its_exif(english_api, conversation_id):
    original = png_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()  # the upload does carry EXIF

    response = send(english_api, conversation_id, upload("photo.png", original), body="see image")

    assert response.status_code == 201
    assert response.json()["body"] == "see image"
    stored = stored_image()
    assert stored.format == "JPEG" and stored.size == (64, 48)
    assert not stored.getexif() and "exif" not in stored.info
    raw = (Path(settings.MEDIA_ROOT) / Message.objects.exclude(image="").get().image.name).read_bytes()
    assert b"SecretCamera" not in raw and b"GPS-Leaking" not in raw


def test_a_transparent_png_stays_a_png_without_metadata(english_api, conversation_id):
    response = send(english_api, conversation_id, upload("logo.png", png_with_exif(mode="RGBA")))

    assert response.status_code == 201
    stored = stored_image()
    assert stored.format == "PNG" and stored.mode == "RGBA" and not stored.getexif()


def test_a_jpeg_with_exif_loses_it(english_api, conversation_id):
    assert send(english_api, conversation_id, upload("p.jpg", jpeg_bytes(), "image/jpeg")).status_code == 201

    assert not stored_image().getexif()


def test_a_large_image_is_scaled_to_the_longest_side(english_api, conversation_id, settings):
    settings.EDITORIAL_IMAGE_MAX_SIDE = 100

    response = send(english_api, conversation_id, upload("big.jpg", jpeg_bytes(400, 200, exif=False), "image/jpeg"))

    assert response.status_code == 201
    assert (response.json()["image"]["width"], response.json()["image"]["height"]) == (100, 50)
    assert stored_image().size == (100, 50)


def test_a_file_that_is_not_an_image_is_refused_in_the_request_language(english_api, conversation_id):
    response = send(english_api, conversation_id, upload("paper.jpg", b"%PDF-1.7 not an image", "image/jpeg"))

    assert response.status_code == 400
    assert response.json()["fields"] == {"image": ["Send a JPEG, PNG or WebP image."]}
    assert not Message.objects.exclude(image="").exists()
    assert not any((Path(settings.MEDIA_ROOT)).rglob("*.*"))


def test_a_truncated_image_is_refused(english_api, conversation_id):
    response = send(english_api, conversation_id, upload("cut.jpg", jpeg_bytes()[:200], "image/jpeg"))

    assert response.status_code == 400 and list(response.json()["fields"]) == ["image"]


def test_a_gif_is_refused(english_api, conversation_id):
    output = io.BytesIO()
    Image.new("RGB", (8, 8)).save(output, format="GIF")

    response = send(english_api, conversation_id, upload("anim.gif", output.getvalue(), "image/gif"))

    assert response.status_code == 400
    assert response.json()["fields"] == {"image": ["Send a JPEG, PNG or WebP image."]}


def test_an_image_over_the_size_limit_is_refused(english_api, conversation_id, settings):
    settings.EDITORIAL_IMAGE_MAX_BYTES = 1024 * 1024
    too_big = jpeg_bytes(exif=False) + b"\0" * (1024 * 1024)

    response = send(english_api, conversation_id, upload("huge.jpg", too_big, "image/jpeg"))

    assert response.status_code == 400
    assert response.json()["fields"] == {"image": ["The image is larger than 1 MB."]}


def test_the_refusal_is_in_chinese_by_default(researcher, journal):
    client = client_for(researcher)
    conversation_id = start(client, journal=journal.pk, body="截图").json()["id"]

    response = send(client, conversation_id, upload("x.jpg", b"nope", "image/jpeg"))

    assert response.status_code == 400
    assert response.json()["fields"] == {"image": ["请发送 JPEG、PNG 或 WebP 格式的图片。"]}
