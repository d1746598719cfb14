"""Meter photos: format sniffing, limits, bombs, orientation, metadata stripping, modes, sizes, storage.

Every picture is generated here with Pillow; no binary fixture is committed.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import struct
import time
import tracemalloc
import warnings
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageFile, ImageOps, ImageStat, JpegImagePlugin, features

from backend.core.photos import (
    MAX_BYTES,
    MAX_PIXELS,
    NON_DRAFT_MAX_PIXELS,
    PhotoError,
    PhotoStore,
    ProcessedPhoto,
    process_photo,
)

RED = (255, 0, 0)
GREEN = (0, 160, 0)
BLUE = (0, 0, 255)
GREY = (128, 128, 128)


# --- fixtures generated in code ------------------------------------------------------------------


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def photo_like(width: int, height: int) -> Image.Image:
    """Gradients and a few shapes: smooth enough for JPEG, with detail to compare after resizing."""
    r = Image.linear_gradient("L").resize((width, height))
    g = Image.linear_gradient("L").rotate(90).resize((width, height))
    b = Image.radial_gradient("L").resize((width, height))
    return Image.merge("RGB", (r, g, b))


def marked(width: int, height: int) -> Image.Image:
    """Grey picture with a red block in the top-left corner (a quarter of each side)."""
    im = Image.new("RGB", (width, height), GREY)
    im.paste(RED, (0, 0, width // 4, height // 4))
    return im


def jpeg(width: int = 800, height: int = 600, **params: object) -> bytes:
    params.setdefault("quality", 90)
    return encode(photo_like(width, height), "JPEG", **params)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int, height: int) -> bytes:
    """A real, valid 1-bit PNG of width x height, all zeros: kilobytes on disk, gigapixels decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = bytes(1 + (width + 7) // 8)  # filter byte + packed bits
    z = zlib.compressobj(9)
    parts = [z.compress(row) for _ in range(height)]
    parts.append(z.flush())
    idat = b"".join(parts)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_with_declared_size(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims another size."""
    data = bytearray(jpeg(16, 16))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def jpeg_markers(data: bytes) -> list[int]:
    """The marker codes of a JPEG's header segments, up to the start of scan."""
    assert data[:2] == b"\xff\xd8"
    pos, markers = 2, []
    while True:
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # SOS: entropy-coded data follows
            return markers
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length


def exif_block(orientation: int | None = None, original: str | None = None, dt: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if dt is not None:
        exif[ExifTags.Base.DateTime] = dt
    if original is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = original
    return exif


def colour_at(data: bytes, xy: tuple[int, int]) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB").getpixel(xy)  # type: ignore[return-value]


def close_to(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


AVIF_HEADER = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1" + bytes(64)


def code_of(data: bytes) -> str:
    with pytest.raises(PhotoError) as info:
        process_photo(data)
    return info.value.code


def assert_clean_jpeg(data: bytes) -> tuple[int, int]:
    """A valid baseline JPEG in RGB with no metadata of any kind; returns its size."""
    assert data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9"
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG"
        assert im.mode == "RGB"
        im.verify()
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert not im.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment", "photoshop", "adobe"} & set(im.info)
        size = im.size
    # Only APP0 (JFIF), quantisation/Huffman tables, frame header, scan: no APP1 (EXIF/XMP),
    # APP2 (ICC), APP13 (Photoshop/IPTC), APP14, COM.
    assert set(jpeg_markers(data)) <= {0xE0, 0xDB, 0xC4, 0xC0, 0xDA, 0xDD}
    assert b"Exif" not in data
    return size


# --- happy path -----------------------------------------------------------------------------------


def test_normal_jpeg() -> None:
    data = jpeg(800, 600)
    photo = process_photo(data)
    assert isinstance(photo, ProcessedPhoto)
    assert (photo.width, photo.height) == (800, 600)
    assert assert_clean_jpeg(photo.full) == (800, 600)
    assert assert_clean_jpeg(photo.thumb) == (320, 240)
    assert photo.sha256 == hashlib.sha256(photo.full).hexdigest()
    assert photo.taken_at is None
    with Image.open(io.BytesIO(photo.full)) as out:
        assert mean_difference(out, photo_like(800, 600)) < 3


def test_processing_is_deterministic() -> None:
    data = jpeg(1000, 700)
    assert process_photo(data) == process_photo(data)


def test_bytearray_and_memoryview_are_accepted() -> None:
    data = jpeg(200, 100)
    assert process_photo(bytearray(data)).sha256 == process_photo(memoryview(data)).sha256 == process_photo(data).sha256


def test_mpo_jpeg_uses_the_first_picture() -> None:
    first, second = marked(400, 300), Image.new("RGB", (400, 300), BLUE)
    data = encode(first, "MPO", save_all=True, append_images=[second], quality=90)
    photo = process_photo(data)
    assert assert_clean_jpeg(photo.full) == (400, 300)
    assert close_to(colour_at(photo.full, (10, 10)), RED)
    assert close_to(colour_at(photo.full, (390, 290)), GREY)


# --- sizes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "full", "thumb"),
    [
        ((3200, 1800), (1600, 900), (320, 180)),  # JPEG draft at 1/2, exact
        ((4000, 3000), (1600, 1200), (320, 240)),  # 1/2 draft gives 2000 x 1500, then resized
        ((2000, 1500), (1600, 1200), (320, 240)),  # no draft possible (1/2 would be < 1600)
        ((1000, 2000), (800, 1600), (160, 320)),  # portrait
        ((1600, 1200), (1600, 1200), (320, 240)),  # exactly the limit
        ((800, 600), (800, 600), (320, 240)),  # never upscaled
        ((100, 50), (100, 50), (100, 50)),  # smaller than a thumbnail
        ((4000, 10), (1600, 4), (320, 1)),  # extreme aspect ratio keeps at least 1 px
        ((1, 1), (1, 1), (1, 1)),
    ],
)
def test_sizes(source: tuple[int, int], full: tuple[int, int], thumb: tuple[int, int]) -> None:
    photo = process_photo(jpeg(*source))
    assert (photo.width, photo.height) == full
    assert assert_clean_jpeg(photo.full) == full
    assert assert_clean_jpeg(photo.thumb) == thumb


def test_big_jpeg_is_decoded_at_reduced_scale_and_still_looks_right(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[tuple[int, int], tuple[int, int]]] = []
    original_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None):  # type: ignore[no-untyped-def]
        before = self.size
        result = original_draft(self, mode, size)
        calls.append((before, self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    source = photo_like(4000, 3000)
    photo = process_photo(encode(source, "JPEG", quality=92))
    assert calls == [((4000, 3000), (2000, 1500))]  # 1/2 scale: the largest that keeps >= 1600 px
    with Image.open(io.BytesIO(photo.full)) as out:
        reference = source.resize((1600, 1200), Image.Resampling.LANCZOS)
        assert mean_difference(out, reference) < 2.5


def test_big_png_is_resized() -> None:
    source = photo_like(3000, 2000)
    photo = process_photo(encode(source, "PNG"))
    assert (photo.width, photo.height) == (1600, 1067)
    with Image.open(io.BytesIO(photo.full)) as out:
        assert mean_difference(out, source.resize((1600, 1067), Image.Resampling.LANCZOS)) < 2.5


def test_largest_allowed_picture() -> None:
    # 7745 x 5164 = 39,995,180 px: just under MAX_PIXELS, a baseline JPEG (decoded at 1/4 scale)
    photo = process_photo(encode(Image.new("L", (7745, 5164), 200), "JPEG"))
    assert (photo.width, photo.height) == (1600, 1067)
    # 4000 x 3000: the most a PNG may have (it is decoded whole)
    assert 4000 * 3000 <= NON_DRAFT_MAX_PIXELS
    photo = process_photo(encode(Image.new("RGBA", (4000, 3000), (10, 20, 30, 128)), "PNG"))
    assert (photo.width, photo.height) == (1600, 1200)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "progressive JPEG"])
def test_what_cannot_be_decoded_at_reduced_scale_has_a_smaller_pixel_budget(monkeypatch, fmt) -> None:
    # a PNG, WebP or progressive JPEG is decoded whole (4 bytes a pixel as RGBA, then flattened):
    # a 116 KB PNG declaring 6300 x 6300 cost 0.6 s and ~400 MB; 4200 x 3000 is just over the budget
    if fmt == "PNG":
        data = png_bomb(6300, 6300)
        assert len(data) < 200_000
    elif fmt == "WEBP":
        data = encode(Image.new("RGB", (4200, 3000), (1, 2, 3)), "WEBP", lossless=True)
    else:
        data = encode(Image.new("L", (4200, 3000), 200), "JPEG", progressive=True)
    monkeypatch.setattr(ImageFile.ImageFile, "load", _never_decode)
    started = time.perf_counter()
    assert code_of(data) == "photo_too_many_pixels"
    assert time.perf_counter() - started < 0.5


def test_input_of_exactly_max_bytes_is_accepted() -> None:
    data = jpeg(300, 200)
    data += bytes(MAX_BYTES - len(data))  # decoders ignore what follows the end of the picture
    assert len(data) == MAX_BYTES
    assert process_photo(data).width == 300


# --- orientation and metadata ---------------------------------------------------------------------


def test_orientation_gps_and_all_metadata_are_handled() -> None:
    exif = exif_block(orientation=6, original="2026:03:14 07:45:12", dt="2020:01:01 00:00:00")
    exif[ExifTags.Base.Make] = "SecretPhoneMaker"
    exif[ExifTags.Base.ImageDescription] = "SECRET-DESCRIPTION"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 13.0, 37.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (21.0, 0.0, 42.25)
    gps[ExifTags.GPS.GPSAreaInformation] = "SECRET-GPS-AREA"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SECRET-XMP</x:xmpmeta>'
    data = encode(marked(400, 300), "JPEG", quality=92, exif=exif, icc_profile=icc, xmp=xmp, comment=b"SECRET-COMMENT")
    with Image.open(io.BytesIO(data)) as src:  # the fixture does carry all of it
        assert src.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
        assert {"exif", "xmp", "icc_profile", "comment"} <= set(src.info)

    photo = process_photo(data)

    # Orientation 6: the stored rows are the picture's columns; upright it is 300 x 400 and the
    # stored top-left corner is now at the top right.
    assert (photo.width, photo.height) == (300, 400)
    assert assert_clean_jpeg(photo.full) == (300, 400)
    assert assert_clean_jpeg(photo.thumb) == (240, 320)
    assert close_to(colour_at(photo.full, (300 - 20, 20)), RED)
    assert close_to(colour_at(photo.full, (20, 20)), GREY)
    assert close_to(colour_at(photo.thumb, (240 - 10, 10)), RED)
    for out in (photo.full, photo.thumb):
        for secret in (b"GPS", b"SECRET", b"Secret", b"xmpmeta", b"ICC_PROFILE", b"Exif"):
            assert secret not in out
    assert photo.taken_at == datetime(2026, 3, 14, 7, 45, 12)
    assert photo.taken_at.tzinfo is None


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_imageops(orientation: int) -> None:
    source = Image.new("RGB", (64, 48), GREY)
    source.paste(RED, (0, 0, 32, 24))
    source.paste(BLUE, (32, 24, 64, 48))
    source.paste(GREEN, (0, 24, 32, 48))
    data = encode(source, "JPEG", quality=95, exif=exif_block(orientation=orientation))
    with Image.open(io.BytesIO(data)) as src:
        expected = ImageOps.exif_transpose(src)
    photo = process_photo(data)
    with Image.open(io.BytesIO(photo.full)) as out:
        assert out.size == expected.size
        assert mean_difference(out, expected) < 4


def test_orientation_with_reduced_scale_decode() -> None:
    source = photo_like(3200, 2400)
    source.paste(RED, (0, 0, 400, 300))
    photo = process_photo(encode(source, "JPEG", quality=92, exif=exif_block(orientation=8)))
    assert (photo.width, photo.height) == (1200, 1600)
    expected = source.transpose(Image.Transpose.ROTATE_90).resize((1200, 1600), Image.Resampling.LANCZOS)
    with Image.open(io.BytesIO(photo.full)) as out:
        assert mean_difference(out, expected) < 2.5
    assert close_to(colour_at(photo.full, (50, 1600 - 50)), RED)  # orientation 8: top-left goes bottom-left


def test_exif_in_png_and_webp_is_applied_and_dropped() -> None:
    exif = exif_block(orientation=3, original="2025:12:24 18:00:00")
    for fmt in ("PNG", "WEBP"):
        photo = process_photo(encode(marked(200, 100), fmt, exif=exif, lossless=True))
        assert assert_clean_jpeg(photo.full) == (200, 100)
        assert close_to(colour_at(photo.full, (200 - 10, 100 - 10)), RED), fmt  # rotated 180 degrees
        assert photo.taken_at == datetime(2025, 12, 24, 18, 0, 0), fmt


@pytest.mark.parametrize(
    ("exif", "expected"),
    [
        (exif_block(original="2026:01:31 23:59:58", dt="2020:01:01 00:00:00"), datetime(2026, 1, 31, 23, 59, 58)),
        (exif_block(dt="2024:07:01 12:30:00"), datetime(2024, 7, 1, 12, 30, 0)),  # DateTime as a fallback
        (exif_block(original="0000:00:00 00:00:00", dt="2024:07:01 12:30:00"), datetime(2024, 7, 1, 12, 30, 0)),
        (exif_block(original="2026:02:30 10:00:00"), None),  # not a date
        (exif_block(original="    :  :     :  :  "), None),  # "unknown", as the standard spells it
        (exif_block(original="yesterday"), None),
        (exif_block(orientation=1), None),
    ],
)
def test_taken_at(exif: Image.Exif, expected: datetime | None) -> None:
    assert process_photo(encode(marked(40, 30), "JPEG", exif=exif)).taken_at == expected


BROKEN_EXIF = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff garbage"


def test_broken_exif_is_ignored() -> None:
    # Pillow warns about it while reading the header; by default that is only a warning.
    data = encode(marked(40, 30), "JPEG", exif=BROKEN_EXIF)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        photo = process_photo(data)
    assert photo.taken_at is None
    assert assert_clean_jpeg(photo.full) == (40, 30)


def test_broken_exif_where_warnings_are_errors() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert code_of(encode(marked(40, 30), "JPEG", exif=BROKEN_EXIF)) == "photo_corrupt"


def test_orientation_from_xmp_only() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'
    photo = process_photo(encode(marked(40, 30), "JPEG", quality=95, xmp=xmp))
    assert (photo.width, photo.height) == (30, 40)


# --- pixel modes ----------------------------------------------------------------------------------


def test_cmyk_jpeg() -> None:
    source = Image.new("CMYK", (200, 100), (0, 255, 255, 0))  # red
    source.paste((0, 0, 0, 255), (100, 0, 200, 100))  # black
    data = encode(source, "JPEG", quality=95)
    with Image.open(io.BytesIO(data)) as src:
        assert src.mode == "CMYK"
    photo = process_photo(data)
    assert assert_clean_jpeg(photo.full) == (200, 100)
    assert close_to(colour_at(photo.full, (20, 50)), RED)
    assert close_to(colour_at(photo.full, (180, 50)), (0, 0, 0))


def test_greyscale_jpeg() -> None:
    photo = process_photo(encode(Image.new("L", (64, 64), 90), "JPEG"))
    assert close_to(colour_at(photo.full, (5, 5)), (90, 90, 90), 3)


def test_rgba_png_is_flattened_on_white() -> None:
    source = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # fully transparent (black underneath)
    source.paste((0, 0, 255, 255), (100, 0, 200, 50))  # opaque blue
    source.paste((0, 0, 255, 128), (100, 50, 200, 100))  # half-transparent blue
    photo = process_photo(encode(source, "PNG"))
    assert assert_clean_jpeg(photo.full) == (200, 100)
    assert close_to(colour_at(photo.full, (20, 50)), (255, 255, 255))
    assert close_to(colour_at(photo.full, (180, 20)), BLUE)
    assert close_to(colour_at(photo.full, (180, 80)), (127, 127, 255))


def test_palette_png_with_transparency() -> None:
    source = Image.new("P", (100, 50), 0)
    source.putpalette([0, 0, 0, *RED] + [0, 0, 0] * 254)
    source.paste(1, (50, 0, 100, 50))
    photo = process_photo(encode(source, "PNG", transparency=0))
    assert close_to(colour_at(photo.full, (10, 25)), (255, 255, 255))
    assert close_to(colour_at(photo.full, (90, 25)), RED)


def test_la_png() -> None:
    source = Image.new("LA", (100, 50), (0, 0))
    source.paste((0, 255), (50, 0, 100, 50))
    photo = process_photo(encode(source, "PNG"))
    assert close_to(colour_at(photo.full, (10, 25)), (255, 255, 255))
    assert close_to(colour_at(photo.full, (90, 25)), (0, 0, 0))


def test_rgb_png_with_transparent_colour() -> None:
    source = Image.new("RGB", (100, 50), (0, 0, 0))
    source.paste(GREEN, (50, 0, 100, 50))
    photo = process_photo(encode(source, "PNG", transparency=(0, 0, 0)))
    assert close_to(colour_at(photo.full, (10, 25)), (255, 255, 255))
    assert close_to(colour_at(photo.full, (90, 25)), GREEN)


def test_16_bit_greyscale_png_is_scaled_not_clipped() -> None:
    row = struct.pack("<50H", *[32768] * 50) + struct.pack("<50H", *[65535] * 50)
    source = Image.frombytes("I;16", (100, 50), row * 50)
    data = encode(source, "PNG")
    with Image.open(io.BytesIO(data)) as src:
        assert src.mode.startswith("I")
    photo = process_photo(data)
    assert close_to(colour_at(photo.full, (10, 25)), (128, 128, 128), 3)
    assert close_to(colour_at(photo.full, (90, 25)), (255, 255, 255), 3)


def test_1_bit_png() -> None:
    source = Image.new("1", (64, 32), 0)
    source.paste(1, (32, 0, 64, 32))
    photo = process_photo(encode(source, "PNG"))
    assert close_to(colour_at(photo.full, (5, 16)), (0, 0, 0))
    assert close_to(colour_at(photo.full, (60, 16)), (255, 255, 255))


def test_webp_lossy_and_with_alpha() -> None:
    photo = process_photo(encode(marked(400, 300), "WEBP", quality=90))
    assert assert_clean_jpeg(photo.full) == (400, 300)
    assert close_to(colour_at(photo.full, (20, 20)), RED, 20)

    source = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    source.paste((*GREEN, 255), (50, 0, 100, 50))
    photo = process_photo(encode(source, "WEBP", lossless=True))
    assert close_to(colour_at(photo.full, (10, 25)), (255, 255, 255))
    assert close_to(colour_at(photo.full, (90, 25)), GREEN)


# --- refusals -------------------------------------------------------------------------------------


def test_loading_truncated_images_stays_off() -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", id="pdf"),
        pytest.param(b"<html><script>alert(1)</script></html>", id="html"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', id="svg"),
        pytest.param(random.Random(7).randbytes(50_000), id="random"),
        pytest.param(b"PK\x03\x04" + bytes(100), id="zip"),
        pytest.param(b"\xff\xd8", id="two-bytes"),
    ],
)
def test_not_an_image(data: bytes) -> None:
    assert code_of(data) == "photo_not_image"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(encode(marked(40, 30).convert("P"), "GIF"), id="gif"),
        pytest.param(encode(marked(40, 30), "GIF", save_all=True, append_images=[marked(40, 30)]), id="animated-gif"),
        pytest.param(encode(marked(40, 30), "BMP"), id="bmp"),
        pytest.param(encode(marked(40, 30), "TIFF"), id="tiff"),
        pytest.param(encode(marked(32, 32), "ICO"), id="ico"),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64), id="heic"),
        pytest.param(encode(marked(40, 30), "AVIF") if features.check("avif") else AVIF_HEADER, id="avif"),
    ],
)
def test_unsupported_format(data: bytes) -> None:
    assert code_of(data) == "photo_unsupported_format"


