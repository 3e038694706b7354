"""Product photos: recognised by content (not by name), size-limited, resized, EXIF removed and
orientation kept, served with their type; on the market-day page and the producer's product list
with the product's name as alt text; the API sets and removes them; another municipality's or
producer's product is not reachable."""

import base64
import io
import random
import re

import pytest
from PIL import Image

from core.plugin_state import set_plugin_settings
from core.toolkit import RuleViolation, db, tenant_context
from plugins.markets import photos, services
from tests.plugins.markets.conftest import bearer, make_day, make_producer

API = "/api/v1/markets"


def _image(fmt: str, size=(2400, 1600), *, exif: bool = False, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    kwargs = {}
    if exif or orientation:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0110] = "Model X"  # Model
        if orientation:
            data[0x0112] = orientation
        if exif:
            data[0x8825] = {1: "N", 2: (40.0, 30.0, 0.0)}  # GPS: latitude
        kwargs["exif"] = data.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def _noisy_png() -> io.BytesIO:
    """A PNG that does not compress: about 1 MB."""
    noisy = Image.frombytes("RGB", (600, 600), random.Random(17).randbytes(600 * 600 * 3))
    out = io.BytesIO()
    noisy.save(out, "PNG")
    return out


def _csrf(page) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_each_kind_is_resized_and_keeps_its_type(fmt, content_type):
    kind, data, width, height = photos.process(_image(fmt), max_kb=4096)
    assert kind == content_type
    assert (width, height) == (1200, 800)  # the long side bounded, proportions kept
    decoded = Image.open(io.BytesIO(data))
    assert decoded.format == fmt and decoded.size == (1200, 800)


def test_exif_and_location_are_removed_and_orientation_applied():
    original = _image("JPEG", size=(1600, 1000), exif=True, orientation=6)  # "rotate 90° to show"
    assert Image.open(io.BytesIO(original)).getexif().get(0x010F) == "PhoneMaker"
    _kind, data, width, height = photos.process(original, max_kb=4096)
    stored = Image.open(io.BytesIO(data))
    assert not stored.getexif() and b"PhoneMaker" not in data and b"Exif" not in data
    assert (width, height) == (750, 1200) == stored.size  # upright, as the phone showed it


