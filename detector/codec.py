"""The video codec a file's container declares, read from its header.

FFmpeg names a stream's codec only when it has a decoder for it; a phone's or camera's file
in a format this FFmpeg cannot decode (a newer codec, or a fourcc it does not know) would
otherwise be refused without saying which format it is. :func:`codec_hint` reads the name
from the container itself: an MP4/MOV sample entry's fourcc, a Matroska codec ID or an AVI
stream's fourcc.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["codec_hint"]

#: names of video sample-entry codes (MP4/MOV fourccs, Matroska codec IDs, AVI fourccs)
_CODEC_NAMES = {
    "avc1": "H.264",
    "avc3": "H.264",
    "hvc1": "HEVC (H.265)",
    "hev1": "HEVC (H.265)",
    "dvh1": "Dolby Vision HEVC",
    "dvhe": "Dolby Vision HEVC",
    "av01": "AV1",
    "vp09": "VP9",
    "vp08": "VP8",
    "apch": "Apple ProRes 422 HQ",
    "apcn": "Apple ProRes 422",
    "ap4h": "Apple ProRes 4444",
    "mp4v": "MPEG-4 Part 2",
    "vvc1": "VVC (H.266)",
    "vvi1": "VVC (H.266)",
    "V_MPEGH/ISO/HEVC": "HEVC (H.265)",
    "V_MPEG4/ISO/AVC": "H.264",
    "V_AV1": "AV1",
    "V_VP9": "VP9",
    "V_MPEGI/ISO/VVC": "VVC (H.266)",
}
_HEADER_BYTES = 1 << 22  # an MP4/MOV index (moov) sits within the first or last 4 MiB
_AUDIO_CODES = {b"mp4a", b"ac-3", b"ec-3", b"alac", b"Opus", b"fLaC", b"sowt", b"twos", b"lpcm"}


def codec_hint(path: Path) -> str | None:
    """The video codec a file's container names, read from its header when FFmpeg has no
    decoder for it (and so no name): an MP4/MOV sample entry's fourcc, a Matroska codec ID
    or an AVI stream's fourcc; None when none is found."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEADER_BYTES)
            size = fh.seek(0, 2)
            fh.seek(max(len(head), size - _HEADER_BYTES))
            data = head + fh.read(_HEADER_BYTES)
    except OSError:
        return None
    codes: list[str] = []
    at = data.find(b"stsd")
    while at >= 0:  # MP4/MOV: 'stsd' version/flags, count, entry size, then the fourcc
        raw = data[at + 16 : at + 20]
        if len(raw) == 4 and raw not in _AUDIO_CODES and raw.isascii() and raw.isalnum():
            codes.append(raw.decode("ascii"))
        at = data.find(b"stsd", at + 4)
    codes += [m.decode("ascii") for m in re.findall(rb"V_[A-Z0-9/_.]{2,30}", data)]
    at = data.find(b"strhvids")  # AVI: the video stream header's handler fourcc
    if at >= 0 and data[at + 8 : at + 12].isascii():
        codes.append(data[at + 8 : at + 12].decode("ascii", "replace"))
    if not codes:
        return None
    name = _CODEC_NAMES.get(codes[0])
    return f"{name} ({codes[0]!r})" if name else repr(codes[0])
