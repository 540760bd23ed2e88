"""One segment file of a live stream being written (see :mod:`detector.stream`).

:class:`SegmentWriter` copies a stream's packets — or, for raw video from a capture device,
encodes its pictures with H.264 — into a hidden ``.NAME.partial`` file (mode 0600) and, on
:meth:`~SegmentWriter.close`, fsyncs it and renames it into place. H.264, H.265 and MPEG-4
go into MP4 (the stream's timestamps kept, a complete index), anything else into Matroska.
:class:`FramePackets` joins the packets a camera splits one picture into.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from detector.atomic import dir_sync

__all__ = ["MP4_CODECS", "FramePackets", "SegmentWriter", "strip_headers"]

#: codecs whose packets go into MP4 segments unchanged (the rest go into Matroska)
MP4_CODECS = frozenset({"h264", "hevc", "mpeg4"})
_AV_ERRORS = (av.FFmpegError, OSError, ValueError, EOFError)


class SegmentWriter:
    """One segment file being written: packets copied (or, for raw video, encoded) into a
    hidden partial file that :meth:`close` renames into place."""

    def __init__(self, folder: Path, name: str, template: Any, fps: float) -> None:
        self.final = folder / name
        self.tmp = folder / f".{name}.partial"
        cc = template.codec_context
        self.encode = cc.name == "rawvideo"
        fmt = "mp4" if (cc.name in MP4_CODECS or self.encode) else "matroska"
        os.close(os.open(self.tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))  # baby video:
        self.out = av.open(str(self.tmp), "w", format=fmt)  # readable by its owner only
        try:
            if self.encode:
                self.ostream = self.out.add_stream("libx264", rate=round(fps) or 15)
                self.ostream.width, self.ostream.height = cc.width, cc.height
                self.ostream.pix_fmt = "yuv420p"
                self.ostream.options = {"preset": "veryfast", "crf": "23"}
                self.decoder = template
            else:
                self.ostream = self.out.add_stream_from_template(template)
        except BaseException:
            self.out.close()
            self.tmp.unlink(missing_ok=True)
            raise
        self.n_frames = 0
        self._last_dts: int | None = None

    def write(self, packet: Any, pts: int, dts: int | None, time_base: Fraction) -> None:
        """Write ``packet`` with timestamps ``pts``/``dts`` in ``time_base`` (from 0)."""
        if self.encode:
            for frame in self.decoder.decode(packet):
                frame.pts, frame.time_base = pts, time_base
                for out in self.ostream.encode(frame):
                    self.out.mux(out)
            self.n_frames += 1
            return
        if dts is None or (self._last_dts is not None and dts <= self._last_dts):
            dts = 0 if self._last_dts is None else self._last_dts + 1
        if dts > pts:
            return  # cannot be muxed in order: dropped (damaged timing)
        packet.pts, packet.dts, packet.time_base = pts, dts, time_base
        packet.stream = self.ostream
        self.out.mux(packet)
        self._last_dts = dts
        self.n_frames += 1

    def close(self) -> int:
        """Finish the file, fsync it and rename it into place; return its size."""
        if self.encode:
            for out in self.ostream.encode():
                self.out.mux(out)
        self.out.close()
        fd = os.open(self.tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(self.tmp, self.final)
        dir_sync(self.final.parent)
        return self.final.stat().st_size

    def abort(self) -> None:
        with contextlib.suppress(*_AV_ERRORS):
            self.out.close()
        self.tmp.unlink(missing_ok=True)


#: NAL unit types of parameter sets and access-unit delimiters (H.264, H.265)
_HEADER_NALS = {"h264": frozenset({7, 8, 9}), "hevc": frozenset({32, 33, 34, 35})}


def _nal_type(codec: str, byte: int) -> int:
    return byte & 0x1F if codec == "h264" else (byte >> 1) & 0x3F


def strip_headers(data: bytes, codec: str) -> bytes:
    """``data`` (Annex B) without the parameter sets and delimiters it starts with.

    A camera (or an RTSP server) may send one picture as several packets and repeat the
    SPS/PPS before each slice; joined as they come, the repeat would make a decoder's
    parser start a new picture mid-frame (one frame more, without a timestamp)."""
    types = _HEADER_NALS.get(codec)
    if types is None or not data.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01")):
        return data
    i = 0
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j < 0 or j + 3 >= len(data):
            return b""
        if _nal_type(codec, data[j + 3]) not in types:
            return data[j - 1 if j > 0 and data[j - 1] == 0 else j :]
        i = j + 3


class FramePackets:
    """Packets of one frame (a camera may split one picture into several packets with the
    same timestamp), joined into one packet before muxing."""

    def __init__(self, packet: Any, t_s: float, codec: str) -> None:
        self.packets = [packet]
        self.t_s = t_s
        self.pts = packet.pts
        self.dts = packet.dts
        self.key = bool(packet.is_keyframe)
        self.codec = codec

    def packet(self) -> Any:
        if len(self.packets) == 1:
            return self.packets[0]
        parts = [bytes(self.packets[0])]
        parts += [strip_headers(bytes(p), self.codec) for p in self.packets[1:]]
        joined = av.Packet(b"".join(parts))
        joined.is_keyframe = self.key
        return joined
