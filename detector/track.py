"""The per-frame tracks of one night: a validated container, saved to one compact file.

A :class:`NightTrack` holds, for every decoded frame of the night (all segment
files joined on one timeline):

- ``t_s``          presentation time in seconds from the night's first frame (N,)
- ``keypoints_px`` keypoint positions in pixels of the upright frame (N, K, 2);
                   NaN where no pose is known for that frame
- ``visibility``   the pose model's per-keypoint visibility in 0..1 (N, K); 0 where unknown
- ``pose_ran``     True where the pose model was run on that frame (N,)
- ``motion``       motion energy per region (N, R): mean absolute grey-level change
                   between consecutive frames (0..1), for the regions in ``motion_regions``
- ``channels``     further per-frame signals (N, C), named in ``channel_names``
                   (:data:`CHANNEL_NAMES` from the detector of this version): each leg
                   region's directional optical flow and the torso's, relative to the
                   background's, the background's own (camera motion), in full-frame
                   pixels per frame, and the motion energy outside the baby's body region
                   (see :class:`detector.motion.FlowMeter`); NaN where not known. Tracks
                   files written before these existed read back with none (C = 0).

plus the frame size, the source segments, the pose model and the software versions.
It is built only through its checked constructor, and saved/loaded as one
compressed ``.npz`` file (written atomically), so a night can be re-scored
without decoding the video again.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detector.atomic import atomic_write
from detector.errors import TrackFileError

__all__ = [
    "KEYPOINT_NAMES",
    "MOTION_REGIONS",
    "CHANNEL_NAMES",
    "Segment",
    "NightTrack",
    "track_load",
    "track_concat",
]

#: Keypoints legmove keeps from a pose model, in this order.
KEYPOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_shoulder",
    "right_shoulder",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)

#: Motion regions, in this order: the whole frame and a box around each leg.
MOTION_REGIONS: tuple[str, ...] = ("whole", "left_leg", "right_leg")

#: Further per-frame channels, in this order (see :class:`detector.motion.FlowMeter`).
CHANNEL_NAMES: tuple[str, ...] = (
    "flow_left_dx",
    "flow_left_dy",
    "flow_right_dx",
    "flow_right_dy",
    "flow_torso_dx",
    "flow_torso_dy",
    "flow_bg_dx",
    "flow_bg_dy",
    "motion_outside",
)

_FORMAT = "legmove-tracks"
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Segment:
    """One source video file placed on the night's timeline."""

    path: str
    start_s: float
    end_s: float
    n_frames: int
    size_bytes: int = 0
    sha256: str = ""
    issues: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "n_frames": self.n_frames,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "issues": list(self.issues),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Segment:
        return cls(
            path=str(d["path"]),
            start_s=float(d["start_s"]),
            end_s=float(d["end_s"]),
            n_frames=int(d["n_frames"]),
            size_bytes=int(d.get("size_bytes", 0)),
            sha256=str(d.get("sha256", "")),
            issues=tuple(d.get("issues", ())),
        )