def test_format_comes_from_content_not_from_a_name() -> None:
    # There is no file name or content type to pass at all; a PNG that would be "photo.jpg" works,
    # and a GIF that would be "photo.jpg" does not.
    assert process_photo(encode(marked(40, 30), "PNG")).width == 40
    assert code_of(encode(marked(40, 30), "GIF")) == "photo_unsupported_format"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(half(jpeg(1200, 900)), id="jpeg-half"),
        pytest.param(half(jpeg(1200, 900, progressive=True)), id="progressive-half"),
        pytest.param(jpeg(4000, 3000)[:-50_000], id="jpeg-tail-cut-drafted"),
        pytest.param(jpeg(400, 300)[:120], id="jpeg-header-cut"),
        pytest.param(encode(photo_like(400, 300), "PNG")[:5000], id="png-cut"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(200), id="png-garbage"),
        pytest.param(encode(photo_like(400, 300), "WEBP")[:300], id="webp-cut"),
    ],
)
def test_corrupt(data: bytes) -> None:
    assert code_of(data) == "photo_corrupt"


def test_too_large_is_refused_before_looking_at_it() -> None:
    assert code_of(b"\xff\xd8\xff" + bytes(MAX_BYTES)) == "photo_too_large"
    data = jpeg(300, 200)
    assert code_of(data + bytes(MAX_BYTES - len(data) + 1)) == "photo_too_large"


