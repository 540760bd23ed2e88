"""Live video from a network camera or a capture device, written as segment files.

:func:`stream_record` reads a camera's stream with PyAV (FFmpeg) — ``rtsp://``,
``rtsps://``, an ``http(s)://`` MPEG-TS or MJPEG stream, or a local capture device
(``/dev/videoN`` through FFmpeg's v4l2 input) — and writes its video into segment files of
about ``segment_s`` seconds, each cut at a keyframe, so every file decodes on its own:

- **No re-encoding** where the codec allows: H.264, H.265 and MPEG-4 packets are copied
  into MP4 files (``.mp4``, with the stream's own 90 kHz timestamps and a complete index,
  so a chunk of the analysis can seek into any of them exactly), MJPEG and other codecs into
  Matroska (``.mkv``). Only raw video from a capture device is encoded (H.264), as raw
  720p would take 20 MB a second. Audio is not kept.
- **Atomic files**: a segment is written under a hidden ``.NAME.partial`` name, fsynced and
  renamed when it is complete; ``on_segment`` is called with each finished
  :class:`SegmentFile`. A crash loses at most the segment in progress.
- **Time**: within one connection a frame's time is the stream's own timestamp (PTS); a
  stream without timestamps (MJPEG over HTTP) is timed by the wall clock on arrival. The
  first frame of a new connection is placed by the (monotonic) wall clock, so a drop leaves
  a gap on the timeline as long as the camera was away — no frames are invented. A stream
  whose timestamps jump (a camera that restarts its clock) is re-anchored on the wall clock
  the same way.
- **Faults**: a dropped connection (Wi-Fi, camera reboot) is reconnected with backoff
  (``backoff_s`` doubling up to ``backoff_max_s``); a source that sends nothing for
  ``give_up_s`` ends the recording (:class:`StreamEnd` says so in plain words). Less than
  ``min_free_bytes`` free on the disk stops it cleanly, keeping every finished segment.

Credentials (:class:`StreamSource` ``user``/``password``) are put into the address only
when FFmpeg opens it; every message this module makes shows the address without them
(:meth:`StreamSource.redact`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import shutil
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from detector.errors import StreamError
from detector.segment_file import MP4_CODECS, FramePackets, SegmentWriter, strip_headers

__all__ = [
    "StreamEnd",
    "StreamOptions",
    "StreamSource",
    "SegmentFile",
    "stream_describe",
    "stream_open",
    "stream_record",
    "stream_source",
]

logger = logging.getLogger(__name__)

_SCHEMES = ("rtsp", "rtsps", "http", "https")
_MS = Fraction(1, 1000)
#: a stream's timestamps may run ahead of or behind the wall clock by this much (buffering)
#: before they are taken as broken and the stream is re-anchored on the wall clock
_DRIFT_MAX_S = 30.0
#: demuxers whose timestamps are made up, not sent by the camera: timed by the wall clock
_CLOCK_FORMATS = frozenset({"mpjpeg", "mjpeg", "jpeg_pipe", "image2pipe"})
#: how often the free disk space is checked while recording
_DISK_EVERY_S = 5.0
_AV_ERRORS = (av.FFmpegError, OSError, ValueError, EOFError)


@dataclass(frozen=True)
class StreamSource:
    """Where the video comes from: ``url`` without credentials (``rtsp://host:554/path``,
    ``http://host/stream.ts``, ``/dev/video0``), and the credentials kept apart from it."""

    url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    kind: str = "rtsp"  # rtsp, http or device
    input_format: str | None = None  # FFmpeg demuxer to force (v4l2 for a device)

    def open_url(self) -> str:
        """The address FFmpeg opens: with the credentials, percent-encoded, for a network
        stream. Never log or show it (see :meth:`redact`)."""
        if self.kind == "device" or not self.user:
            return self.url
        parts = urllib.parse.urlsplit(self.url)
        auth = urllib.parse.quote(self.user, safe="")
        if self.password:
            auth += ":" + urllib.parse.quote(self.password, safe="")
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{auth}@{parts.netloc}"))

    def redact(self, text: str) -> str:
        """``text`` with the password and the address with credentials taken out."""
        text = str(text)
        secrets = [self.open_url()] if self.user else []
        if self.password:
            pw = self.password
            secrets += [urllib.parse.quote(pw, safe=""), pw]
        for s in secrets:
            if s:
                text = text.replace(s, self.url if s == secrets[0] and self.user else "***")
        return text

    def __str__(self) -> str:
        return self.url


def stream_source(text: str, user: str | None = None, password: str | None = None) -> StreamSource:
    """The :class:`StreamSource` for ``text``: an ``rtsp://``, ``rtsps://``, ``http://`` or
    ``https://`` address, or a capture device path ``/dev/videoN``. Credentials written into
    the address (``rtsp://user:pw@host/...``) are taken out of it into ``user``/``password``
    (``user``/``password`` given here win). ValueError for anything else."""
    text = str(text).strip()
    if text.startswith("/dev/"):
        if not Path(text).exists():
            raise ValueError(f"{text}: no such capture device — `ls /dev/video*` lists them")
        return StreamSource(text, kind="device", input_format="v4l2")
    parts = urllib.parse.urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES or not parts.hostname:
        raise ValueError(
            f"{_strip_auth(text)}: not a camera stream legmove can read — give an rtsp://, "
            "rtsps://, http:// or https:// address, or a capture device such as /dev/video0"
        )
    url = _strip_auth(text)
    in_user = urllib.parse.unquote(parts.username) if parts.username else None
    in_pw = urllib.parse.unquote(parts.password) if parts.password else None
    kind = "rtsp" if scheme.startswith("rtsp") else "http"
    return StreamSource(url, user or in_user, password or in_pw, kind)


def _strip_auth(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


@dataclass(frozen=True)
class StreamOptions:
    """How a stream is recorded (see the module doc)."""

    segment_s: float = 300.0  # cut a segment at the first keyframe this long after its start
    give_up_s: float = 600.0  # nothing received this long: the recording ends
    backoff_s: float = 1.0  # first wait before reconnecting ...
    backoff_max_s: float = 30.0  # ... doubling up to this
    open_timeout_s: float = 15.0  # connecting may take this long
    read_timeout_s: float = 10.0  # no packet this long: the connection is taken as dropped
    min_free_bytes: int = 500 * 1024 * 1024  # stop before the disk is this full
    transport: str = "tcp"  # RTSP over TCP: no lost UDP packets on a busy Wi-Fi

    def __post_init__(self) -> None:
        for name in ("segment_s", "give_up_s", "backoff_s", "backoff_max_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number of seconds, got {value}")
        for name in ("open_timeout_s", "read_timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if self.transport not in ("tcp", "udp"):
            raise ValueError(f"transport must be tcp or udp, got {self.transport!r}")


@dataclass(frozen=True)
class SegmentFile:
    """One finished segment file and its place on the night's timeline (seconds from the
    recording's first frame): frames ``start_s <= t < end_s``."""

    path: Path
    start_s: float
    end_s: float
    n_frames: int
    size_bytes: int
    clock_start: datetime  # wall-clock time of its first frame (timezone-aware)


@dataclass(frozen=True)
class StreamEnd:
    """Why and how a recording ended. ``reason``: ``stopped`` (asked to: Ctrl-C, SIGTERM,
    the end time), ``unreachable`` (the source sent nothing for ``give_up_s``: the stream
    ended or the camera went away), ``disk_full``, or ``ended`` (a video file read as a
    camera came to its end)."""

    reason: str
    message: str
    segments: int
    recorded_s: float
    gaps: tuple[tuple[float, float], ...]
    started: datetime | None  # wall-clock time of the first frame


def _fps(stream: Any) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 0.0


def _container_open(source: StreamSource, opts: StreamOptions) -> Any:
    """Open ``source`` with FFmpeg; raise StreamError (credentials redacted) if it fails."""
    options = {"analyzeduration": "2000000", "probesize": "5000000"}
    if source.kind == "rtsp":
        options["rtsp_transport"] = opts.transport
    elif source.kind == "device":
        options["input_format"] = "mjpeg"  # most UVC cameras: compressed, copied as it is
    try:
        try:
            container = av.open(
                source.open_url(),
                format=source.input_format,
                options=options,
                timeout=(opts.open_timeout_s, opts.read_timeout_s),
            )
        except _AV_ERRORS:
            if source.kind != "device":
                raise
            options.pop("input_format")  # a device without MJPEG: take what it gives
            container = av.open(source.url, format=source.input_format, options=options)
    except _AV_ERRORS as exc:
        raise StreamError(source.url, _reason(source, exc)) from None
    if not container.streams.video:
        container.close()
        raise StreamError(source.url, "sends no video (sound only?)", "check the address")
    return container


def _reason(source: StreamSource, exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    text = source.redact(text)
    if "401" in text or "Unauthorized" in text:
        return f"the camera refused the user name or password ({text})"
    return text


def stream_open(source: StreamSource, opts: StreamOptions | None = None) -> Any:
    """Connect to ``source`` (an open PyAV container, for :func:`stream_describe` and as
    ``opened`` for :func:`stream_record`); StreamError naming the address (without
    credentials) and what to check if it fails."""
    return _container_open(source, opts or StreamOptions())


def stream_describe(container: Any) -> str:
    """The video of an open stream in words: ``"h264 1280x720 15 fps"``."""
    s = container.streams.video[0]
    cc = s.codec_context
    return f"{cc.name} {cc.width}x{cc.height} {_fps(s):.0f} fps"


class _Recorder:
    """The state of one :func:`stream_record` call (see there)."""

    def __init__(
        self,
        source: StreamSource,
        folder: Path,
        opts: StreamOptions,
        on_segment: Callable[[SegmentFile], None],
        stop: threading.Event,
        deadline: float | None,
        on_event: Callable[[str], None],
    ) -> None:
        self.source, self.folder, self.opts = source, folder, opts
        self.on_segment, self.stop, self.deadline, self.on_event = (
            on_segment,
            stop,
            deadline,
            on_event,
        )
        self.mono0: float | None = None  # monotonic time of the night's first frame
        self.wall0: datetime | None = None
        self.last_end = 0.0  # end of the last finished segment (night seconds)
        self.segments = 0
        self.recorded_s = 0.0
        self.gaps: list[tuple[float, float]] = []
        self.writer: SegmentWriter | None = None
        self.seg_start = 0.0
        self.seg_ts0 = 0  # stream timestamp written as 0 in the current segment
        self.seg_tb: Fraction = _MS
        self.seg_max_t = 0.0
        self._last_ms = -1
        self.frame: FramePackets | None = None
        self.frame_s = 1.0 / 15
        self.last_packet = time.monotonic()
        self._disk_checked = -math.inf
        #: live, for progress: seconds of video in the segment being written
        self.current_s = 0.0

    # --- the night's clock ------------------------------------------------------------------
    def now_s(self) -> float:
        return 0.0 if self.mono0 is None else time.monotonic() - self.mono0

    def _ended(self) -> str | None:
        if self.stop.is_set():
            return "stopped"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return "stopped"
        return None

    # --- segments ---------------------------------------------------------------------------
    def _segment_open(self, istream: Any, t_s: float, ts0: int, tb: Fraction) -> None:
        assert self.wall0 is not None
        clock = datetime.fromtimestamp(self.wall0.timestamp() + t_s).astimezone()
        cc = istream.codec_context
        ext = ".mp4" if (cc.name in MP4_CODECS or cc.name == "rawvideo") else ".mkv"
        name = f"{clock:%Y%m%d-%H%M%S}{ext}"
        k = 2
        while (self.folder / name).exists():
            name, k = f"{clock:%Y%m%d-%H%M%S}-{k}{ext}", k + 1
        self.writer = SegmentWriter(self.folder, name, istream, 1.0 / self.frame_s)
        self.seg_start, self.seg_ts0, self.seg_tb, self.seg_max_t = t_s, ts0, tb, t_s
        self._last_ms = -1  # the last wall-clock timestamp written (ms from the start)

    def _segment_close(self, end_s: float) -> None:
        w, self.writer = self.writer, None
        if w is None:
            return
        if w.n_frames == 0:
            w.abort()
            return
        end_s = max(end_s, self.seg_max_t + 1e-6)
        size = w.close()
        assert self.wall0 is not None
        clock = datetime.fromtimestamp(self.wall0.timestamp() + self.seg_start, UTC)
        seg = SegmentFile(w.final, self.seg_start, end_s, w.n_frames, size, clock)
        self.last_end = end_s
        self.segments += 1
        self.recorded_s += end_s - self.seg_start
        self.current_s = 0.0
        logger.info(
            "segment %s: %.1f-%.1f s, %d frames", w.final.name, seg.start_s, end_s, w.n_frames
        )
        self.on_segment(seg)

    def _segment_abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
        self.current_s = 0.0

    def _flush_frame(self) -> None:
        f, self.frame = self.frame, None
        if f is None or self.writer is None:
            return
        if f.pts is None:  # no stream timestamps: wall clock, in ms, always increasing
            pts = max(self._last_ms + 1, round((f.t_s - self.seg_start) * 1000))
            self._last_ms = pts
            self.writer.write(f.packet(), pts, pts, _MS)
            f.t_s = self.seg_start + pts / 1000.0
        else:
            dts = None if f.dts is None else f.dts - self.seg_ts0
            self.writer.write(f.packet(), f.pts - self.seg_ts0, dts, self.seg_tb)
        self.seg_max_t = max(self.seg_max_t, f.t_s)
        self.current_s = self.seg_max_t - self.seg_start

    # --- one connection ---------------------------------------------------------------------
    def connection(self, container: Any) -> str:
        """Record from an open ``container`` until it ends; return why: ``dropped``,
        ``stopped`` or ``disk_full``. A segment file that cannot be written for another
        reason raises StreamError."""
        istream = container.streams.video[0]
        fps = _fps(istream)
        if 1.0 <= fps <= 120.0:
            self.frame_s = 1.0 / fps
        self._istream, self._tb = istream, istream.time_base or _MS
        self._anchor: tuple[int, float] | None = None  # (pts, night time) of this connection
        self._held: tuple[Any, float] | None = None  # a packet without timestamp, held back
        #: MJPEG over HTTP carries no timestamps; FFmpeg numbers its pictures at a guessed
        #: 25 fps, which would put a 15-fps camera's pictures 40 % too close together
        self._clock_timed = container.format.name in _CLOCK_FORMATS
        self._max_t = -math.inf
        packets = container.demux(istream)
        why = "dropped"
        try:
            while True:
                try:
                    packet = next(packets)
                except (StopIteration, *_AV_ERRORS):
                    break  # the end, a timeout or a broken connection: dropped
                why = self._ended() or self._disk() or ""
                if why:
                    break
                if packet.size:
                    self._take(packet)
                why = "dropped"
            if self._held is not None and why != "disk_full":
                self._take_one(*self._held)
                self._held = None
            self._flush_frame()
            self._segment_close(self.seg_max_t + self.frame_s)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                self._segment_abort()
                raise StreamError(
                    self.folder,
                    f"cannot write the recording ({exc.strerror or exc})",
                    "check the folder and the disk",
                ) from None
            self._segment_abort()
            return "disk_full"
        return why

    def _take(self, packet: Any) -> None:
        """One packet read from the stream. A packet without a timestamp is held back: when
        the next one has a timestamp it is the first part of that picture (an RTSP stream's
        very first packet may come before its timestamp is known: without it the first
        picture would be damaged), else a picture of its own, timed by the wall clock on
        arrival (MJPEG over HTTP has no timestamps at all)."""
        now = time.monotonic()
        self.last_packet = now
        if self._clock_timed:
            packet.pts = packet.dts = None
        held, self._held = self._held, None
        if packet.pts is None:
            self._held = (packet, now)
            if held is not None:
                self._take_one(*held)
            return
        if held is not None:
            joined = av.Packet(
                bytes(held[0]) + strip_headers(bytes(packet), self._istream.codec_context.name)
            )
            joined.pts, joined.dts, joined.time_base = packet.pts, packet.dts, packet.time_base
            joined.is_keyframe = bool(packet.is_keyframe or held[0].is_keyframe)
            packet = joined
        self._take_one(packet, now)

    def _take_one(self, packet: Any, now: float) -> None:
        """One picture's packet: timed, and added to the current frame."""
        if self.writer is None and not packet.is_keyframe:
            return  # wait for a picture that decodes on its own
        if self.mono0 is None:
            self.mono0, self.wall0 = now, datetime.now(UTC)
        wall_t = now - self.mono0
        jumped = False
        if packet.pts is None:  # no stream timestamps: the wall clock
            t = max(wall_t, self.last_end)
            if self.frame is not None and t <= self.frame.t_s:
                t = self.frame.t_s + 1e-3
        else:
            if self._anchor is None:
                self._anchor = (packet.pts, max(wall_t, self.last_end))
            t = self._anchor[1] + float((packet.pts - self._anchor[0]) * self._tb)
            if abs(t - wall_t) > _DRIFT_MAX_S or t < self._max_t - _DRIFT_MAX_S:
                if not packet.is_keyframe:
                    return
                logger.warning(
                    "%s: the stream's timestamps jumped; timed by the clock", self.source
                )
                jumped = True
                self._flush_frame()
                self._segment_close(self.seg_max_t + self.frame_s)
                self._anchor = (packet.pts, max(wall_t, self.last_end))
                t = self._anchor[1]
            self._max_t = max(self._max_t, t)
        if self.frame is not None and packet.pts is not None and packet.pts == self.frame.pts:
            self.frame.packets.append(packet)  # the rest of the same picture
            return
        self._flush_frame()
        if packet.is_keyframe and (
            jumped or self.writer is None or t - self.seg_start >= self.opts.segment_s
        ):
            self._segment_close(t)
            if self.segments and t - self.last_end > 2 * self.frame_s:
                self.gaps.append((self.last_end, t))
                self.on_event(f"{self.source}: receiving again; a gap of {t - self.last_end:.0f} s")
            first = packet.pts if packet.dts is None else min(packet.dts, packet.pts or packet.dts)
            self._segment_open(self._istream, t, first or 0, self._tb)
        self.frame = FramePackets(packet, t, self._istream.codec_context.name)

    def _disk(self) -> str | None:
        now = time.monotonic()
        if now - self._disk_checked < _DISK_EVERY_S:
            return None
        self._disk_checked = now
        if shutil.disk_usage(self.folder).free < self.opts.min_free_bytes:
            return "disk_full"
        return None


def stream_record(
    source: StreamSource,
    folder: str | Path,
    *,
    options: StreamOptions | None = None,
    on_segment: Callable[[SegmentFile], None],
    stop: threading.Event | None = None,
    deadline: float | None = None,
    on_event: Callable[[str], None] | None = None,
    status: Callable[[float, int], None] | None = None,
    opened: Any = None,
) -> StreamEnd:
    """Record ``source`` into segment files in ``folder`` until ``stop`` is set, the
    monotonic time ``deadline`` passes, the source stays silent for ``give_up_s`` or the
    disk fills (see the module doc); return how it ended. ``on_segment`` gets each finished
    segment, ``on_event`` a line for each drop and reconnection (no credentials in it),
    ``status(seconds of video in the segment being written, gaps so far)`` is called about
    once a second. ``opened`` is a container from :func:`stream_open` to start with (it is
    closed when done)."""
    opts = options or StreamOptions()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stop = stop or threading.Event()
    say = on_event or (lambda msg: logger.info("%s", msg))
    rec = _Recorder(source, folder, opts, on_segment, stop, deadline, say)
    if shutil.disk_usage(folder).free < opts.min_free_bytes:
        return _end(rec, "disk_full")
    wait = opts.backoff_s
    rec.last_packet = time.monotonic()
    why = "dropped"
    last_error = ""
    while True:
        why = rec._ended() or ""
        if why:
            break
        container, opened = opened, None
        if container is None:
            try:
                container = _container_open(source, opts)
            except StreamError as exc:
                last_error = exc.problem
        if container is not None:
            with _status_every(rec, status):
                try:
                    why = rec.connection(container)
                finally:
                    with contextlib.suppress(*_AV_ERRORS):
                        container.close()
            if why != "dropped":
                break
            if source.kind == "device" and Path(source.url).is_file():
                why = "ended"  # a video file read as a camera (tests, benchmarks): its end
                break
            say(f"{source}: the stream stopped at {rec.now_s():.0f} s; reconnecting")
            wait = opts.backoff_s
        silent = time.monotonic() - rec.last_packet
        if silent >= opts.give_up_s:
            why = "unreachable"
            break
        pause = min(wait, opts.give_up_s - silent)
        logger.info("%s: reconnecting in %.0f s (%s)", source, pause, last_error or "no data")
        if stop.wait(max(0.05, pause)):
            continue
        wait = min(wait * 2.0, opts.backoff_max_s)
    return _end(rec, why, last_error)


@contextlib.contextmanager
def _status_every(rec: _Recorder, status: Callable[[float, int], None] | None) -> Any:
    if status is None:
        yield
        return
    done = threading.Event()

    def loop() -> None:
        while not done.wait(1.0):
            status(rec.current_s, len(rec.gaps))

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _end(rec: _Recorder, why: str, last_error: str = "") -> StreamEnd:
    opts = rec.opts
    if why == "unreachable":
        if rec.segments == 0:
            msg = (
                f"{rec.source}: nothing was received for {opts.give_up_s:.0f} s"
                + (f" ({last_error})" if last_error else "")
                + " — check that the camera is on and the address is right"
            )
        else:
            msg = (
                f"{rec.source}: the stream ended or the camera went away at "
                f"{rec.last_end:.0f} s and sent nothing for {opts.give_up_s:.0f} s"
                + (f" ({last_error})" if last_error else "")
                + "; the recording ended there"
            )
    elif why == "disk_full":
        msg = (
            f"{rec.folder}: less than {opts.min_free_bytes / 2**20:.0f} MiB free on the disk — "
            "the recording stopped; what was recorded is kept. Free some space for the next night"
        )
    elif why == "ended":
        msg = f"{rec.source}: the video ended"
    else:
        msg = f"{rec.source}: the recording was stopped"
    return StreamEnd(why, msg, rec.segments, rec.recorded_s, tuple(rec.gaps), rec.wall0)
