"""Photos (meter readings, contact attachments): check an uploaded picture, make it safe to keep
and show, and store it by content hash.

A resident sends a photo of the water meter together with a reading. What we keep is never the
uploaded file itself but a fresh JPEG decoded and re-encoded by us:

* the format is decided from the content as Pillow sniffs it (JPEG, PNG or WebP; never the file
  name or the client's content type);
* size limits are checked before any pixel is decoded: at most ``MAX_BYTES`` of input and
  ``MAX_PIXELS`` as declared by the header, ``NON_DRAFT_MAX_PIXELS`` for what is decoded whole
  (PNG, WebP, progressive JPEG); decompression bombs never reach the decoder;
* the EXIF orientation is applied, so the stored picture is upright;
* every piece of metadata (EXIF including GPS, XMP, ICC profile, comments) is dropped; only the
  capture time is read from EXIF and returned to the caller;
* any pixel mode is turned into 8-bit RGB, transparent areas are flattened on white;
* the result is at most ``FULL_SIZE`` px on its longest side, plus a ``THUMB_SIZE`` px thumbnail,
  never upscaled.

Speed: JPEG input is decoded at a reduced scale straight from the DCT (``Image.draft``), at the
smallest of 1/1, 1/2, 1/4, 1/8 that still gives at least ``FULL_SIZE`` px on the longest side, and
then resized with a bilinear (area-aware, antialiased) filter. The orientation is applied to the
already resized picture, where it is cheaper, and the thumbnail is made from it too.
``tests/perf/bench_photos.py`` measures this against a plain reduced-scale decode.

Pillow's global settings are left alone (``Image.MAX_IMAGE_PIXELS``, ``LOAD_TRUNCATED_IMAGES``,
which must stay False). Our pixel limit is below Pillow's own bomb limit (about 89 Mpx), so a valid
picture never makes Pillow warn; a picture declaring between 89 and 179 Mpx makes it emit a
``DecompressionBombWarning`` from ``Image.open`` (an exception where warnings are errors, which we
turn into ``photo_too_many_pixels``), above that it raises; either way the upload is refused before
anything is decoded.

``process_photo`` is CPU-bound; callers await ``process_photo_async``, which runs it in one of
``DECODERS`` threads, so a burst of uploads waits in line instead of decoding all at once. ``PhotoStore`` keeps the
results in the data directory (never in the web root), named by the SHA-256 of the full-size JPEG.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import hashlib
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, Literal

from PIL import Image, ImageFile, JpegImagePlugin, UnidentifiedImageError

from backend.core.files import write_all_atomic

__all__ = [
    "FULL_SIZE",
    "JPEG_QUALITY",
    "MAX_BYTES",
    "MAX_PIXELS",
    "NON_DRAFT_MAX_PIXELS",
    "THUMB_SIZE",
    "PhotoError",
    "PhotoErrorCode",
    "PhotoStore",
    "ProcessedPhoto",
    "process_photo",
    "process_photo_async",
]

MAX_BYTES: Final = 10 * 1024 * 1024
MAX_PIXELS: Final = 40_000_000
# A PNG, a WebP or a progressive JPEG cannot be decoded at a reduced scale: the decoder holds the
# whole picture (3-4 bytes a pixel, then a flattened copy), so they get a smaller budget. 12 Mpx
# is a 4000x3000 phone photo; a 6300x6300 PNG of 116 KB (about 400 MB decoded) is refused unread.
NON_DRAFT_MAX_PIXELS: Final = 12_000_000
# Decodes at once per process; the others wait in line (holding only their upload), so memory
# stays flat however many photos arrive together. More would not be faster on the cores we have.
DECODERS: Final = 2
FULL_SIZE: Final = 1600
THUMB_SIZE: Final = 320
JPEG_QUALITY: Final = 82

PhotoErrorCode = Literal[
    "photo_not_image",
    "photo_too_large",
    "photo_too_many_pixels",
    "photo_unsupported_format",
    "photo_corrupt",
]

# Formats we accept, as Pillow names them. "MPO" is what Pillow calls a JPEG that carries extra
# pictures after the main one (some phones write those); only the first picture is used.
_ACCEPTED_FORMATS: Final = ("JPEG", "PNG", "WEBP")
_ACCEPTED_OPENED: Final = frozenset({"JPEG", "MPO", "PNG", "WEBP"})

# Signatures, only to choose the right error message once Pillow has refused the content.
_ACCEPTED_SIGNATURES: Final = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
_OTHER_IMAGE_SIGNATURES: Final = (
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"\x00\x00\x01\x00",  # ICO
    b"8BPS",  # Photoshop
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
    b"\xff\x4f\xff\x51",  # JPEG 2000 codestream
    b"\xff\x0a",  # JPEG XL codestream
    b"\x00\x00\x00\x0cJXL \r\n\x87\n",  # JPEG XL container
)
_ISO_BMFF_IMAGE_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
)

# Errors Pillow's parsers and decoders raise for broken files (UnidentifiedImageError is handled
# before, as it is an OSError too).
_DECODE_ERRORS: Final = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError)

# The same table as ImageOps.exif_transpose, applied after downscaling where it is cheaper.
_ORIENTATION: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_TAG_ORIENTATION: Final = 0x0112
_TAG_DATETIME: Final = 0x0132  # 306
_TAG_DATETIME_ORIGINAL: Final = 0x9003  # 36867
_IFD_EXIF: Final = 0x8769

_WHITE: Final = (255, 255, 255)
_SHA256_RE: Final = re.compile(r"[0-9a-f]{64}")


class PhotoError(Exception):
    """The upload cannot be used as a meter photo; ``code`` is the message key shown to the user."""

    def __init__(self, code: PhotoErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: PhotoErrorCode = code


@dataclass(frozen=True)
class ProcessedPhoto:
    full: bytes  # JPEG, at most FULL_SIZE px on the longest side, no metadata
    thumb: bytes  # JPEG, at most THUMB_SIZE px on the longest side, no metadata
    width: int  # of ``full``
    height: int
    sha256: str  # lowercase hex digest of ``full``
    taken_at: datetime | None  # EXIF capture time, naive (local time of the camera)


def process_photo(data: bytes | bytearray | memoryview) -> ProcessedPhoto:
    """Check and re-encode an uploaded meter photo; raises ``PhotoError``."""
    size = data.nbytes if isinstance(data, memoryview) else len(data)
    if size > MAX_BYTES:
        raise PhotoError("photo_too_large", f"{size} bytes")
    if not size:
        raise PhotoError("photo_not_image", "empty")

    with _open(bytes(data)) as src:
        width, height = src.size
        if width < 1 or height < 1:
            raise PhotoError("photo_corrupt", "empty picture")
        if width * height > MAX_PIXELS:
            raise PhotoError("photo_too_many_pixels", f"{width}x{height}")
        drafts = isinstance(src, JpegImagePlugin.JpegImageFile) and not src.info.get("progressive")
        if not drafts and width * height > NON_DRAFT_MAX_PIXELS:
            raise PhotoError("photo_too_many_pixels", f"{width}x{height} {src.format}")

        if _fits_as_is(src, width, height):
            fast = _small_jpeg(bytes(data), src)
            if fast is not None:
                return fast

        box: tuple[float, float, float, float] | None = None
        if isinstance(src, JpegImagePlugin.JpegImageFile) and max(width, height) > FULL_SIZE:
            # Ask for 1600 px along the longest side only: draft() picks the largest 1/2^n scale
            # that keeps both requested sides, and the other side would otherwise limit it.
            hint = (FULL_SIZE, 1) if width >= height else (1, FULL_SIZE)
            drafted = src.draft("RGB", hint)
            if drafted is not None:
                box = drafted[1]
        try:
            src.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoError("photo_too_many_pixels", str(exc)) from None
        except (*_DECODE_ERRORS, Warning) as exc:
            raise PhotoError("photo_corrupt", f"{type(exc).__name__}: {exc}") from None
        orientation, taken_at = _read_exif(src)

        full = _fit(_to_rgb(src), (width, height), FULL_SIZE, box=box)
        transpose = _ORIENTATION.get(orientation)
        if transpose is not None:
            full = full.transpose(transpose)
        elif full is src:  # a small RGB original: detach it from the file, which is closed below
            full = full.copy()
    full.info = {}  # no metadata at all (Pillow would even carry a JPEG comment over)
    full_jpeg = _encode(full)

    # Usually an exact 1/5: a box reduce() does nearly all of it (area averaging, ~2 ms).
    thumb = _fit(full, full.size, THUMB_SIZE, resample=Image.Resampling.BICUBIC, reducing_gap=1.0)
    thumb_jpeg = full_jpeg if thumb is full else _encode(thumb)

    return ProcessedPhoto(
        full=full_jpeg,
        thumb=thumb_jpeg,
        width=full.width,
        height=full.height,
        sha256=hashlib.sha256(full_jpeg).hexdigest(),
        taken_at=taken_at,
    )


_DECODER = ThreadPoolExecutor(max_workers=DECODERS, thread_name_prefix="photo")


def _release_freed_memory() -> None:
    """glibc keeps freed blocks of big decodes in its arenas (RSS stayed ~1 GB after a burst):
    with a fixed mmap threshold, every buffer of 1 MB or more is its own mapping, returned on free."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        mallopt = None
    if mallopt is not None:
        mallopt(-3, 1024 * 1024)  # M_MMAP_THRESHOLD