def _never_decode(self: ImageFile.ImageFile) -> None:
    raise AssertionError("a decompression bomb got decoded")


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # 400 Mpx: past twice Pillow's own limit, DecompressionBombError
        (10_000, 10_000),  # 100 Mpx: Pillow warns (an error under pytest), which must become ours
        (7_000, 7_000),  # 49 Mpx: under Pillow's limit, over ours
        (MAX_PIXELS + 1, 1),
    ],
)
def test_png_bomb_is_refused_without_decoding(monkeypatch: pytest.MonkeyPatch, width: int, height: int) -> None:
    data = png_bomb(width, height)
    assert len(data) < 200_000
    monkeypatch.setattr(ImageFile.ImageFile, "load", _never_decode)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        code = code_of(data)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == "photo_too_many_pixels"
    assert elapsed < 0.5
    assert peak < 50 * 1024 * 1024


@pytest.mark.parametrize(("width", "height"), [(65_000, 65_000), (8000, 6000)])
def test_jpeg_bomb_is_refused_without_decoding(monkeypatch: pytest.MonkeyPatch, width: int, height: int) -> None:
    data = jpeg_with_declared_size(width, height)
    monkeypatch.setattr(ImageFile.ImageFile, "load", _never_decode)
    assert code_of(data) == "photo_too_many_pixels"


