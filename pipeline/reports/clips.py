"""Review clips: a few seconds of the night around an episode, as an mp4 a browser plays.

:func:`clip_render` decodes the frames between two times of a night (all segment files on
one timeline, :func:`detector.video.night_frames`), optionally draws the tracked
hip–knee–ankle lines of each leg from the saved :class:`~detector.track.NightTrack`, blurs
the baby's face by default (found from the nose and shoulder keypoints), and writes an
H.264 / yuv420p mp4 with its index at the front (``+faststart``), so browsers play it
while it loads.

:func:`clip_cached` is what the dashboard calls: the clip for one episode, rendered once
into a cache folder and reused, named by everything that changes the picture (the source
files' checksums, the times, the drawing options).

Face blur: the face box is centred on the nose, or above the mid-shoulder point when the
nose is not seen, and sized from the shoulder width (else from the frame). Frames without
a usable keypoint take the nearest known position in the clip; when nothing in the clip
locates the face, the whole picture is blurred, so a clip shared with a clinician never
shows a face unless the parent asked to keep it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from detector.track import NightTrack, Segment, track_load
from detector.video import night_frames
from pipeline.scoring.identity import legs_by_continuity

__all__ = [
    "ClipOptions",
    "NightTrack",
    "clip_render",
    "clip_cached",
    "clip_name",
    "clip_track",
    "LEG_CHAINS",
]

logger = logging.getLogger(__name__)

#: the keypoint chains drawn per leg: (side, (hip, knee, ankle))
LEG_CHAINS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    ("left", ("left_hip", "left_knee", "left_ankle")),
    ("right", ("right_hip", "right_knee", "right_ankle")),
)
#: RGB colours of the drawn legs (left orange, right blue: tell apart for most colour vision)
_LEG_RGB = {"left": (255, 140, 0), "right": (40, 150, 255)}
_MS = Fraction(1, 1000)
_CLIP_FORMAT = 2  # bump when the rendering changes, so cached clips are made again


@dataclass(frozen=True)
class ClipOptions:
    """How a review clip is drawn.

    ``skeleton`` draws the hip–knee–ankle lines; ``blur_face`` hides the face (default);
    ``max_width_px`` scales larger pictures down (smaller files, faster rendering);
    ``min_visibility`` is the keypoint visibility below which a point is not drawn;
    ``crf`` the H.264 quality (lower is better); ``wall_clock_start`` labels frames with the
    clock time instead of the time since the recording started.
    """

    skeleton: bool = True
    blur_face: bool = True
    max_width_px: int = 960
    min_visibility: float = 0.5
    crf: int = 23
    #: clock time of the night's first frame: frames are labelled 21:14:05 instead of +1:02:03
    wall_clock_start: datetime | None = None

    def __post_init__(self) -> None:
        if self.max_width_px < 64:
            raise ValueError(f"max_width_px must be at least 64, got {self.max_width_px}")
        if not 0.0 <= self.min_visibility <= 1.0:
            raise ValueError(f"min_visibility must lie in 0..1, got {self.min_visibility}")
        if not 0 <= self.crf <= 51:
            raise ValueError(f"crf must lie in 0..51, got {self.crf}")


def _nearest_index(t_track: np.ndarray, t: float) -> int:
    i = int(np.searchsorted(t_track, t))
    if i <= 0:
        return 0
    if i >= len(t_track):
        return len(t_track) - 1
    return i if t_track[i] - t < t - t_track[i - 1] else i - 1


def _point(track: NightTrack, i: int, name: str, min_vis: float) -> np.ndarray | None:
    if name not in track.keypoint_names:
        return None
    k = track.keypoint_names.index(name)
    p = track.keypoints_px[i, k]
    if not np.all(np.isfinite(p)) or track.visibility[i, k] < min_vis:
        return None
    return p.astype(np.float64)


def _face_box(
    track: NightTrack, i: int, min_vis: float, size: tuple[int, int]
) -> tuple[float, float, float] | None:
    """(centre x, centre y, half size) of the face in track pixels at frame ``i``, or None."""
    nose = _point(track, i, "nose", min_vis)
    ls = _point(track, i, "left_shoulder", min_vis)
    rs = _point(track, i, "right_shoulder", min_vis)
    w, h = size
    half = 0.12 * min(w, h)
    if ls is not None and rs is not None:
        half = max(half, 0.75 * float(np.linalg.norm(ls - rs)))
    if nose is not None:
        return float(nose[0]), float(nose[1]), half
    if ls is not None and rs is not None:
        mid = (ls + rs) / 2
        across = rs - ls
        # the head lies beside the shoulder line, away from the hips
        hips = [
            p for n in ("left_hip", "right_hip") if (p := _point(track, i, n, min_vis)) is not None
        ]
        if hips:
            away = mid - np.mean(hips, axis=0)
            norm = float(np.linalg.norm(away))
            up = away / norm if norm > 1e-6 else np.array([0.0, -1.0])
        else:
            up = np.array([across[1], -across[0]]) / (float(np.linalg.norm(across)) + 1e-9)
            if up[1] > 0:
                up = -up
        centre = mid + up * 0.6 * float(np.linalg.norm(across))
        return float(centre[0]), float(centre[1]), half
    return None


def _blur_region(img: np.ndarray, cx: float, cy: float, half: float) -> None:
    h, w = img.shape[:2]
    x0, x1 = max(0, int(cx - half)), min(w, int(math.ceil(cx + half)))
    y0, y1 = max(0, int(cy - half)), min(h, int(math.ceil(cy + half)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    img[y0:y1, x0:x1] = _blur(img[y0:y1, x0:x1])


def _blur(img: np.ndarray) -> np.ndarray:
    """Strong blur: pixelate then smooth, so no facial detail survives."""
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(1, w // 12), max(1, h // 12)), interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    k = max(3, (min(w, h) // 8) | 1)
    out: np.ndarray = cv2.GaussianBlur(big, (k, k), 0)
    return out


def _draw_legs(
    img: np.ndarray, track: NightTrack, i: int, scale: tuple[float, float], min_vis: float
) -> None:
    sx, sy = scale
    thick = max(2, int(round(img.shape[1] / 240)))
    for side, chain in LEG_CHAINS:
        colour = _LEG_RGB[side]
        pts = [_point(track, i, n, min_vis) for n in chain]
        xy = [None if p is None else (int(round(p[0] * sx)), int(round(p[1] * sy))) for p in pts]
        for a, b in zip(xy[:-1], xy[1:], strict=True):
            if a is not None and b is not None:
                cv2.line(img, a, b, colour, thick, cv2.LINE_AA)
        for p in xy:
            if p is not None:
                cv2.circle(img, p, thick + 2, colour, -1, cv2.LINE_AA)
                cv2.circle(img, p, thick + 2, (255, 255, 255), 1, cv2.LINE_AA)


def _label(img: np.ndarray, text: str) -> None:
    scale = max(0.4, img.shape[1] / 1400)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.rectangle(img, (4, 4), (12 + tw, 12 + th + base), (0, 0, 0), -1)
    cv2.putText(
        img, text, (8, 8 + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA
    )


def _fmt_t(t_s: float, start: datetime | None = None) -> str:
    if start is not None:
        return (start + timedelta(seconds=t_s)).strftime("%H:%M:%S")
    t = int(t_s)
    return f"+{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d}"


def _even(n: int) -> int:
    return max(2, n - n % 2)


def clip_render(
    segments: Sequence[Segment],
    start_s: float,
    end_s: float,
    out_path: str | Path,
    *,
    track: NightTrack | None = None,
    options: ClipOptions | None = None,
) -> Path:
    """Render the night's video from ``start_s`` to ``end_s`` into an H.264 mp4 at ``out_path``.

    ``track`` supplies the keypoints for the leg lines and the face position; without it no
    lines are drawn and, when ``options.blur_face``, the whole picture is blurred. Times are
    seconds from the night's first frame. Frames are streamed (one in memory at a time).
    Written atomically; returns ``out_path``. Raises ``ValueError`` for an empty time range
    or a range without frames, :class:`detector.errors.VideoError` when the video cannot be
    read.
    """
    opts = options or ClipOptions()
    if not (math.isfinite(start_s) and math.isfinite(end_s)) or end_s <= start_s:
        raise ValueError(f"a clip needs start_s < end_s, got {start_s}..{end_s}")
    start_s = max(0.0, start_s)
    faces = _FaceFinder(track, start_s, end_s, opts) if opts.blur_face else None
    if faces is not None and not faces.known:
        logger.info(
            "clip %.1f-%.1f s: face position unknown, whole picture blurred", start_s, end_s
        )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # not detector.atomic.atomic_write: the +faststart pass reopens the file by its name
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    try:
        with av.open(tmp_name, "w", format="mp4", options={"movflags": "+faststart"}) as out:
            n = _encode(out, segments, start_s, end_s, track, faces, opts)
        if n == 0:
            raise ValueError(
                f"no video frames between {start_s:.1f} s and {end_s:.1f} s of this night"
            )
        os.replace(tmp_name, out_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return out_path


class _FaceFinder:
    """Face boxes (track pixels) at the track samples of a clip, nearest known one per time."""

    def __init__(
        self, track: NightTrack | None, start_s: float, end_s: float, opts: ClipOptions
    ) -> None:
        self.t = np.zeros(0)
        self.boxes: list[tuple[float, float, float]] = []
        if track is None or not track.n_frames:
            return
        lo = int(np.searchsorted(track.t_s, start_s - 1.0))
        hi = int(np.searchsorted(track.t_s, end_s + 1.0))
        times = []
        for i in range(lo, hi):
            box = _face_box(track, i, opts.min_visibility, track.frame_size)
            if box is not None:
                times.append(float(track.t_s[i]))
                self.boxes.append(box)
        self.t = np.asarray(times)

    @property
    def known(self) -> bool:
        return bool(self.boxes)

    def at(self, t_s: float) -> tuple[float, float, float] | None:
        if not self.boxes:
            return None
        return self.boxes[_nearest_index(self.t, t_s)]


def _encode(
    out: av.container.OutputContainer,
    segments: Sequence[Segment],
    start_s: float,
    end_s: float,
    track: NightTrack | None,
    faces: _FaceFinder | None,
    opts: ClipOptions,
) -> int:
    """Stream the frames into ``out``; return how many were written."""
    stream = None
    tol = 3.0 / track.fps if track is not None and track.fps > 0 else 0.5
    w = h = 0
    scale = 1.0
    tscale = (1.0, 1.0)
    t0 = 0.0
    last_pts = -1
    n = 0
    for fr in night_frames(segments, start_s=start_s, end_s=end_s, on_issue=logger.info):
        if stream is None:
            h0, w0 = fr.gray.shape
            scale = min(1.0, opts.max_width_px / w0)
            w, h = _even(int(round(w0 * scale))), _even(int(round(h0 * scale)))
            if track is not None:
                tscale = (w / track.frame_size[0], h / track.frame_size[1])
            stream = out.add_stream("libx264", rate=_segment_rate(segments, fr.segment))
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.codec_context.time_base = _MS
            stream.options = {"preset": "veryfast", "crf": str(opts.crf), "bf": "0"}
            t0 = fr.t_s
        img = fr.rgb()
        if img.shape[:2] != (h, w):
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        else:
            img = np.ascontiguousarray(img)
        if faces is not None:
            box = faces.at(fr.t_s)
            if box is None:
                img = _blur(img)
            else:
                cx, cy, half = box
                _blur_region(img, cx * tscale[0], cy * tscale[1], half * max(tscale))
        if opts.skeleton and track is not None and track.n_frames:
            i = _nearest_index(track.t_s, fr.t_s)
            if abs(track.t_s[i] - fr.t_s) <= tol:
                _draw_legs(img, track, i, tscale, opts.min_visibility)
        _label(img, _fmt_t(fr.t_s, opts.wall_clock_start))
        rgb: npt.NDArray[np.uint8] = np.asarray(img, dtype=np.uint8)
        vf = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        pts = max(last_pts + 1, int(round((fr.t_s - t0) * 1000)))
        vf.pts, vf.time_base, last_pts = pts, _MS, pts
        for packet in stream.encode(vf):
            out.mux(packet)
        n += 1
    if stream is not None:
        for packet in stream.encode():
            out.mux(packet)
    return n


def _segment_rate(segments: Sequence[Segment], k: int) -> Fraction:
    """Nominal frame rate of segment ``k`` (for the encoder's rate control; PTS stay real)."""
    seg = segments[k]
    span = seg.end_s - seg.start_s
    fps = seg.n_frames / span if seg.n_frames > 0 and span > 0 else 15.0
    return Fraction(max(1, round(fps * 1000)), 1000)


def clip_name(
    segments: Sequence[Segment], start_s: float, end_s: float, options: ClipOptions
) -> str:
    """A file name that changes whenever the clip's picture would (sources, times, options)."""
    key = hashlib.sha256()
    for s in segments:
        key.update(f"{s.path}|{s.sha256}|{s.start_s:.3f}|{s.size_bytes}\n".encode())
    key.update(
        f"{start_s:.3f}|{end_s:.3f}|{options.skeleton}|{options.blur_face}|"
        f"{options.max_width_px}|{options.min_visibility}|{options.crf}|{_CLIP_FORMAT}|"
        f"{options.wall_clock_start}".encode()
    )
    return f"clip_{int(start_s * 1000):09d}_{int(end_s * 1000):09d}_{key.hexdigest()[:16]}.mp4"


def clip_track(path: str | Path) -> NightTrack:
    """The night's saved per-frame tracks, for drawing the legs on its clips, with the legs'
    labels as the signal stage reads them (:func:`pipeline.scoring.identity.legs_by_continuity`):
    the leg drawn as the right one is the leg a right-leg movement was scored on."""
    return legs_by_continuity(track_load(path))[0]


def clip_cached(
    segments: Sequence[Segment],
    start_s: float,
    end_s: float,
    cache_dir: str | Path,
    *,
    track: NightTrack | None = None,
    options: ClipOptions | None = None,
) -> Path:
    """The clip from ``start_s`` to ``end_s``, rendered into ``cache_dir`` once and reused."""
    opts = options or ClipOptions()
    path = Path(cache_dir) / clip_name(segments, start_s, end_s, opts)
    if path.is_file() and path.stat().st_size > 0:
        return path
    return clip_render(segments, start_s, end_s, path, track=track, options=opts)