_release_freed_memory()


async def process_photo_async(data: bytes | bytearray | memoryview) -> ProcessedPhoto:
    """``process_photo`` in one of the ``DECODERS`` photo threads (waiting for a free one)."""
    return await asyncio.get_running_loop().run_in_executor(_DECODER, process_photo, data)


# --- the phone already made it small ---------------------------------------------------------------
# The PWA uploads upright JPEGs of at most 1600 px. Those are kept as they are, less their metadata
# segments, instead of being decoded and encoded again: a third of a reading's server time.

# What the decoder reads from the only two APPn segments that change decoding, written anew: the
# JFIF marker (3 components are YCbCr) and Adobe's colour transform byte. Whatever else an uploader
# put into them (a JFIF thumbnail, bytes after the fields) is not copied.
_JFIF: Final = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
_ADOBE_ID: Final = b"Adobe\x00"  # "Adobe", then the version's high byte (always 0)
# Segments copied as they are: frame headers (SOF0-15 but JPG), Huffman and arithmetic tables,
# quantisation tables, restart interval, scan header, DNL. Any other marker: re-encode instead.
_TABLES: Final = frozenset({*range(0xC0, 0xD0)} - {0xC8} | {0xDA, 0xDB, 0xDC, 0xDD})
_STANDALONE: Final = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length
# in entropy-coded data 0xFF is followed by 0x00 (stuffing), RSTn or more 0xFF (fill): else a marker
_NEXT_MARKER: Final = re.compile(rb"\xff(?=[^\x00\xd0-\xd7\xff])")