def test_pillow_bomb_warning_when_warnings_are_not_errors() -> None:
    # In production warnings are not errors: Pillow only warns about 100 Mpx, our own check refuses.
    data = png_bomb(10_000, 10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        assert code_of(data) == "photo_too_many_pixels"


def test_error_carries_its_code() -> None:
    error = PhotoError("photo_corrupt", "details")
    assert error.code == "photo_corrupt"
    assert "photo_corrupt" in str(error)


# --- storage --------------------------------------------------------------------------------------


def test_store_save_and_path(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path / "photos")
    photo = process_photo(jpeg(800, 600))
    sha = store.save(photo)
    assert sha == photo.sha256
    full, thumb = store.path(sha), store.path(sha, thumb=True)
    assert full == tmp_path / "photos" / sha[:2] / sha[2:4] / f"{sha}.jpg"
    assert thumb == tmp_path / "photos" / sha[:2] / sha[2:4] / f"{sha}.thumb.jpg"
    assert full.read_bytes() == photo.full
    assert thumb.read_bytes() == photo.thumb
    assert sorted(p.name for p in full.parent.iterdir()) == sorted([full.name, thumb.name])  # no temp files


def test_store_save_is_idempotent(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path)
    photo = process_photo(jpeg(300, 200))
    store.save(photo)
    full = store.path(photo.sha256)
    os.utime(full, (1_000_000_000, 1_000_000_000))
    assert store.save(photo) == photo.sha256
    assert full.stat().st_mtime == 1_000_000_000  # not rewritten
    assert len(list(tmp_path.rglob("*"))) == 4  # two folders, two files


def test_store_completes_a_missing_thumbnail(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path)
    photo = process_photo(jpeg(900, 600))
    store.save(photo)
    store.path(photo.sha256, thumb=True).unlink()
    store.save(photo)
    assert store.path(photo.sha256, thumb=True).read_bytes() == photo.thumb


def test_store_failing_midway_leaves_neither_file_nor_temporary_files(tmp_path: Path, monkeypatch) -> None:
    store = PhotoStore(tmp_path)
    photo = process_photo(jpeg(900, 600))
    real_fsync, calls = os.fsync, []

    def failing_fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the full picture's data: the disk is full, say
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        store.save(photo)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # no thumbnail alone, no .tmp
    monkeypatch.setattr(os, "fsync", real_fsync)
    store.save(photo)
    assert store.path(photo.sha256).read_bytes() == photo.full


def test_store_refuses_a_photo_that_does_not_match_its_hash(tmp_path: Path) -> None:
    photo = process_photo(jpeg(300, 200))
    forged = ProcessedPhoto(photo.full, photo.thumb, photo.width, photo.height, "0" * 64, None)
    with pytest.raises(ValueError, match="hash"):
        PhotoStore(tmp_path).save(forged)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "../" + "a" * 61,
        "a" * 63,
        "a" * 65,
        "A" * 64,
        "g" * 64,
        "a" * 64 + "\n",
        "a" * 62 + "/x",
        "a" * 62 + "\\x",
        "/" + "a" * 63,
        "",
        "a" * 60 + ".jpg",
    ],
)
def test_store_path_refuses_anything_but_a_hash(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        PhotoStore(tmp_path).path(name)
    with pytest.raises(ValueError):
        PhotoStore(tmp_path).path(name, thumb=True)


def test_store_path_refuses_non_strings(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        PhotoStore(tmp_path).path(b"a" * 64)  # type: ignore[arg-type]


# --- the phone's own small JPEGs are kept, less their metadata -------------------------------------


def _small_with_metadata(progressive: bool = False) -> bytes:
    from PIL import Image as PILImage

    img = PILImage.effect_noise((1200, 900), 50).convert("RGB")
    exif = PILImage.Exif()
    exif[0x0112] = 1
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 07:15:00"
    exif.get_ifd(0x8825)[2] = (52.0, 13.0, 0.0)  # GPS latitude
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, exif=exif, comment=b"secret comment", progressive=progressive,
             xmp=b"<x:xmpmeta>GPS here</x:xmpmeta>")
    return out.getvalue() + b"PK\x03\x04 appended zip"


@pytest.mark.parametrize("progressive", [False, True])
def test_small_upright_jpeg_is_kept_without_metadata(progressive):
    from backend.core.photos import process_photo

    data = _small_with_metadata(progressive)
    photo = process_photo(data)
    assert photo.full != data and len(photo.full) < len(data)
    for secret in (b"Exif", b"GPS", b"secret comment", b"xmpmeta", b"PK\x03\x04"):
        assert secret not in photo.full
    assert photo.full.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(photo.full)) as out:
        out.load()
        assert out.size == (1200, 900) and (photo.width, photo.height) == (1200, 900)
        assert not out.getexif()
    assert photo.taken_at is not None and photo.taken_at.hour == 7
    assert max(Image.open(io.BytesIO(photo.thumb)).size) == 320


