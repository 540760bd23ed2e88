"""Phone-like copies of the real kicking clip: HEVC, turned to portrait by a display matrix,
at a variable frame rate — what an iPhone writes. Import as ``tests.helpers.phone``."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.helpers.real import REAL

__all__ = ["phone_clip"]

_MS = Fraction(1, 1000)


def phone_clip(dst: Path, seconds: float = 20.0, *, drop_every: int = 9, seed: int = 0) -> Path:
    """The first ``seconds`` of the real kicking clip as an iPhone-like file at ``dst``:
    HEVC (libx265), stored landscape with a display matrix of +90 degrees as a phone held
    upright writes it, so the upright picture is portrait (240 x 320) with the baby lying
    across it; timestamps in ms with a +-4 ms jitter and every ``drop_every``-th frame
    dropped (variable frame rate).
    Skips the test when the shared data set is absent."""
    src_path = REAL / "infant_supine_kicking.mp4"
    if not src_path.is_file():
        pytest.skip(
            f"{src_path} absent: the shared real-video data set is not beside this checkout"
        )
    rng = np.random.default_rng(seed)
    with av.open(str(src_path)) as src, av.open(str(dst), "w") as out:
        vin = src.streams.video[0]
        st = out.add_stream("libx265", rate=Fraction(vin.average_rate or 15))
        st.width, st.height, st.pix_fmt = vin.width, vin.height, "yuv420p"
        st.options = {"preset": "ultrafast", "crf": "24", "x265-params": "log-level=error"}
        st.codec_context.time_base = _MS
        st.set_display_rotation(90)  # shown turned a quarter counter-clockwise: portrait
        tb = vin.time_base
        last = -1
        for i, frame in enumerate(src.decode(vin)):
            t = float(frame.pts * tb)
            if t >= seconds:
                break
            if drop_every and i % drop_every == drop_every - 1:
                continue
            new = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
            pts = max(last + 1, int(round(t * 1000 + rng.uniform(-4, 4))))
            new.pts, new.time_base, last = pts, _MS, pts
            for packet in st.encode(new):
                out.mux(packet)
        for packet in st.encode():
            out.mux(packet)
    return dst
