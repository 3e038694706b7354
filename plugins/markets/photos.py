"""Product photos: PNG, JPEG or WebP recognised by their first bytes (never the file's name),
at most ``max_photo_kb``, decoded and re-encoded by Pillow to at most ``MAX_SIDE`` pixels a
side. Re-encoding drops every metadata block (EXIF with the camera and GPS position, XMP,
comments) after the EXIF orientation is applied to the pixels, so a phone's portrait photo
stays upright. A file that does not decode as what its bytes claim is refused."""

import io
import uuid
import warnings
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError

from core.toolkit import RuleViolation, active_tenant_id, db, gettext, url_for, utcnow_aware
from plugins.markets.models import Product, ProductPhoto

MAX_SIDE = 1200
#: a decoded image larger than this is refused before its pixels are read (decompression bombs)
MAX_PIXELS = 40_000_000
#: first bytes -> (content type, Pillow's format name)
MAGIC = {
    b"\x89PNG\r\n\x1a\n": ("image/png", "PNG"),
    b"\xff\xd8\xff": ("image/jpeg", "JPEG"),
}


def sniff(content: bytes) -> tuple[str, str] | None:
    """``(content type, Pillow format)`` from the first bytes, or None."""
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "WEBP"
    for magic, kinds in MAGIC.items():
        if content.startswith(magic):
            return kinds
    return None


def _refuse() -> RuleViolation:
    return RuleViolation(
        gettext("The photo must be a PNG, JPEG or WebP image."), status=422, field="photo", code="photo_type"
    )


def process(content: bytes, *, max_kb: int) -> tuple[str, bytes, int, int]:
    """The photo to store: ``(content type, bytes, width, height)``; refused with a 422 if it is
    too large, not an image of the three kinds, or does not decode."""
    if not content:
        raise RuleViolation(
            gettext("Choose a file to upload."), status=422, field="photo", code="photo_empty"
        )
    if len(content) > max_kb * 1024:
        raise RuleViolation(
            gettext("The photo is larger than %(kb)d kB.", kb=max_kb),
            status=422,
            field="photo",
            code="photo_size",
        )
    kinds = sniff(content)
    if kinds is None:
        raise _refuse()
    content_type, pil_format = kinds
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=[pil_format])
            if image.width * image.height > MAX_PIXELS:
                raise _refuse()
            image.load()
            image = ImageOps.exif_transpose(image)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _refuse() from None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if pil_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif pil_format == "PNG":
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, "WEBP", quality=85)
    return content_type, out.getvalue(), image.width, image.height


def set_photo(product: Product, content: bytes, *, max_kb: int) -> ProductPhoto:
    """Replace the product's photo with ``content`` (processed)."""
    content_type, data, width, height = process(content, max_kb=max_kb)
    photo = photo_of(product.id)
    if photo is None:
        photo = ProductPhoto(product_id=product.id)
        db.session.add(photo)
    photo.content_type, photo.content, photo.size = content_type, data, len(data)
    photo.width, photo.height, photo.uploaded_at = width, height, utcnow_aware()
    db.session.flush()
    return photo


def remove_photo(product: Product) -> bool:
    photo = photo_of(product.id)
    if photo is None:
        return False
    db.session.delete(photo)
    db.session.flush()
    return True


def photo_of(product_id: uuid.UUID) -> ProductPhoto | None:
    return db.session.execute(
        sa.select(ProductPhoto).where(ProductPhoto.product_id == product_id)
    ).scalar_one_or_none()


def photo_url(product_id: uuid.UUID, version: int) -> str:
    return url_for("markets.product_photo", product_id=product_id, v=version)


def photo_sizes(product_ids: Any) -> dict[uuid.UUID, tuple[int, int, int]]:
    """``product id -> (width, height, version)`` of the products that have a photo, in one
    query that reads no bytes (the version changes the URL when the photo changes)."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            ProductPhoto.product_id, ProductPhoto.width, ProductPhoto.height, ProductPhoto.uploaded_at
        ).where(ProductPhoto.tenant_id == active_tenant_id(), ProductPhoto.product_id.in_(ids))
    ).all()
    return {pid: (w, h, int(at.timestamp())) for pid, w, h, at in rows}
