"""detector.video on small real H.264 files written with PyAV in tmp_path."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector.errors import NotAVideoError, NoVideoStreamError, SegmentOrderError
from detector.track import Segment
from detector.video import Frame, night_frames, night_plan, video_decode_threads, video_probe
from tests.helpers.video import (  # noqa: E402
    cut,
    frame_code,
    frame_image,
    make_audio,
    make_pts_video,
    make_video,
)


def _frames(paths, **kw):
    issues: list[str] = []
    frames = list(night_frames(night_plan(paths), on_issue=issues.append, **kw))
    return frames, issues


# --- probe ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fps", [15, 25, 30])
def test_probe_reports_size_rate_and_length(tmp_path, fps):
    path = make_video(tmp_path / "a.mp4", n_frames=2 * fps, fps=fps)
    info = video_probe(path)
    assert (info.width, info.height) == (64, 48)
    assert info.fps == pytest.approx(fps)
    assert info.n_frames_est == 2 * fps
    assert info.duration_s == pytest.approx(2.0)
    assert info.codec == "h264"
    assert info.rotation_deg == 0
    assert info.creation_time is None
    assert info.is_gray  # grey picture in yuv420p: flat chroma, like infrared
    assert info.path == path


def test_probe_reads_creation_time(tmp_path):
    path = make_video(tmp_path / "a.mp4", creation_time="2026-11-27T20:30:00.000000Z")
    assert video_probe(path).creation_time == datetime(2026, 11, 27, 20, 30, tzinfo=UTC)


def test_probe_tells_colour_from_grey(tmp_path):
    assert not video_probe(make_video(tmp_path / "c.mp4", colour=True)).is_gray


def test_gray_pixel_format_is_read_exactly(tmp_path):
    path = make_video(tmp_path / "g.mov", n_frames=5, codec="png", pix_fmt="gray")
    info = video_probe(path)
    assert info.is_gray and info.codec == "png"
    frames, issues = _frames([path])
    assert issues == []
    for i, fr in enumerate(frames):
        np.testing.assert_array_equal(fr.gray, frame_image(i))  # png is lossless
        assert fr.rgb().shape == (48, 64, 3)
        np.testing.assert_array_equal(fr.rgb()[:, :, 1], frame_image(i))


def test_ten_bit_luma_is_scaled_to_uint8(tmp_path):
    path = make_video(tmp_path / "p10.mp4", n_frames=3, pix_fmt="yuv420p10le")
    frames, _ = _frames([path])
    assert [fr.gray.dtype for fr in frames] == [np.uint8] * 3
    assert [frame_code(fr.gray) for fr in frames] == [0, 1, 2]
    limited = 16 + frame_image(2).mean() * 219 / 255  # the Y value of the grey picture
    assert abs(float(frames[2].gray.mean()) - limited) < 1.5


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_metadata_is_applied(tmp_path, rotation):
    # set_display_rotation takes counter-clockwise degrees, as ffprobe prints "rotation";
    # ffmpeg's own autorotate shows such a picture as np.rot90(picture, rotation // 90)
    # (checked once by hand with the ffmpeg CLI).
    path = make_video(tmp_path / "r.mp4", n_frames=4, rotation=rotation, colour=True)
    plain = make_video(tmp_path / "p.mp4", n_frames=4, colour=True)  # same stream, no matrix
    info = video_probe(path)
    assert info.rotation_deg == rotation
    upright = (48, 64) if rotation in (90, 270) else (64, 48)
    assert (info.width, info.height) == upright
    frames, _ = _frames([path])
    unrotated, _ = _frames([plain])
    k = rotation // 90
    assert len(frames) == 4
    for i, (fr, ref) in enumerate(zip(frames, unrotated, strict=True)):
        assert fr.gray.shape == (upright[1], upright[0]) and fr.gray.flags.c_contiguous
        np.testing.assert_array_equal(fr.gray, np.rot90(ref.gray, k))
        assert frame_code(np.rot90(fr.gray, -k)) == i
        rgb = fr.rgb()
        assert rgb.shape == (upright[1], upright[0], 3) and rgb.dtype == np.uint8
        np.testing.assert_array_equal(rgb, np.rot90(ref.rgb(), k))


def test_legacy_clockwise_rotate_tag_is_applied(tmp_path):
    path = make_video(tmp_path / "r.mkv", n_frames=3, rotate_tag="90")
    plain = make_video(tmp_path / "p.mkv", n_frames=3)
    info = video_probe(path)
    assert info.rotation_deg == 270 and (info.width, info.height) == (48, 64)
    frames, _ = _frames([path])
    unrotated, _ = _frames([plain])
    for fr, ref in zip(frames, unrotated, strict=True):
        np.testing.assert_array_equal(fr.gray, np.rot90(ref.gray, -1))  # a quarter clockwise


def test_missing_path(tmp_path):
    with pytest.raises(NotAVideoError, match="nope.mp4: no such file"):
        video_probe(tmp_path / "nope.mp4")


def test_directory(tmp_path):
    with pytest.raises(NotAVideoError, match="folder"):
        video_probe(tmp_path)


def test_zero_byte_file(tmp_path):
    (tmp_path / "empty.mp4").touch()
    with pytest.raises(NotAVideoError, match=r"empty\.mp4: the file is empty"):
        video_probe(tmp_path / "empty.mp4")


def test_text_file_named_mp4(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("shopping list\nmilk\nnappies\n")
    with pytest.raises(NotAVideoError, match=r"notes\.mp4: not a video file") as exc:
        video_probe(path)
    assert exc.value.path == path and exc.value.advice


def test_image_named_mp4(tmp_path):
    single = make_video(tmp_path / "x.mov", n_frames=1, codec="png", pix_fmt="gray")
    import av

    with av.open(str(single)) as c:
        png = bytes(next(c.demux(video=0)))
    (tmp_path / "photo.mp4").write_bytes(png)
    with pytest.raises(NotAVideoError, match=r"photo\.mp4: is a still image \(png\)"):
        video_probe(tmp_path / "photo.mp4")


@pytest.mark.parametrize(("codec", "name"), [("aac", "sound.mp4"), ("libmp3lame", "sound.mp4")])
def test_audio_only_file(tmp_path, codec, name):
    if codec == "libmp3lame":
        make_audio(tmp_path / "s.mp3", codec).rename(tmp_path / name)
    else:
        make_audio(tmp_path / name, codec)
    with pytest.raises(NoVideoStreamError, match=r"sound\.mp4: holds only sound"):
        video_probe(tmp_path / name)


def test_truncated_plain_mp4_has_no_index(tmp_path):
    # moov at the end: cutting the tail removes the index, nothing can be decoded
    full = make_video(tmp_path / "full.mp4", n_frames=150)
    broken = cut(full, tmp_path / "cut.mp4", 0.5)
    with pytest.raises(NotAVideoError, match=r"cut\.mp4: MP4 file without its index \(moov"):
        night_plan([broken])


# --- night_frames: timestamps ------------------------------------------------------------
@pytest.mark.parametrize("fps", [15, 25, 30])
def test_every_frame_with_exact_times(tmp_path, fps):
    n = 2 * fps
    frames, issues = _frames([make_video(tmp_path / "a.mp4", n_frames=n, fps=fps)])
    assert issues == []
    assert [f.index for f in frames] == list(range(n))
    assert [f.segment for f in frames] == [0] * n
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(n) / fps, atol=1e-9)
    assert [frame_code(f.gray) for f in frames] == list(range(n))
    assert all(f.gray.shape == (48, 64) and f.gray.dtype == np.uint8 for f in frames)


def test_variable_frame_rate_keeps_real_times(tmp_path):
    pts_ms = [0, 40, 90, 100, 300, 333, 1000, 1040]
    path = make_video(tmp_path / "vfr.mp4", n_frames=len(pts_ms), pts_ms=pts_ms)
    frames, issues = _frames([path])
    assert issues == []
    np.testing.assert_allclose([f.t_s for f in frames], np.array(pts_ms) / 1000, atol=1e-9)
    assert [frame_code(f.gray) for f in frames] == list(range(len(pts_ms)))


def test_duplicate_and_backward_pts_are_dropped_and_reported(tmp_path):
    path = make_pts_video(tmp_path / "dup.mkv", [0, 40, 80, 80, 120, 100, 160])
    frames, issues = _frames([path])
    np.testing.assert_allclose([f.t_s for f in frames], [0, 0.04, 0.08, 0.12, 0.16])
    assert [frame_code(f.gray) for f in frames] == [0, 1, 2, 4, 6]
    assert len(issues) == 1 and "dup.mkv: 2 frame(s) dropped" in issues[0]


def test_issues_are_logged_without_callback(tmp_path, caplog):
    path = make_pts_video(tmp_path / "dup.mkv", [0, 40, 40])
    with caplog.at_level(logging.WARNING, logger="detector.video"):
        assert len(list(night_frames(night_plan([path])))) == 2
    assert "dup.mkv: 1 frame(s) dropped" in caplog.text


# --- night plan ---------------------------------------------------------------------------
def test_segments_ordered_by_name_time_with_gap(tmp_path):
    late = make_video(tmp_path / "cam_20261127_203010.mp4", n_frames=30, fps=15, first=30)
    early = make_video(tmp_path / "cam_2026-11-27T20-30-00.mp4", n_frames=30, fps=15)
    plan = night_plan([late, early])
    assert [Path(s.path).name for s in plan] == [early.name, late.name]
    assert plan[0].start_s == 0 and plan[1].start_s == pytest.approx(10.0)
    assert plan[0].end_s == pytest.approx(2.0) and plan[1].end_s == pytest.approx(12.0)
    assert [s.n_frames for s in plan] == [30, 30]
    assert plan[0].size_bytes == early.stat().st_size and len(plan[0].sha256) == 64
    frames, issues = _frames([late, early])
    assert issues == []
    assert [f.index for f in frames] == list(range(60))
    assert [f.segment for f in frames] == [0] * 30 + [1] * 30
    assert [frame_code(f.gray) for f in frames] == list(range(60))
    np.testing.assert_allclose(frames[29].t_s, 29 / 15)
    np.testing.assert_allclose(frames[30].t_s, 10.0)  # the 8 s gap is kept


def test_creation_time_wins_over_file_name(tmp_path):
    # names say b then a; the containers say a starts 5 s before b
    a = make_video(tmp_path / "a_20261127_210000.mp4", creation_time="2026-11-27T20:30:00Z")
    b = make_video(
        tmp_path / "b_20261127_200000.mp4", creation_time="2026-11-27T20:30:05Z", first=1
    )
    plan = night_plan([b, a])
    assert [Path(s.path).name for s in plan] == [a.name, b.name]
    assert plan[1].start_s == pytest.approx(5.0)


def test_without_times_files_are_back_to_back_in_given_order(tmp_path):
    one = make_video(tmp_path / "one.mp4", n_frames=30, fps=15)
    two = make_video(tmp_path / "two.mp4", n_frames=15, fps=15, first=100)
    plan = night_plan([two, one])
    assert [Path(s.path).name for s in plan] == ["two.mp4", "one.mp4"]
    assert plan[1].start_s == pytest.approx(1.0) and plan[1].end_s == pytest.approx(3.0)
    frames, _ = _frames([two, one])
    np.testing.assert_allclose(np.diff([f.t_s for f in frames]), 1 / 15)


def test_rounding_overlap_of_one_second_timestamps_is_absorbed(tmp_path):
    # 2.0 s file, next one stamped 1 s later than its true start would allow: placed after it
    a = make_video(tmp_path / "a.mp4", n_frames=30, creation_time="2026-11-27T20:30:00Z")
    b = make_video(
        tmp_path / "b.mp4", n_frames=30, creation_time="2026-11-27T20:30:01.5Z", first=30
    )
    plan = night_plan([a, b])
    assert plan[1].start_s == pytest.approx(2.0)


def test_overlapping_segments_name_both_files(tmp_path):
    a = make_video(tmp_path / "first.mp4", n_frames=60, creation_time="2026-11-27T20:30:00Z")
    b = make_video(
        tmp_path / "second.mp4", n_frames=60, creation_time="2026-11-27T20:30:01Z", first=60
    )
    with pytest.raises(SegmentOrderError) as exc:
        night_plan([a, b])
    assert "second.mp4" in str(exc.value) and "first.mp4" in str(exc.value)


def test_same_recording_twice_is_refused(tmp_path):
    a = make_video(tmp_path / "a.mp4")
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(a.read_bytes())
    with pytest.raises(SegmentOrderError, match=r"copy\.mp4: is the same recording as a\.mp4"):
        night_plan([a, copy])


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        night_plan([])
    plan = night_plan([make_video(tmp_path / "a.mp4")])
    with pytest.raises(ValueError):
        list(night_frames([]))
    with pytest.raises(ValueError):
        list(night_frames(plan, start_s=-1))
    with pytest.raises(ValueError):
        list(night_frames(plan, start_s=2, end_s=1))


# --- damaged files ------------------------------------------------------------------------
@pytest.mark.parametrize("movflags", ["faststart", "frag_keyframe+empty_moov"])
def test_truncated_file_decodes_up_to_the_break(tmp_path, movflags):
    full = make_video(tmp_path / "full.mp4", n_frames=90, fps=15, movflags=movflags, gop=15)
    broken = cut(full, tmp_path / "night.mp4", 0.5)
    frames, issues = _frames([broken])
    assert 10 < len(frames) < 90
    assert [frame_code(f.gray) for f in frames] == list(range(len(frames)))
    assert len(issues) == 1
    assert issues[0] == f"night.mp4: truncated at {len(frames) / 15:.1f} s — analysed up to there"


def test_file_damaged_after_planning_raises_when_nothing_decodes(tmp_path):
    path = make_video(tmp_path / "a.mp4")
    plan = night_plan([path])
    path.write_bytes(b"\0" * 4096)
    with pytest.raises(NotAVideoError, match=r"a\.mp4"):
        list(night_frames(plan))


def test_frames_made_by_hand_give_grey_rgb():
    gray = frame_image(3)
    fr = Frame(index=0, t_s=0.0, segment=0, gray=gray)
    assert fr.rgb().shape == (48, 64, 3)
    np.testing.assert_array_equal(fr.rgb()[:, :, 2], gray)


# --- chunks -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def b_frame_night(tmp_path_factory) -> list[Segment]:
    """Two segments with B-frames and 10-frame GOPs, 3 s each at 30 fps, 1 s gap."""
    d = tmp_path_factory.mktemp("chunks")
    make_video(d / "n_20261127_200000.mp4", n_frames=90, fps=30, gop=10, bframes=3)
    make_video(d / "n_20261127_200004.mp4", n_frames=90, fps=30, gop=10, bframes=3, first=90)
    return night_plan(sorted(d.iterdir()))


def _key(frames):
    return [(f.index, round(f.t_s, 9), f.segment, frame_code(f.gray)) for f in frames]


def test_full_pass_over_b_frames(b_frame_night):
    frames = list(night_frames(b_frame_night))
    assert [f.index for f in frames] == list(range(180))
    assert [frame_code(f.gray) for f in frames] == list(range(180))
    assert frames[90].t_s == pytest.approx(4.0)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cuts=st.lists(st.floats(0.05, 6.95), min_size=1, max_size=3, unique=True))
def test_chunks_join_into_the_full_pass(b_frame_night, cuts):
    full = _key(night_frames(b_frame_night))
    edges = [0.0, *sorted(cuts), None]
    joined = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        chunk = list(night_frames(b_frame_night, start_s=lo, end_s=hi))
        assert all(lo <= f.t_s < (hi if hi is not None else 1e9) for f in chunk)
        joined += _key(chunk)
    assert joined == full


@pytest.mark.parametrize(
    ("name", "movflags"), [("frag.mp4", "frag_keyframe+empty_moov"), ("night.mkv", None)]
)
def test_chunk_without_full_sample_index_agrees_with_full_pass(tmp_path, name, movflags):
    # no complete sample index: a chunk's frame numbers come from time x nominal rate
    path = make_video(tmp_path / name, n_frames=60, fps=15, gop=10, movflags=movflags)
    plan = night_plan([path])
    full = _key(night_frames(plan))
    assert len(full) == 60
    assert _key(night_frames(plan, start_s=2.5)) == [k for k in full if k[1] >= 2.5]


def test_one_decode_thread_gives_the_same_frames(tmp_path):
    path = make_video(tmp_path / "t.mp4", n_frames=40, fps=15, colour=True)
    plan = night_plan([path])
    try:
        video_decode_threads(1)
        one = [(f.t_s, f.gray.copy()) for f in night_frames(plan)]
    finally:
        video_decode_threads(0)
    auto = [(f.t_s, f.gray.copy()) for f in night_frames(plan)]
    assert len(one) == len(auto) == 40
    for (ta, ga), (tb, gb) in zip(one, auto, strict=True):
        assert ta == tb and np.array_equal(ga, gb)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_decode_threads_must_be_a_count(bad):
    with pytest.raises(ValueError, match="decode threads"):
        video_decode_threads(bad)


# --- phone video ---------------------------------------------------------------------------
@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv420p10le"])
def test_hevc_portrait_variable_rate_phone_video(tmp_path, pix_fmt):
    """An iPhone-like clip: HEVC (8- or 10-bit), stored landscape with a display matrix that
    turns it to portrait, frames at irregular times. Every frame comes back upright, in
    order, at its own time."""
    pts_ms = [0, 33, 70, 100, 133, 200, 233, 266, 300, 340]  # a dropped frame at 166 ms
    path = make_video(
        tmp_path / "IMG_0001.MOV",
        n_frames=len(pts_ms),
        pts_ms=pts_ms,
        rotation=90,
        codec="libx265",
        pix_fmt=pix_fmt,
    )
    info = video_probe(path)
    assert info.codec == "hevc" and info.rotation_deg == 90
    assert (info.width, info.height) == (48, 64)  # portrait once upright
    frames, issues = _frames([path])
    assert issues == []
    assert [f.gray.shape for f in frames] == [(64, 48)] * len(pts_ms)
    np.testing.assert_allclose([f.t_s for f in frames], np.array(pts_ms) / 1000, atol=1e-3)
    # np.rot90(picture, 1) is how ffmpeg shows a +90 display matrix (see the test above)
    assert [frame_code(np.rot90(f.gray, -1)) for f in frames] == list(range(len(pts_ms)))
    assert frames[0].rgb().shape == (64, 48, 3)


def test_unsupported_codec_is_named(tmp_path):
    """A file whose video FFmpeg has no decoder for names the codec its header declares."""
    good = make_video(tmp_path / "clip.mp4", n_frames=3)
    odd = tmp_path / "odd.mp4"
    odd.write_bytes(good.read_bytes().replace(b"avc1", b"zzz1"))
    with pytest.raises(NotAVideoError, match=r"odd\.mp4: its video is in the 'zzz1' format"):
        video_probe(odd)
    with pytest.raises(NotAVideoError, match=r"H\.264 \(\.mp4\)"):
        night_plan([odd])


def test_codec_hint_names_known_fourccs(tmp_path):
    from detector.codec import codec_hint as _codec_hint

    good = make_video(tmp_path / "clip.mp4", n_frames=3, codec="libx265")
    assert _codec_hint(good) in ("HEVC (H.265) ('hev1')", "HEVC (H.265) ('hvc1')")
    assert _codec_hint(make_video(tmp_path / "a.mp4", n_frames=2)) == "H.264 ('avc1')"
    (tmp_path / "blank.mp4").write_bytes(b"\0" * 64)
    assert _codec_hint(tmp_path / "blank.mp4") is None
