"""Streaming video reading with PyAV (FFmpeg): probe files, plan a night, stream its frames.

- :func:`video_probe` opens one file and describes its video stream (:class:`VideoInfo`);
  it decodes the first picture, so a file that probes fine has at least one frame.
- :func:`night_plan` places the segment files a monitor writes per night on one timeline
  (:class:`detector.track.Segment`), ordered by container ``creation_time``, else by a
  timestamp in the file name, else by the date and time in the folder and file names as
  SD-card cameras write them (:func:`detector.sdcard.path_clock_time`), else in the order given.
- :func:`night_frames` streams the frames of a night (or of one time chunk of it) with real
  presentation timestamps in seconds from the night's first frame, upright, the luma plane
  read directly and RGB converted only on request.

Rotation: ``rotation_deg`` is the counter-clockwise angle (0, 90, 180, 270) the decoded
picture is turned to show it upright, as FFmpeg's display matrix says (``ffprobe`` prints the
same number as ``rotation``; PyAV reads it per frame as ``VideoFrame.rotation``). The legacy
``rotate`` stream tag is clockwise and is converted. Flips in a display matrix are ignored.
"""

from __future__ import annotations

import errno
import logging
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import numpy as np

from detector.codec import codec_hint
from detector.errors import NotAVideoError, NoVideoStreamError, SegmentOrderError
from detector.files import file_name_time, file_sha256
from detector.sdcard import path_clock_time
from detector.track import Segment

__all__ = [
    "MAX_FRAME_PIXELS",
    "MIN_FRAME_SIDE_PX",
    "VideoInfo",
    "Frame",
    "video_probe",
    "night_plan",
    "night_frames",
    "video_decode_threads",
]

logger = logging.getLogger(__name__)