def test_small_truncated_jpeg_is_still_refused():
    from backend.core.photos import PhotoError, process_photo

    data = _small_with_metadata()
    with pytest.raises(PhotoError) as err:
        process_photo(data[: len(data) // 2])
    assert err.value.code == "photo_corrupt"


def test_strip_refuses_what_it_does_not_understand():
    from backend.core.photos import strip_jpeg_metadata

    assert strip_jpeg_metadata(b"not a jpeg") is None
    assert strip_jpeg_metadata(b"\xff\xd8\xff\xe1\x00") is None  # segment runs past the end


def _with_segments(data: bytes, *segments: bytes) -> bytes:
    """The JPEG with its own APP0 replaced by the given segments (marker, length and payload)."""
    assert data[2:4] == b"\xff\xe0"
    app0_end = 4 + int.from_bytes(data[4:6], "big")
    return data[:2] + b"".join(segments) + data[app0_end:]


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def test_bytes_hidden_in_jfif_and_adobe_segments_are_not_kept():
    from backend.core.photos import process_photo

    out = io.BytesIO()
    Image.effect_noise((800, 600), 50).convert("RGB").save(out, "JPEG", quality=85)
    original = out.getvalue()
    # a JFIF header with a "thumbnail" that is any bytes at all, a JFXX extension, and an Adobe
    # segment longer than its fields: a decoder reads none of these bytes
    hidden = b"SECRET-PAYLOAD" * 20
    jfif = b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48" + bytes([len(hidden) // 3 // 2, 2]) + hidden[: len(hidden) // 3 // 2 * 6]
    jfxx = b"JFXX\x00\x10" + hidden
    adobe = b"Adobe\x00\x64\x80\x00\x00\x00\x01" + hidden  # transform 1: YCbCr, as encoded
    data = _with_segments(original, _segment(0xE0, jfif), _segment(0xE0, jfxx), _segment(0xEE, adobe))
    photo = process_photo(data)
    assert b"SECRET" not in photo.full
    with Image.open(io.BytesIO(photo.full)) as kept, Image.open(io.BytesIO(original)) as plain:
        assert kept.info.get("jfif") and kept.info.get("adobe_transform") == 1
        assert kept.tobytes() == plain.tobytes()  # decodes to the very same pixels


def test_strip_copies_no_segment_it_does_not_know():
    from backend.core.photos import strip_jpeg_metadata

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "JPEG", quality=85)
    assert strip_jpeg_metadata(_with_segments(out.getvalue(), _segment(0xF1, b"JPG1 reserved"))) is None