@dataclass(frozen=True, eq=False)
class NightTrack:
    """Per-frame keypoints, visibility and motion of one night (see module doc)."""

    t_s: np.ndarray
    keypoints_px: np.ndarray
    visibility: np.ndarray
    pose_ran: np.ndarray
    motion: np.ndarray
    frame_size: tuple[int, int]
    segments: tuple[Segment, ...] = ()
    model: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    keypoint_names: tuple[str, ...] = KEYPOINT_NAMES
    motion_regions: tuple[str, ...] = MOTION_REGIONS
    issues: tuple[str, ...] = ()
    channels: np.ndarray | None = None
    channel_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=np.float64)
        n = t.shape[0] if t.ndim == 1 else -1
        if t.ndim != 1:
            raise ValueError(f"t_s must be 1-D, got shape {t.shape}")
        if n and not np.all(np.isfinite(t)):
            raise ValueError("t_s holds non-finite times")
        if n > 1 and np.any(np.diff(t) <= 0):
            raise ValueError("t_s must be strictly increasing (seconds from the first frame)")
        k = len(self.keypoint_names)
        kp = np.asarray(self.keypoints_px, dtype=np.float32)
        vis = np.asarray(self.visibility, dtype=np.float32)
        ran = np.asarray(self.pose_ran, dtype=bool)
        mot = np.asarray(self.motion, dtype=np.float32)
        if kp.shape != (n, k, 2):
            raise ValueError(f"keypoints_px must have shape ({n}, {k}, 2), got {kp.shape}")
        if vis.shape != (n, k):
            raise ValueError(f"visibility must have shape ({n}, {k}), got {vis.shape}")
        if ran.shape != (n,):
            raise ValueError(f"pose_ran must have shape ({n},), got {ran.shape}")
        if mot.shape != (n, len(self.motion_regions)):
            raise ValueError(
                f"motion must have shape ({n}, {len(self.motion_regions)}), got {mot.shape}"
            )
        names = tuple(self.channel_names)
        ch = (
            np.zeros((n, 0), np.float32)
            if self.channels is None
            else np.asarray(self.channels, dtype=np.float32)
        )
        if ch.shape != (n, len(names)):
            raise ValueError(f"channels must have shape ({n}, {len(names)}), got {ch.shape}")
        if len(set(names)) != len(names):
            raise ValueError(f"channel_names must be distinct, got {names}")
        if n and (np.nanmin(vis) < 0 or np.nanmax(vis) > 1):
            raise ValueError("visibility must lie in 0..1")
        w, h = (int(v) for v in self.frame_size)
        if w <= 0 or h <= 0:
            raise ValueError(f"frame_size must be positive (width, height), got {self.frame_size}")
        object.__setattr__(self, "t_s", t)
        object.__setattr__(self, "keypoints_px", kp)
        # the documented contract: visibility 0 where no keypoint is known (NaN position)
        vis = np.where(np.isfinite(kp).all(axis=2), np.nan_to_num(vis, nan=0.0), 0.0)
        object.__setattr__(self, "visibility", vis.astype(np.float32))
        object.__setattr__(self, "pose_ran", ran)
        object.__setattr__(self, "motion", mot)
        object.__setattr__(self, "frame_size", (w, h))
        object.__setattr__(self, "segments", tuple(self.segments))
        object.__setattr__(self, "keypoint_names", tuple(self.keypoint_names))
        object.__setattr__(self, "motion_regions", tuple(self.motion_regions))
        object.__setattr__(self, "issues", tuple(self.issues))
        object.__setattr__(self, "channels", ch)
        object.__setattr__(self, "channel_names", names)

    # --- convenient views -------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def duration_s(self) -> float:
        """Time from the first frame to the end of the last one (last frame lasts one period)."""
        if self.n_frames == 0:
            return 0.0
        if self.n_frames == 1:
            return 0.0
        return float(self.t_s[-1] - self.t_s[0] + np.median(np.diff(self.t_s)))

    @property
    def fps(self) -> float:
        """Median frame rate (Hz)."""
        if self.n_frames < 2:
            return 0.0
        return float(1.0 / np.median(np.diff(self.t_s)))

    def kp(self, name: str) -> np.ndarray:
        """Positions (N, 2) of one keypoint by name."""
        return self.keypoints_px[:, self.keypoint_names.index(name), :]

    def vis(self, name: str) -> np.ndarray:
        """Visibility (N,) of one keypoint by name."""
        return self.visibility[:, self.keypoint_names.index(name)]

    def motion_of(self, region: str) -> np.ndarray:
        """Motion energy (N,) of one region by name."""
        return self.motion[:, self.motion_regions.index(region)]

    def channel(self, name: str) -> np.ndarray | None:
        """Values (N,) of one further channel by name; None when the track has none of
        that name (a tracks file written before the channel existed)."""
        if name not in self.channel_names:
            return None
        return np.asarray(self.channels)[:, self.channel_names.index(name)]

    @property
    def pose_detected(self) -> np.ndarray:
        """True where a pose (any finite hip/knee/ankle) is known for the frame."""
        idx = [self.keypoint_names.index(n) for n in self.keypoint_names if n != "nose"]
        return np.isfinite(self.keypoints_px[:, idx, 0]).any(axis=1)

    def slice(self, start: int, stop: int) -> NightTrack:
        """Frames ``start:stop`` as a new track (times unchanged)."""
        return NightTrack(
            t_s=self.t_s[start:stop],
            keypoints_px=self.keypoints_px[start:stop],
            visibility=self.visibility[start:stop],
            pose_ran=self.pose_ran[start:stop],
            motion=self.motion[start:stop],
            frame_size=self.frame_size,
            segments=self.segments,
            model=self.model,
            versions=dict(self.versions),
            keypoint_names=self.keypoint_names,
            motion_regions=self.motion_regions,
            issues=self.issues,
            channels=np.asarray(self.channels)[start:stop],
            channel_names=self.channel_names,
        )

    # --- persistence -----------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "frame_size": list(self.frame_size),
            "segments": [s.to_dict() for s in self.segments],
            "model": self.model,
            "versions": dict(self.versions),
            "keypoint_names": list(self.keypoint_names),
            "motion_regions": list(self.motion_regions),
            "issues": list(self.issues),
            "channel_names": list(self.channel_names),
        }

    def save(self, path: str | Path) -> Path:
        """Write the track to ``path`` (.npz, compressed), atomically."""
        path = Path(path)
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            t_s=self.t_s,
            keypoints_px=self.keypoints_px,
            visibility=self.visibility.astype(np.float16),
            pose_ran=self.pose_ran,
            motion=self.motion,
            channels=np.asarray(self.channels),
            meta=np.frombuffer(json.dumps(self.meta()).encode("utf-8"), dtype=np.uint8),
        )
        with atomic_write(path) as fh:
            fh.write(buf.getvalue())
        return path


