"""Make small real video files with PyAV for tests.

Each frame carries its own number as 8 bits in the top row (8 blocks of 8x8 px, white = 1),
so a test can tell which source frame it got back; a bright square moves below them.
Import as ``tests.helpers.video``.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

BLOCK = 8
_MS = Fraction(1, 1000)


def frame_image(i: int, width: int = 64, height: int = 48) -> np.ndarray:
    """The grey picture of frame ``i`` (uint8, height x width)."""
    if width < 8 * BLOCK or height < 3 * BLOCK:
        raise ValueError("frames must be at least 64 x 24 px to carry their number")
    img = np.full((height, width), 60, np.uint8)
    for bit in range(8):
        if (i >> bit) & 1:
            img[:BLOCK, bit * BLOCK : (bit + 1) * BLOCK] = 235
    x = (i * 3) % (width - 10)
    img[2 * BLOCK : 2 * BLOCK + 10, x : x + 10] = 200
    return img


def frame_code(gray: np.ndarray) -> int:
    """Read back the frame number written by :func:`frame_image` (picture not rotated)."""
    bits = [gray[:BLOCK, b * BLOCK : (b + 1) * BLOCK].mean() > 148 for b in range(8)]
    return sum(1 << b for b, on in enumerate(bits) if on)


def make_video(
    path: Path,
    *,
    n_frames: int = 30,
    fps: int = 15,
    size: tuple[int, int] = (64, 48),
    pts_ms: list[int] | None = None,
    rotation: int | None = None,
    rotate_tag: str | None = None,
    creation_time: str | None = None,
    movflags: str | None = None,
    gop: int | None = None,
    bframes: int = 0,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    colour: bool = False,
    first: int = 0,
) -> Path:
    """Write frames ``first .. first + n_frames - 1`` to ``path``.

    ``pts_ms`` gives irregular times in ms (VFR). Grey pictures are stored as limited-range
    luma (grey level v becomes Y = 16 + v * 219 / 255) with flat chroma, like infrared video.
    """
    width, height = size
    options = {"movflags": movflags} if movflags else {}
    with av.open(str(path), "w", options=options) as out:
        if creation_time:
            out.metadata["creation_time"] = creation_time
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if codec == "libx264":
            opts = {"preset": "ultrafast", "crf": "18", "bf": str(bframes)}
            if bframes:
                opts["preset"] = "medium"
            if gop:
                opts.update(g=str(gop), keyint_min=str(gop), sc_threshold="0")
            stream.options = opts
        if pts_ms is not None:
            stream.codec_context.time_base = _MS
        if rotation is not None:
            stream.set_display_rotation(rotation)  # display matrix, counter-clockwise
        if rotate_tag is not None:
            stream.metadata["rotate"] = rotate_tag  # legacy tag, clockwise (mkv keeps it)
        for i in range(n_frames):
            img = frame_image(first + i, width, height)
            if colour:
                rgb = np.stack([img, img, 255 - img], axis=2)  # bluish, bits still bright
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            else:
                frame = av.VideoFrame.from_ndarray(img, format="gray")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[i], _MS
            else:
                frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def make_pts_video(path: Path, pts_ms: list[int]) -> Path:
    """An intra-coded file whose stored PTS are exactly ``pts_ms`` — may repeat or go back."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"preset": "ultrafast", "bf": "0"}
        stream.codec_context.time_base = _MS
        packets = []
        for i in range(len(pts_ms)):
            frame = av.VideoFrame.from_ndarray(frame_image(i), format="gray")
            frame.pts, frame.time_base = i * 40, _MS
            packets += stream.encode(frame)
        packets += stream.encode()
        for i, (packet, t_ms) in enumerate(zip(packets, pts_ms, strict=True)):
            assert packet.time_base is not None
            packet.pts = int(t_ms * _MS / packet.time_base)
            packet.dts = int(i * 10 * _MS / packet.time_base)  # increasing, never above pts
            out.mux(packet)
    return path


def make_audio(path: Path, codec: str = "aac", seconds: float = 0.5) -> Path:
    """An audio-only file (no video stream)."""
    rate = 44100
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate)
        n = 1024 if codec == "aac" else 1152
        for k in range(int(seconds * rate / n)):
            samples = np.zeros((1, n), np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, k * n
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def cut(src: Path, dst: Path, keep: float) -> Path:
    """Copy the first ``keep`` fraction of ``src`` to ``dst`` (a truncated recording)."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


def remux_first_seconds(src: Path, dst: Path, seconds: float) -> Path:
    """The first ``seconds`` of ``src``'s video stream written to ``dst``, remuxed (not
    re-encoded): real footage cut short for tests that need only a few chunks of it."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s_in = inp.streams.video[0]
        out.metadata.update(inp.metadata)
        s_out = out.add_stream_from_template(s_in)
        tb = s_in.time_base
        assert tb is not None
        for pkt in inp.demux(s_in):
            if pkt.dts is None:
                continue
            if pkt.dts * tb > seconds + 1:
                break
            if pkt.pts is not None and pkt.pts * tb >= seconds:
                continue
            pkt.stream = s_out
            out.mux(pkt)
    return dst