#: Segment start times from metadata or file names have 1 s resolution: overlaps up to this
#: are rounding, and the later file is placed right after the earlier one.
_OVERLAP_TOLERANCE_S = 1.0
#: Seek this far before a chunk start, so frames shown before their keyframe's decode time
#: (B-frames) are not missed; frames before the chunk start are decoded and dropped.
_SEEK_MARGIN_S = 1.0
_AV_ERRORS = (av.FFmpegError, OSError, ValueError)
#: Largest frame legmove decodes: 4096 x 4096 (16.8 megapixels) covers 4K UHD and DCI 4K
#: monitors with room to spare. One upright RGB copy of such a frame is 48 MiB; far larger
#: frames (8000 x 6000 is 48 megapixels) would multiply the memory of every stage.
MAX_FRAME_PIXELS = 4096 * 4096
#: smallest frame side legmove accepts (a baby's legs need more pixels than that to be seen)
MIN_FRAME_SIDE_PX = 32


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`video_probe` found out about one video file."""

    path: Path
    width: int  # upright size: after rotation metadata is applied
    height: int
    fps: float  # nominal / average frame rate
    duration_s: float
    n_frames_est: int
    codec: str
    rotation_deg: int  # counter-clockwise turn to show upright: 0, 90, 180 or 270
    creation_time: datetime | None  # from container metadata, timezone-aware
    is_gray: bool  # no chroma in the pixel format, or flat chroma (infrared)


@dataclass(eq=False)
class Frame:
    """One decoded frame of the night, upright."""

    index: int  # frame number in the night (see night_frames)
    t_s: float  # seconds from the night's first frame (real PTS, segment offsets applied)
    segment: int  # index of the segment file in the sequence given to night_frames
    gray: np.ndarray  # uint8 (H, W) luma plane, upright
    _av: Any = field(default=None, repr=False)  # the decoded av.VideoFrame, for rgb()
    _rot_k: int = field(default=0, repr=False)  # np.rot90 turns applied to make it upright

    def rgb(self) -> np.ndarray:
        """uint8 (H, W, 3) upright RGB, converted from the decoded picture on each call."""
        if self._av is None:
            return np.repeat(self.gray[:, :, None], 3, axis=2)
        rgb = self._av.to_ndarray(format="rgb24")
        return np.ascontiguousarray(np.rot90(rgb, self._rot_k)) if self._rot_k else rgb


# --- probing ------------------------------------------------------------------------------
def _check_file(path: Path) -> None:
    if not path.exists():
        if path.is_symlink():  # a link to nowhere, or round in a loop
            try:
                path.stat()
                why = "cannot be followed"
            except OSError as exc:
                why = "goes round in a loop" if exc.errno == errno.ELOOP else "points to no file"
            link = f"give the video file itself, or fix the link (to {os.readlink(path)})"
            raise NotAVideoError(path, f"is a symbolic link that {why}", link)
        raise NotAVideoError(path, "no such file", "check the path and the file name")
    if path.is_dir():
        raise NotAVideoError(path, "is a folder, not a video file", "give the video files in it")
    if path.stat().st_size == 0:
        raise NotAVideoError(
            path, "the file is empty (0 bytes)", "the recording failed or was not copied fully"
        )


def _open(path: Path) -> tuple[Any, Any]:
    """Open ``path`` with FFmpeg and return ``(container, video_stream)``; raise VideoError."""
    _check_file(path)
    try:
        container = av.open(str(path))
    except _AV_ERRORS as exc:
        raise NotAVideoError(path, *_open_failure(path, exc)) from exc
    fmt = container.format.name
    if fmt.endswith("_pipe") or fmt == "image2":
        container.close()
        raise NotAVideoError(
            path, f"is a still image ({fmt.removesuffix('_pipe')}), not a video", "give the video"
        )
    if fmt == "gif":
        container.close()
        raise NotAVideoError(
            path,
            "is an animated GIF image, not a video recording",
            "give the camera's video file (e.g. .mp4, .mkv, .avi)",
        )
    pic = av.stream.Disposition.attached_pic
    videos = [s for s in container.streams.video if not s.disposition & pic]
    if videos and all(s.codec_context is None for s in videos):  # no decoder for its codec
        container.close()
        codec = codec_hint(path)
        what = (
            f"its video is in the {codec} format, which this FFmpeg cannot decode"
            if codec
            else "its video stream is in a format FFmpeg cannot decode (unknown or damaged codec)"
        )
        raise NotAVideoError(
            path,
            what,
            'convert it to H.264 (.mp4): on a phone choose the camera\'s "Most Compatible" '
            "format, elsewhere e.g. ffmpeg -i IN -c:v libx264 OUT.mp4; or check that the "
            "file was copied completely",
        )
    videos = [s for s in videos if s.codec_context is not None]
    if not videos:
        kinds = sorted({s.type for s in container.streams})
        container.close()
        if "audio" in kinds:
            raise NoVideoStreamError(
                path, "holds only sound, no video stream", "give the video file of the recording"
            )
        problem, advice = _open_failure(path, None)
        raise NotAVideoError(path, problem, advice)
    return container, videos[0]


def _check_size(path: Path, width: int, height: int) -> None:
    """Refuse frames larger than :data:`MAX_FRAME_PIXELS` before decoding them, and frames
    with a side under :data:`MIN_FRAME_SIDE_PX`."""
    if 0 < min(width, height) < MIN_FRAME_SIDE_PX:
        raise NotAVideoError(
            path,
            f"frame size {width}x{height} is too small to show a baby's legs (at least "
            f"{MIN_FRAME_SIDE_PX}x{MIN_FRAME_SIDE_PX} pixels)",
            "give the camera's recording itself, not a thumbnail or preview",
        )
    if width * height > MAX_FRAME_PIXELS:
        raise NotAVideoError(
            path,
            f"frame size {width}x{height} ({width * height / 1e6:.0f} megapixels) is larger "
            f"than legmove handles ({MAX_FRAME_PIXELS / 1e6:.1f} megapixels, e.g. 4096x4096)",
            "make a smaller copy first, e.g. ffmpeg -i IN -vf scale=1920:-2 OUT.mp4",
        )


def _open_failure(path: Path, exc: BaseException | None) -> tuple[str, str]:
    reason = (getattr(exc, "strerror", None) or str(exc)) if exc else "no video stream in it"
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError:
        return f"cannot be read ({reason})", "check that the file is readable by you"
    if head[4:8] == b"ftyp":
        return (
            f"MP4 file without its index (moov atom) or otherwise damaged ({reason})",
            "the recording was probably interrupted before the file was finished; a repair "
            "tool such as untrunc can rebuild it from an intact file of the same camera",
        )
    return (
        f"not a video file FFmpeg can read ({reason})",
        "check that it is a video (e.g. .mp4, .mkv, .avi) and was copied completely",
    )


def _rotation_tag(stream: Any) -> int:
    """Counter-clockwise rotation from the legacy clockwise ``rotate`` stream tag, or 0."""
    tags = {key.lower(): value for key, value in stream.metadata.items()}
    try:
        return _quarter(-float(tags.get("rotate", 0)))
    except ValueError:
        return 0


def _quarter(deg: float) -> int:
    return int(round(deg / 90.0)) % 4 * 90


def _frame_rotation(frame: Any, tag_deg: int) -> int:
    rot = frame.rotation
    return _quarter(rot) if rot else tag_deg


def _creation_time(container: Any, stream: Any) -> datetime | None:
    text = container.metadata.get("creation_time") or stream.metadata.get("creation_time")
    if not text:
        return None
    try:
        when = datetime.fromisoformat(str(text).strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when if when.year >= 1990 else None  # 1904/1970 mean "not set"


def _is_gray(frame: Any) -> bool:
    if not any(c.is_chroma for c in frame.format.components) and not frame.format.is_rgb:
        return True
    yuv = frame.reformat(format="yuv420p")
    for plane in (yuv.planes[1], yuv.planes[2]):
        chroma = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        if float(chroma[:, : plane.width].std()) > 2.0:
            return False
    return True


def _duration_s(container: Any, stream: Any) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return float(container.duration or 0) / av.time_base


def _fps(stream: Any) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 0.0


def _first_frame(container: Any, stream: Any, max_packets: int = 600) -> Any:
    packets = container.demux(stream)
    for _ in range(max_packets + 1):
        try:
            packet = next(packets)
        except (StopIteration, av.FFmpegError):  # end, or damage before any picture
            return None
        try:
            frames = stream.decode(packet)
        except av.FFmpegError:
            frames = []
        if frames:
            return frames[0]
    return None


def video_probe(path: str | Path) -> VideoInfo:
    """Describe the video stream of ``path``; raise NotAVideoError / NoVideoStreamError."""
    path = Path(path)
    container, stream = _open(path)
    with container:
        duration_s, fps = _duration_s(container, stream), _fps(stream)
        n_est = int(stream.frames) if stream.frames else int(round(duration_s * fps))
        codec = stream.codec_context.name
        created = _creation_time(container, stream)
        tag = _rotation_tag(stream)
        _check_size(path, int(stream.codec_context.width), int(stream.codec_context.height))
        frame = _first_frame(container, stream)
        if frame is None:
            raise NotAVideoError(
                path, "no picture in it could be decoded", "the file is damaged; try another copy"
            )
        rotation = _frame_rotation(frame, tag)
        w, h = int(frame.width), int(frame.height)
        _check_size(path, w, h)
        gray = _is_gray(frame)
    if rotation in (90, 270):
        w, h = h, w
    return VideoInfo(path, w, h, fps, duration_s, n_est, codec, rotation, created, gray)


# --- the night plan -----------------------------------------------------------------------
def _place(infos: list[VideoInfo], starts: list[datetime]) -> list[tuple[VideoInfo, float]]:
    """Order files by absolute start, keep gaps, raise SegmentOrderError on overlaps."""
    order = sorted(range(len(infos)), key=lambda i: starts[i])
    t0 = starts[order[0]]
    placed: list[tuple[VideoInfo, float]] = []
    for i in order:
        start = (starts[i] - t0).total_seconds()
        if placed:
            prev, prev_start = placed[-1]
            prev_end = prev_start + prev.duration_s
            overlap = prev_end - start
            if overlap > _OVERLAP_TOLERANCE_S:
                raise SegmentOrderError(
                    infos[i].path,
                    f"starts {overlap:.1f} s before the end of {prev.path.name} "
                    "— the two files overlap in time",
                    "give each recording once, and only files of one night",
                )
            start = max(start, prev_end)
        placed.append((infos[i], start))
    return placed


def night_plan(paths: Sequence[str | Path]) -> list[Segment]:
    """Probe every file and place it on one night timeline, in time order (see module doc)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    if not paths:
        raise ValueError("night_plan needs at least one video file")
    infos = [video_probe(p) for p in paths]
    if len({(i.width, i.height) for i in infos}) > 1:
        logger.warning("segment files of one night differ in frame size: %s", infos)
    hashes = [file_sha256(info.path) for info in infos]
    for i, digest in enumerate(hashes):
        if digest in hashes[:i]:
            first = infos[hashes.index(digest)].path
            raise SegmentOrderError(
                infos[i].path,
                f"is the same recording as {first.name} (identical content)",
                "give each file once",
            )
    sources: list[tuple[str, list[datetime | None]]] = [
        ("container creation_time", [i.creation_time for i in infos]),
        ("time in the file name", [file_name_time(i.path) for i in infos]),
        ("time in the folder and file names", [path_clock_time(i.path) for i in infos]),
    ]
    placed: list[tuple[VideoInfo, float]] | None = None
    first_error: SegmentOrderError | None = None
    for label, times in sources:
        if len(infos) > 1 and all(t is not None for t in times):
            try:
                placed = _place(infos, [t for t in times if t is not None])
            except SegmentOrderError as exc:
                first_error = first_error or exc
                continue
            logger.info("ordered %d segment files by %s", len(infos), label)
            break
    if placed is None:
        if first_error is not None:
            raise first_error
        placed, t = [], 0.0
        for info in infos:  # no absolute times: back to back in the order given
            placed.append((info, t))
            t += info.duration_s
    by_path = {info.path: h for info, h in zip(infos, hashes, strict=True)}
    return [
        Segment(
            path=str(info.path.resolve()),
            start_s=start,
            end_s=start + info.duration_s,
            n_frames=info.n_frames_est,
            size_bytes=info.path.stat().st_size,
            sha256=by_path[info.path],
        )
        for info, start in placed
    ]


