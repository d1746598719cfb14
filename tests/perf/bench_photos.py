"""Benchmark: meter-photo processing against a plain reduced-scale JPEG decode.

    uv run python tests/perf/bench_photos.py [--runs N]

The target (product issue): a 12-megapixel phone JPEG is processed by ``process_photo`` in at most
1.5 x the time Pillow needs just to open it and decode it with ``draft("RGB", (1600, 1600))``.

Two floors are measured, interleaved with the processing so that a busy machine slows all alike:

* "floor (spec)": exactly the call above. Pillow's draft() keeps both requested sides, so for a
  4000 x 3000 picture it picks min(4000 // 1600, 3000 // 1600) = 1, a full-scale decode.
* "floor (same scale)": draft at the scale process_photo really decodes at (1/2 for 4000 x 3000,
  i.e. 2000 x 1500), shown to see how much the resize, orientation and encoding add on top.

The pictures are generated here (gradients and noise, like a phone photo: about 4 MB at quality
90). Not collected by pytest (tests/perf is ignored by the project's pytest configuration).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import PIL
from PIL import ExifTags, Image, features

from backend.core.photos import FULL_SIZE, process_photo

TARGET_RATIO = 1.5


def photo_like(width: int, height: int) -> Image.Image:
    """Gradients, coarse blotches and fine grain per channel: compresses like a real photo."""
    horizontal = Image.linear_gradient("L").resize((width, height))
    vertical = Image.linear_gradient("L").rotate(90).resize((width, height))
    channels = []
    for i, sigma in enumerate((60, 40, 30)):
        blotches = Image.effect_noise((width // 2, height // 2), sigma)
        blotches = blotches.resize((width, height), Image.Resampling.BICUBIC)
        grain = Image.effect_noise((width, height), sigma / 3)
        base = Image.blend(vertical if i == 1 else horizontal, blotches, 0.5)
        channels.append(Image.blend(base, grain, 0.3))
    return Image.merge("RGB", channels)


def phone_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.Model] = "Camera 12"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.DateTime] = "2026:03:14 07:45:12"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:03:14 07:45:12"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 13.0, 37.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (21.0, 0.0, 42.25)
    return exif


def jpeg_bytes(im: Image.Image, orientation: int = 1) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=phone_exif(orientation))
    return out.getvalue()


def decode_floor(data: bytes, hint: tuple[int, int]) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", hint)
        im.load()
        return im.size


def same_scale_hint(size: tuple[int, int]) -> tuple[int, int]:
    """The draft request process_photo makes: FULL_SIZE along the longest side only."""
    width, height = size
    return (FULL_SIZE, 1) if width >= height else (1, FULL_SIZE)


@dataclass
class Result:
    name: str
    megabytes: float
    source: tuple[int, int]
    output: tuple[int, int]
    process_ms: float
    floor_ms: float
    floor_size: tuple[int, int]
    same_ms: float
    same_size: tuple[int, int]
    clock: str = "wall"

    @property
    def ratio(self) -> float:
        return self.process_ms / self.floor_ms

    @property
    def same_ratio(self) -> float:
        return self.process_ms / self.same_ms


def measure(name: str, data: bytes, runs: int, warmup: int = 2) -> tuple[Result, Result]:
    """Medians of wall-clock time and of this thread's CPU time (steadier on a busy machine)."""
    with Image.open(io.BytesIO(data)) as im:
        source = im.size
    processed = process_photo(data)
    floor_size = decode_floor(data, (FULL_SIZE, FULL_SIZE))
    same_size = decode_floor(data, same_scale_hint(source))
    jobs: dict[str, Callable[[], object]] = {
        "process": lambda: process_photo(data),
        "floor": lambda: decode_floor(data, (FULL_SIZE, FULL_SIZE)),
        "same": lambda: decode_floor(data, same_scale_hint(source)),
    }
    wall: dict[str, list[float]] = {key: [] for key in jobs}
    cpu: dict[str, list[float]] = {key: [] for key in jobs}
    order = list(jobs)
    for run in range(warmup + runs):
        for key in order[run % 3 :] + order[: run % 3]:  # rotate the order: no job always goes first
            started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
            jobs[key]()
            elapsed, elapsed_cpu = time.perf_counter_ns() - started, time.thread_time_ns() - started_cpu
            if run >= warmup:
                wall[key].append(elapsed / 1e6)
                cpu[key].append(elapsed_cpu / 1e6)
    return tuple(  # type: ignore[return-value]
        Result(
            name=name,
            megabytes=len(data) / 1e6,
            source=source,
            output=(processed.width, processed.height),
            process_ms=statistics.median(times["process"]),
            floor_ms=statistics.median(times["floor"]),
            floor_size=floor_size,
            same_ms=statistics.median(times["same"]),
            same_size=same_size,
            clock=clock,
        )
        for clock, times in (("wall", wall), ("cpu", cpu))
    )


def size_text(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=21, help="timed runs per measurement (median reported)")
    args = parser.parse_args()

    turbo = features.version("libjpeg_turbo") or "no"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(
        f"Pillow {PIL.__version__}, libjpeg-turbo {turbo}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {load}"
    )
    print("Generating pictures...", flush=True)
    big = photo_like(4000, 3000)
    inputs = [
        ("12 Mpx phone photo, q90", jpeg_bytes(big)),
        ("12 Mpx, EXIF orientation 6", jpeg_bytes(big, orientation=6)),
        ("1600 px photo, q90", jpeg_bytes(photo_like(1600, 1200))),
    ]
    del big

    print(f"Median of {args.runs} runs each (after 2 warm-up runs), processing and floors interleaved.")
    measured = [measure(name, data, args.runs) for name, data in inputs]
    for clock, title in ((0, "wall-clock time"), (1, "CPU time of the calling thread")):
        print(f"\n{title}:")
        header = (
            f"{'input':28} {'MB':>5} {'source':>10} {'output':>10} | {'process':>9} | "
            f"{'floor (spec)':>22} {'ratio':>6} | {'floor (same scale)':>22} {'ratio':>6}"
        )
        print(header)
        print("-" * len(header))
        for pair in measured:
            r = pair[clock]
            print(
                f"{r.name:28} {r.megabytes:5.2f} {size_text(r.source):>10} {size_text(r.output):>10} | "
                f"{r.process_ms:6.1f} ms | {r.floor_ms:6.1f} ms @ {size_text(r.floor_size):>9} {r.ratio:5.2f}x | "
                f"{r.same_ms:6.1f} ms @ {size_text(r.same_size):>9} {r.same_ratio:5.2f}x"
            )

    print()
    print("floor (spec)       = Image.open + draft('RGB', (1600, 1600)) + load")
    print("floor (same scale) = Image.open + draft at the scale process_photo decodes at + load")
    target, target_cpu = measured[0]
    verdict = "PASS" if target.ratio <= TARGET_RATIO else "FAIL"
    print(
        f"\n{verdict}: 12 Mpx JPEG processed in {target.process_ms:.1f} ms = {target.ratio:.2f} x the floor "
        f"({target.floor_ms:.1f} ms); target <= {TARGET_RATIO} x ({TARGET_RATIO * target.floor_ms:.1f} ms). "
        f"CPU time: {target_cpu.ratio:.2f} x. Against the same-scale decode: {target.same_ratio:.2f} x "
        f"(CPU {target_cpu.same_ratio:.2f} x)."
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