def _fits_as_is(src: Image.Image, width: int, height: int) -> bool:
    if not isinstance(src, JpegImagePlugin.JpegImageFile) or max(width, height) > FULL_SIZE:
        return False
    if src.mode not in ("RGB", "L"):  # CMYK/YCCK need converting
        return False
    orientation, _ = _read_exif(src)
    return orientation == 1


def strip_jpeg_metadata(data: bytes) -> bytes | None:
    """The JPEG as the decoder needs it: its tables, frame and scans, JFIF and Adobe markers
    rewritten to their decoding fields, no other APPn or COM segment, nothing after its end marker;
    None when the structure is not one this walk understands (the caller re-encodes instead)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out = bytearray(b"\xff\xd8")
    seen_jfif = seen_adobe = False
    i, n = 2, len(data)
    while i + 2 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _STANDALONE:
            out += data[i:i + 2]
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        end = i + 2 + length
        if i + 4 > n or length < 2 or end > n:
            return None
        payload = data[i + 4:end]
        if marker in _TABLES:
            out += data[i:end]
        elif marker == 0xE0 and payload.startswith(b"JFIF\x00") and not seen_jfif:
            out += _JFIF
            seen_jfif = True
        elif marker == 0xEE and payload.startswith(_ADOBE_ID) and len(payload) >= 12 and not seen_adobe:
            out += b"\xff\xee\x00\x0e" + _ADOBE_ID + b"\x64\x00\x00\x00\x00" + payload[11:12]
            seen_adobe = True
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            return None  # DHP, EXP, JPGn, reserved: not ours to judge
        i = end
        if marker == 0xDA:  # entropy-coded data follows: copy up to the next real marker
            found = _NEXT_MARKER.search(data, i)
            if found is None:
                return None
            out += data[i:found.start()]
            i = found.start()
    return None


def _small_jpeg(data: bytes, src: Image.Image) -> ProcessedPhoto | None:
    full = strip_jpeg_metadata(data)
    if full is None:
        return None
    width, height = src.size
    _, taken_at = _read_exif(src)
    # a reduced-scale decode (just big enough for the thumbnail) still reads every byte of the
    # image data: a damaged file fails here
    src.draft("RGB", (THUMB_SIZE, 1) if width >= height else (1, THUMB_SIZE))
    try:
        src.load()
    except (*_DECODE_ERRORS, Warning) as exc:
        raise PhotoError("photo_corrupt", f"{type(exc).__name__}: {exc}") from None
    small = _to_rgb(src)
    thumb = _fit(small, small.size, THUMB_SIZE, resample=Image.Resampling.BICUBIC, reducing_gap=1.0)
    if thumb is src:
        thumb = thumb.copy()
    thumb.info = {}
    return ProcessedPhoto(full=full, thumb=_encode(thumb), width=width, height=height,
                          sha256=hashlib.sha256(full).hexdigest(), taken_at=taken_at)


def _open(data: bytes) -> ImageFile.ImageFile:
    """Parse the header only; the pixels are not decoded yet."""
    try:
        src = Image.open(io.BytesIO(data), formats=_ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise PhotoError(_refused_kind(data), "not a JPEG, PNG or WebP picture") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard (its limit is above ours): an error above twice its limit, a warning
        # above it, which is an exception wherever warnings are turned into errors.
        raise PhotoError("photo_too_many_pixels", str(exc)) from None
    except (*_DECODE_ERRORS, Warning) as exc:
        # Warning: Pillow warns about a broken EXIF block while reading the header, which is only an
        # exception where warnings are made errors (as in the tests); by default it goes through.
        raise PhotoError("photo_corrupt", f"{type(exc).__name__}: {exc}") from None
    if src.format not in _ACCEPTED_OPENED:  # cannot happen with formats= above; belt and braces
        src.close()
        raise PhotoError("photo_unsupported_format", str(src.format))
    return src


def _refused_kind(data: bytes) -> PhotoErrorCode:
    head = data[:32]
    if head.startswith(_ACCEPTED_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "photo_corrupt"  # looks like one of ours, but Pillow cannot parse it
    if head.startswith(_OTHER_IMAGE_SIGNATURES) or (head[4:8] == b"ftyp" and head[8:12] in _ISO_BMFF_IMAGE_BRANDS):
        return "photo_unsupported_format"
    return "photo_not_image"


def _read_exif(src: Image.Image) -> tuple[int, datetime | None]:
    """Orientation (1 when unknown) and capture time. Broken EXIF is ignored, not fatal."""
    try:
        exif = src.getexif()
        orientation = exif.get(_TAG_ORIENTATION, 1)
        taken = exif.get_ifd(_IFD_EXIF).get(_TAG_DATETIME_ORIGINAL)
        taken_at = _parse_exif_datetime(taken) or _parse_exif_datetime(exif.get(_TAG_DATETIME))
    except Exception:  # anything in a malformed EXIF block (including warnings made errors)
        return 1, None
    return (orientation if isinstance(orientation, int) else 1), taken_at


def _parse_exif_datetime(value: object) -> datetime | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    text = value.strip("\x00 \t\r\n")[:19]
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)  # naive by design: the caller knows the time zone
        except ValueError:
            continue
    return None


def _to_rgb(im: Image.Image) -> Image.Image:
    """8-bit RGB, transparency flattened on white."""
    mode = im.mode
    try:
        if mode == "I" or mode.startswith("I;16"):
            # 16-bit greyscale PNG: scale 0..65535 down to 0..255 (a plain convert would clip).
            grey = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
            return grey.convert("RGB")
        if im.has_transparency_data:
            rgba = im.convert("RGBA")
            flat = Image.new("RGB", rgba.size, _WHITE)
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        if mode == "RGB":
            return im
        return im.convert("RGB")  # L, 1, P, CMYK (Adobe inverted CMYK is undone by the decoder), YCbCr...
    except ValueError as exc:  # a mode Pillow cannot convert
        raise PhotoError("photo_unsupported_format", f"mode {mode}: {exc}") from None


def _fit(
    im: Image.Image,
    original: tuple[int, int],
    limit: int,
    *,
    box: tuple[float, float, float, float] | None = None,
    # BILINEAR in Pillow is area-aware (its support grows with the scale), so it does not alias; for
    # the 2000 -> 1600 px step after a 1/2 draft it comes as close to a full-resolution LANCZOS as
    # LANCZOS itself does, at half its cost. reducing_gap=2 lets a big PNG/WebP go through a fast
    # box reduce() first, with no visible difference.
    resample: Image.Resampling = Image.Resampling.BILINEAR,
    reducing_gap: float = 2.0,
) -> Image.Image:
    """Scale down so that the longest side is ``limit``; never up.

    ``original`` is the size before a reduced-scale decode (it keeps the exact aspect ratio) and
    ``box`` the area of ``im`` that covers the whole original picture.
    """
    width, height = original
    if max(width, height) <= limit and box is None:
        return im
    if width >= height:
        size = (min(limit, width), max(1, round(height * min(limit, width) / width)))
    else:
        size = (max(1, round(width * min(limit, height) / height)), min(limit, height))
    if size == im.size and box is None:
        return im
    return im.resize(size, resample, box=box, reducing_gap=reducing_gap)


def _encode(im: Image.Image) -> bytes:
    out = io.BytesIO()
    # Baseline, not optimised: both options cost more time than the few per cent of bytes they save.
    im.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    return out.getvalue()


class PhotoStore:
    """Photos as files under a data directory: ``<root>/ab/cd/<sha256>.jpg`` and ``.thumb.jpg``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str, thumb: bool = False) -> Path:
        if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
            raise ValueError("a photo is named by 64 lowercase hex digits")
        name = f"{sha256}.thumb.jpg" if thumb else f"{sha256}.jpg"
        return self.root / sha256[:2] / sha256[2:4] / name

    def save(self, photo: ProcessedPhoto) -> str:
        """Write both files (atomically, each); saving the same photo again changes nothing."""
        if hashlib.sha256(photo.full).hexdigest() != photo.sha256:
            raise ValueError("the photo does not match its hash")
        # The thumbnail first: whenever the full picture is there, its thumbnail is too. Both are
        # named by content (the thumbnail by the content of its full picture): what exists is right.
        files = [(self.path(photo.sha256, thumb=True), photo.thumb), (self.path(photo.sha256), photo.full)]
        write_all_atomic([(path, data) for path, data in files if not path.exists()])
        return photo.sha256