def test_the_name_does_not_decide_the_content_does():
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    for bad in (gif.getvalue(), b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%PDF-1.4 not a photo"):
        with pytest.raises(RuleViolation) as refused:
            photos.process(bad, max_kb=4096)
        assert refused.value.status == 422 and refused.value.code == "photo_type"
    # PNG magic followed by garbage: claims to be a PNG, does not decode
    with pytest.raises(RuleViolation) as broken:
        photos.process(b"\x89PNG\r\n\x1a\n" + b"\0" * 200, max_kb=4096)
    assert broken.value.code == "photo_type"


def test_the_size_limit_is_the_municipalitys():
    big = _image("PNG", size=(300, 300))
    assert len(big) < 100 * 1024
    out = _noisy_png()
    assert len(out.getvalue()) > 100 * 1024
    with pytest.raises(RuleViolation) as refused:
        photos.process(out.getvalue(), max_kb=100)
    assert refused.value.code == "photo_size" and "100" in refused.value.message
    assert photos.process(big, max_kb=100)[0] == "image/png"


def test_a_decompression_bomb_is_refused():
    # a tiny PNG that claims 20,000 × 20,000 pixels
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    assert len(out.getvalue()) < 200 * 1024
    with pytest.raises(RuleViolation) as refused:
        photos.process(out.getvalue(), max_kb=4096)
    assert refused.value.code == "photo_type"


def test_a_producer_uploads_a_photo_shown_on_the_market_day_and_the_product_list(
    app, town, account_factory, tenant_client, sign_in, tenant_factory
):
    seller = account_factory(memberships={town: "member"})
    ids = make_day(app, town, make_producer(app, town, seller)["products"])
    with app.app_context(), tenant_context(town.id):
        product = services.products_of(services.producers_of(seller)[0])[0]
        product_id = product.id
        db.session.remove()
    client = sign_in(tenant_client(town), seller)
    edit = f"/markets/producer/products/{product_id}/edit"
    page = client.get(edit + "?lang=en")
    form = {
        "csrf_token": _csrf(page),
        "name": "Σπαράγγια",
        "category": "",
        "unit": "kg",
        "price": "6.50",
        "origin": "Βύσσα",
        "labels": "",
        "active": "y",
    }
    refused = client.post(
        edit + "?lang=en",
        data={**form, "photo": (io.BytesIO(b"GIF89a......"), "asparagus.png")},
        content_type="multipart/form-data",
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "PNG, JPEG or WebP" in body and 'value="Βύσσα"' in body
    saved = client.post(
        edit,
        data={**form, "photo": (io.BytesIO(_image("JPEG", exif=True)), "IMG_0001.webp")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)

    day_page = tenant_client(town).get(f"/markets/days/{ids['day']}").get_data(as_text=True)
    img = re.search(r'<img src="([^"]+)" alt="([^"]+)" width="(\d+)" height="(\d+)"', day_page)
    assert img, day_page
    assert img.group(2) == "Φωτογραφία: Σπαράγγια"
    assert (int(img.group(3)), int(img.group(4))) == (72, 48)
    served = tenant_client(town).get(img.group(1).replace("&amp;", "&"))
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(served.data)).size == (1200, 800)
    assert b"PhoneMaker" not in served.data
    assert 'alt="Φωτογραφία: Σπαράγγια"' in client.get("/markets/producer?lang=el").get_data(as_text=True)

    # removing it
    page = client.get(edit)
    removed = client.post(
        edit,
        data={**form, "csrf_token": _csrf(page), "remove_photo": "y"},
        content_type="multipart/form-data",
    )
    assert removed.status_code == 302
    assert tenant_client(town).get(img.group(1).replace("&amp;", "&")).status_code == 404
    assert "<img" not in tenant_client(town).get(f"/markets/days/{ids['day']}").get_data(as_text=True)

    # another municipality does not serve this product's photo
    client.post(
        edit,
        data={**form, "csrf_token": _csrf(client.get(edit)), "photo": (io.BytesIO(_image("PNG")), "a.png")},
        content_type="multipart/form-data",
    )
    other = tenant_factory(plugins=["markets"], locale="el", locales=["el"], timezone="Europe/Athens")
    assert tenant_client(other).get(f"/markets/products/{product_id}/photo").status_code == 404
    assert tenant_client(town).get(f"/markets/products/{product_id}/photo").status_code == 200


def test_the_api_sets_and_removes_a_photo(app, town, account_factory, access_token, tenant_client):
    seller = account_factory(memberships={town: "member"})
    other_seller = account_factory(memberships={town: "member"})
    product_id = make_producer(app, town, seller)["products"][0]
    make_producer(app, town, other_seller, name="Άλλος")
    with app.app_context():
        set_plugin_settings(town.id, "markets", {"max_photo_kb": 100})
        db.session.commit()
    client, headers = tenant_client(town), bearer(access_token, seller, town)
    path = f"{API}/products/{product_id}/photo"
    content = base64.b64encode(_image("WEBP", size=(300, 200))).decode()

    assert client.put(path, json={"content": "not base64!"}, headers=headers).status_code == 422
    gif = base64.b64encode(b"GIF89a").decode()
    wrong = client.put(path, json={"content": gif}, headers=headers)
    assert wrong.status_code == 422 and wrong.mimetype == "application/problem+json"
    assert (
        client.put(
            path, json={"content": content}, headers=bearer(access_token, other_seller, town)
        ).status_code
        == 404
    )
    out = _noisy_png()
    too_big = client.put(path, json={"content": base64.b64encode(out.getvalue()).decode()}, headers=headers)
    assert too_big.status_code == 422 and "100" in too_big.json["detail"]

    done = client.put(path, json={"content": content}, headers=headers)
    assert done.status_code == 200, done.json
    assert done.json["content_type"] == "image/webp" and (done.json["width"], done.json["height"]) == (
        300,
        200,
    )
    listed = client.get(f"{API}/products", headers=headers).json
    assert listed[0]["photo_url"] == done.json["url"]
    assert client.get(done.json["url"]).mimetype == "image/webp"
    assert client.delete(path, headers=headers).status_code == 204
    assert client.get(f"{API}/products", headers=headers).json[0]["photo_url"] is None