_DECODE_THREADS = 0  # FFmpeg decoder threads per file; 0: FFmpeg picks (about one per core)


def video_decode_threads(n: int) -> None:
    """Decode with ``n`` threads in this process from now on (0: FFmpeg picks).

    A pool running one process per core sets 1: FFmpeg's frame threads then only contend
    with the other processes, and one thread spends about 15 % less CPU on the same frames
    (measured on 720p H.264 on this project's 2-core machine). The frames are the same.
    """
    global _DECODE_THREADS
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"decode threads must be an integer >= 0, got {n!r}")
    _DECODE_THREADS = n


# --- streaming frames ---------------------------------------------------------------------
def _luma(frame: Any) -> np.ndarray:
    """The Y plane as uint8 (H, W), read without colour conversion where the format allows."""
    fmt = frame.format
    y = fmt.components[0]
    on_plane0 = sum(1 for c in fmt.components if c.plane == 0)
    if y.is_luma and y.plane == 0 and on_plane0 == 1 and not fmt.is_rgb:
        plane = frame.planes[0]
        if y.bits == 8:
            rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
            return rows[:, : plane.width]
        if 8 < y.bits <= 16:
            dtype = ">u2" if fmt.is_big_endian else "<u2"
            rows16 = np.frombuffer(plane, dtype).reshape(plane.height, plane.line_size // 2)
            return (rows16[:, : plane.width] >> (y.bits - 8)).astype(np.uint8)
    out: np.ndarray = frame.to_ndarray(format="gray")
    return out


@dataclass
class _Cursor:
    """State carried across segment files during one night_frames call."""

    last_t: float = -math.inf
    last_index: int = -1


def _packets_before(stream: Any, dts: int | None) -> int | None:
    """How many packets precede the one with ``dts`` — exact only with a complete index."""
    entries = stream.index_entries
    if dts is None or not stream.frames or len(entries) != stream.frames:
        return None
    i = entries.search_timestamp(dts, backward=True, any_frame=True)
    return i if 0 <= i < len(entries) and entries[i].timestamp == dts else None


def _segment_frames(
    seg: Segment,
    k: int,
    base: int,
    lo_s: float,
    hi_s: float,
    cursor: _Cursor,
    report: Callable[[str], None],
) -> Iterator[Frame]:
    path = Path(seg.path)
    name = path.name
    container, stream = _open(path)
    with container:
        if _DECODE_THREADS == 1:
            stream.thread_count = 1  # one thread: see video_decode_threads
        else:
            stream.thread_type = "AUTO"
            stream.thread_count = _DECODE_THREADS
        tb = stream.time_base
        t0 = int(stream.start_time or 0)
        fps, expected_s = _fps(stream), _duration_s(container, stream)
        tag = _rotation_tag(stream)
        local_lo = lo_s - seg.start_s
        sought = local_lo > _SEEK_MARGIN_S
        if sought:
            target = t0 + int((local_lo - _SEEK_MARGIN_S) / tb)
            try:
                container.seek(target, stream=stream, backward=True, any_frame=False)
            except av.FFmpegError:  # cannot seek: decode from the start and drop
                sought = False
        pos: int | None = None if sought else 0
        pos_checked = not sought
        last_local: float | None = None
        n_out = bad_packets = corrupt = dups = 0
        at_eof = broken = False
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                at_eof = True
                break
            except av.FFmpegError:
                broken = True
                break
            if not pos_checked and packet.dts is not None:
                pos, pos_checked = _packets_before(stream, packet.dts), True
            try:
                decoded = stream.decode(packet)
            except av.FFmpegError:
                bad_packets += 1
                continue
            stop = False
            for fr in decoded:
                if fr.pts is not None:
                    local = float((fr.pts - t0) * tb)
                elif last_local is not None and fps:
                    local = last_local + 1.0 / fps
                else:
                    continue
                if pos is None:
                    pos = max(0, int(round(local * fps)))
                index, pos = base + pos, pos + 1
                last_local = local
                t = seg.start_s + local
                if t < lo_s:
                    continue
                if t >= hi_s:
                    stop = True
                    break
                if fr.is_corrupt:
                    corrupt += 1
                    continue
                _check_size(path, fr.width, fr.height)
                if t <= cursor.last_t:
                    dups += 1
                    continue
                index = max(index, cursor.last_index + 1)
                cursor.last_t, cursor.last_index = t, index
                n_out += 1
                rot_k = _frame_rotation(fr, tag) // 90
                gray = _luma(fr)
                gray = np.ascontiguousarray(np.rot90(gray, rot_k) if rot_k else gray)
                yield Frame(index, t, k, gray, fr, rot_k)
            if stop:
                break
        if bad_packets or corrupt:
            report(
                f"{name}: {bad_packets + corrupt} damaged frame(s) skipped "
                "— analysed past them where FFmpeg could"
            )
        if dups:
            report(
                f"{name}: {dups} frame(s) dropped whose timestamps did not increase "
                "(duplicate or backwards PTS)"
            )
    if n_out == 0 and not sought and last_local is None:
        raise NotAVideoError(path, "no picture in it could be decoded", "the file is damaged")
    if broken or at_eof:
        frame_s = 1.0 / fps if fps else 0.0
        end_local = (last_local + frame_s) if last_local is not None else local_lo
        if broken or expected_s - end_local > max(1.5 * frame_s, 0.5):
            if last_local is None:
                report(f"{name}: truncated before {local_lo:.1f} s — nothing to analyse there")
            else:
                report(f"{name}: truncated at {end_local:.1f} s — analysed up to there")


def night_frames(
    segments: Sequence[Segment],
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    on_issue: Callable[[str], None] | None = None,
) -> Iterator[Frame]:
    """Stream the frames with ``start_s <= t_s < end_s`` of a night, in time order.

    ``Frame.index`` is the frame's number in the night: the frame counts of the earlier
    segment files plus its position in its own file. A chunk decode (``start_s`` > 0) finds
    that position from the container's sample index (exact for intact MP4/MOV) or else from
    the time and the nominal frame rate, so chunks and a whole-night pass agree on intact
    files. Indices always increase; use ``t_s`` as the key when joining chunks.

    Truncated or damaged files are decoded as far as possible and reported through
    ``on_issue`` (a message naming the file); a file of which nothing decodes raises
    :class:`NotAVideoError`. Frames whose timestamps do not increase are dropped and reported.
    """
    if not segments:
        raise ValueError("night_frames needs at least one segment (see night_plan)")
    if not math.isfinite(start_s) or start_s < 0:
        raise ValueError(f"start_s must be a finite time >= 0 s, got {start_s}")
    hi_s = math.inf if end_s is None else float(end_s)
    if hi_s < start_s:
        raise ValueError(f"end_s ({end_s}) must not be before start_s ({start_s})")

    def report(msg: str) -> None:
        if on_issue is None:
            logger.warning(msg)
        else:
            logger.info(msg)
            on_issue(msg)

    order = sorted(range(len(segments)), key=lambda i: segments[i].start_s)
    cursor = _Cursor()
    base = 0
    for k in order:
        seg = segments[k]
        seg_base, base = base, base + max(int(seg.n_frames), 0)
        if seg.start_s >= hi_s:
            break
        if seg.end_s + _SEEK_MARGIN_S <= start_s:  # margin: a header may understate length
            continue
        yield from _segment_frames(seg, k, seg_base, start_s, hi_s, cursor, report)
