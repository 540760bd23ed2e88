"""detector.stream: sources, credentials kept out of messages, segment writing from a local
"camera" (a video file read as a capture device would be), joined packets, the disk guard."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import pytest

from detector.errors import StreamError
from detector.segment_file import strip_headers
from detector.stream import (
    SegmentFile,
    StreamOptions,
    StreamSource,
    stream_record,
    stream_source,
)
from tests.helpers.video import frame_code, make_video


def test_sources_are_parsed_and_credentials_moved_out_of_the_address() -> None:
    s = stream_source("rtsp://admin:p%40ss%3Aw@192.0.2.7:554/Streaming/102")
    assert (s.url, s.user, s.password, s.kind) == (
        "rtsp://192.0.2.7:554/Streaming/102",
        "admin",
        "p@ss:w",
        "rtsp",
    )
    # FFmpeg gets them back percent-encoded (an @ or : in a password would end it early)
    assert s.open_url() == "rtsp://admin:p%40ss%3Aw@192.0.2.7:554/Streaming/102"
    assert "p@ss" not in repr(s) and "p@ss" not in str(s)
    h = stream_source("https://cam.local/video.mjpg", "u", "pw")
    assert (h.kind, h.url, h.user, h.password) == (
        "http",
        "https://cam.local/video.mjpg",
        "u",
        "pw",
    )
    for bad in ("ftp://cam/x", "night.mp4", "rtsp:///nohost"):
        with pytest.raises(ValueError, match="rtsp://"):
            stream_source(bad)
    with pytest.raises(ValueError, match="capture device"):
        stream_source("/dev/video99")


def test_redact_removes_the_password_in_every_spelling() -> None:
    s = StreamSource("rtsp://cam:554/live", "admin", "s3cr#t w")
    text = f"failed to open {s.open_url()} (password s3cr#t w, s3cr%23t%20w)"
    clean = s.redact(text)
    assert "s3cr" not in clean
    assert "rtsp://cam:554/live" in clean


def test_strip_headers_drops_repeated_parameter_sets_of_a_picture() -> None:
    # H.264 NAL headers: 0x67 SPS (type 7), 0x68 PPS (8), 0x09 AUD (9), 0x65 IDR slice (5)
    sps, pps, aud = b"\x00\x00\x00\x01\x67AA", b"\x00\x00\x00\x01\x68BB", b"\x00\x00\x01\x09\x10"
    idr = b"\x00\x00\x00\x01\x65slice2"
    assert strip_headers(aud + sps + pps + idr, "h264") == idr
    assert strip_headers(idr, "h264") == idr
    # H.265: type = (byte >> 1) & 0x3f; 0x40 VPS (32), 0x42 SPS (33), 0x26 IDR_W_RADL (19)
    vps, slice_ = b"\x00\x00\x01\x40\x01V", b"\x00\x00\x01\x26\x01S"
    assert strip_headers(vps + slice_, "hevc") == slice_
    assert strip_headers(b"not annex b", "h264") == b"not annex b"
    assert strip_headers(sps, "mjpeg") == sps


def _file_camera(path: Path) -> StreamSource:
    """A video file read through the same code as a capture device (no real-time pacing)."""
    return StreamSource(str(path), kind="device", input_format=None)


def test_a_stream_is_cut_into_whole_segments_at_keyframes(tmp_path: Path) -> None:
    # 90 frames at 15 fps, a keyframe every 15 frames (1 s): 2.5-s segments are cut at the
    # first keyframe 2.5 s or more after each start, i.e. at 3 s and 6 s -> 45 + 45 frames
    video = make_video(tmp_path / "cam.mp4", n_frames=90, fps=15, gop=15, size=(64, 48))
    got: list[SegmentFile] = []
    end = stream_record(
        _file_camera(video),
        tmp_path / "rec",
        options=StreamOptions(segment_s=2.5, give_up_s=0.2, backoff_s=0.1, min_free_bytes=0),
        on_segment=got.append,
        stop=threading.Event(),
    )
    assert end.reason == "ended" and end.segments == 2
    assert [(s.start_s, s.n_frames) for s in got] == [(0.0, 45), (3.0, 45)]
    assert got[0].end_s == pytest.approx(3.0) and got[1].end_s == pytest.approx(6.0, abs=1e-3)
    codes = []
    for s in got:
        assert s.path.suffix == ".mp4" and s.path.stat().st_mode & 0o077 == 0
        with av.open(str(s.path)) as c:
            codes += [frame_code(f.to_ndarray(format="gray")) for f in c.decode(video=0)]
    assert codes == list(range(90))  # every frame once, in order, copied as it was
    assert not list((tmp_path / "rec").glob(".*"))  # no partial file left


def test_raw_video_is_encoded_and_mjpeg_copied(tmp_path: Path) -> None:
    raw = tmp_path / "raw.nut"
    with av.open(str(raw), "w") as out:
        st = out.add_stream("rawvideo", rate=15)
        st.width, st.height, st.pix_fmt = 64, 48, "yuv420p"
        for i in range(30):
            from tests.helpers.video import frame_image

            frame = av.VideoFrame.from_ndarray(frame_image(i), format="gray").reformat(
                format="yuv420p"
            )
            frame.pts = i
            for p in st.encode(frame):
                out.mux(p)
    mjpeg = make_video(tmp_path / "cam.mkv", n_frames=30, codec="mjpeg", pix_fmt="yuvj420p")
    for src, suffix, codec in ((raw, ".mp4", "h264"), (mjpeg, ".mkv", "mjpeg")):
        got: list[SegmentFile] = []
        stream_record(
            _file_camera(src),
            tmp_path / suffix.strip("."),
            options=StreamOptions(give_up_s=0.2, backoff_s=0.1, min_free_bytes=0),
            on_segment=got.append,
        )
        assert len(got) == 1 and got[0].path.suffix == suffix and got[0].n_frames == 30
        with av.open(str(got[0].path)) as c:
            assert c.streams.video[0].codec_context.name == codec
            assert len(list(c.decode(video=0))) == 30


def test_a_full_disk_stops_the_recording_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_video(tmp_path / "cam.mp4", n_frames=30)
    import detector.stream as stream

    class Usage:
        free = 10 * 2**20  # 10 MiB free, 500 MiB asked for

    monkeypatch.setattr(stream.shutil, "disk_usage", lambda _p: Usage())
    got: list[SegmentFile] = []
    end = stream_record(_file_camera(video), tmp_path / "rec", on_segment=got.append)
    assert end.reason == "disk_full" and not got
    assert "less than 500 MiB free" in end.message and "what was recorded is kept" in end.message


def test_an_unreachable_camera_ends_with_a_message_without_its_password(tmp_path: Path) -> None:
    src = StreamSource("rtsp://127.0.0.1:9/live", "admin", "hunter2!", "rtsp")
    end = stream_record(
        src,
        tmp_path / "rec",
        options=StreamOptions(give_up_s=0.5, backoff_s=0.1, open_timeout_s=1, min_free_bytes=0),
        on_segment=lambda _s: None,
    )
    assert end.reason == "unreachable" and end.segments == 0
    assert "rtsp://127.0.0.1:9/live: nothing was received" in end.message
    assert "hunter2" not in end.message and "admin" not in end.message


def test_stream_error_keeps_the_address_as_written() -> None:
    e = StreamError("rtsp://cam:554/live", "refused", "check the password")
    assert str(e) == "rtsp://cam:554/live: refused — check the password"


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="segment_s"):
        StreamOptions(segment_s=0)
    with pytest.raises(ValueError, match="transport"):
        StreamOptions(transport="http")


@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real 2-MiB file system (tmpfs), so writes really fail with ENOSPC; skips where this
    process may not mount one (not root, or no CAP_SYS_ADMIN in a container)."""
    import subprocess

    mnt = tmp_path / "small"
    mnt.mkdir()
    out = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {out.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_a_disk_that_fills_stops_cleanly_and_keeps_what_was_recorded(
    tmp_path: Path, small_disk: Path
) -> None:
    import numpy as np

    # 150 pictures of noise as MJPEG (about 20 KB each: 3 MB), recorded in 1-s segments of
    # 15 pictures onto a 2-MiB disk: it fills up before the end
    noisy = tmp_path / "noise.mkv"
    rng = np.random.default_rng(0)
    with av.open(str(noisy), "w") as out:
        st = out.add_stream("mjpeg", rate=15)
        st.width, st.height, st.pix_fmt = 320, 240, "yuvj420p"
        for i in range(150):
            img = rng.integers(0, 256, (240, 320), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="gray").reformat(format="yuvj420p")
            frame.pts = i
            for p in st.encode(frame):
                out.mux(p)
    got: list[SegmentFile] = []
    end = stream_record(
        _file_camera(noisy),
        small_disk / "rec",
        options=StreamOptions(segment_s=1.0, give_up_s=0.2, backoff_s=0.1, min_free_bytes=0),
        on_segment=got.append,
    )
    assert end.reason == "disk_full", end
    sizes = [s.size_bytes for s in got]
    assert got and end.segments == len(got) < 10  # not all 10 segments fitted ...
    assert sum(sizes) <= 2 * 2**20 < sum(sizes) + 2 * max(sizes)  # ... the disk was full
    assert "what was recorded is kept" in end.message
    for s in got:  # every finished segment is whole and decodes
        with av.open(str(s.path)) as c:
            assert len(list(c.decode(video=0))) == s.n_frames == 15
    assert not list((small_disk / "rec").glob(".*"))  # the partial one was removed