def track_load(path: str | Path) -> NightTrack:
    """Load a track saved by :meth:`NightTrack.save`; raise :class:`TrackFileError` if unusable."""
    path = Path(path)
    if not path.is_file():
        raise TrackFileError(f"{path}: no tracks file there — analyse the night again to make one")
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            arrays = {k: z[k] for k in ("t_s", "keypoints_px", "visibility", "pose_ran", "motion")}
            # channels came later: a file written before them has none
            channels = z["channels"] if "channels" in z.files else None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        raise TrackFileError(
            f"{path}: not a readable legmove tracks file ({exc}) — analyse the night again"
        ) from exc
    if meta.get("format") != _FORMAT or int(meta.get("format_version", 0)) > _FORMAT_VERSION:
        raise TrackFileError(
            f"{path}: tracks file format {meta.get('format')!r} v{meta.get('format_version')} "
            "is not one this legmove reads — update legmove or analyse the night again"
        )
    try:
        return NightTrack(
            t_s=arrays["t_s"],
            keypoints_px=arrays["keypoints_px"],
            visibility=arrays["visibility"].astype(np.float32),
            pose_ran=arrays["pose_ran"],
            motion=arrays["motion"],
            frame_size=tuple(meta["frame_size"]),  # type: ignore[arg-type]
            segments=tuple(Segment.from_dict(s) for s in meta.get("segments", [])),
            model=str(meta.get("model", "")),
            versions=dict(meta.get("versions", {})),
            keypoint_names=tuple(meta["keypoint_names"]),
            motion_regions=tuple(meta["motion_regions"]),
            issues=tuple(meta.get("issues", [])),
            channels=channels,
            channel_names=tuple(meta.get("channel_names", []) if channels is not None else ()),
        )
    except ValueError as exc:
        raise TrackFileError(f"{path}: tracks file is inconsistent ({exc})") from exc


def _channels_as(track: NightTrack, names: tuple[str, ...]) -> np.ndarray:
    """``track``'s channels in the order ``names``, NaN for a channel it does not have."""
    out = np.full((track.n_frames, len(names)), np.nan, dtype=np.float32)
    for k, name in enumerate(names):
        col = track.channel(name)
        if col is not None:
            out[:, k] = col
    return out


def track_concat(tracks: list[NightTrack]) -> NightTrack:
    """Join tracks already placed on one timeline (ascending, non-overlapping) into one.

    Channels are those of any of the tracks (in the first track's order, then new ones),
    NaN in a track that lacks one."""
    if not tracks:
        raise ValueError("track_concat needs at least one track")
    first = tracks[0]
    segs: list[Segment] = []
    issues: list[str] = []
    for tr in tracks:
        for s in tr.segments:
            if s not in segs:
                segs.append(s)
        issues.extend(i for i in tr.issues if i not in issues)
    names = tuple(dict.fromkeys(n for tr in tracks for n in tr.channel_names))
    return NightTrack(
        t_s=np.concatenate([t.t_s for t in tracks]),
        keypoints_px=np.concatenate([t.keypoints_px for t in tracks]),
        visibility=np.concatenate([t.visibility for t in tracks]),
        pose_ran=np.concatenate([t.pose_ran for t in tracks]),
        motion=np.concatenate([t.motion for t in tracks]),
        frame_size=first.frame_size,
        segments=tuple(segs),
        model=first.model,
        versions=dict(first.versions),
        keypoint_names=first.keypoint_names,
        motion_regions=first.motion_regions,
        issues=tuple(issues),
        channels=np.concatenate([_channels_as(t, names) for t in tracks]),
        channel_names=names,
    )
