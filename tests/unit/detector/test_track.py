import numpy as np
import pytest

from detector.errors import TrackFileError
from detector.track import KEYPOINT_NAMES, NightTrack, Segment, track_concat, track_load


def _track(n=20, t0=0.0):
    rng = np.random.default_rng(0)
    return NightTrack(
        t_s=t0 + np.arange(n) / 15,
        keypoints_px=rng.uniform(0, 100, (n, len(KEYPOINT_NAMES), 2)),
        visibility=rng.uniform(0, 1, (n, len(KEYPOINT_NAMES))),
        pose_ran=rng.uniform(size=n) > 0.5,
        motion=rng.uniform(0, 0.01, (n, 3)),
        frame_size=(320, 240),
        segments=(Segment("/videos/a b é.mp4", 0.0, n / 15, n, 123, "ab" * 32),),
        model="fake",
        versions={"pose_model": "fake 1"},
        issues=("a.mp4: truncated at 1.0 s",),
    )


def test_save_load_roundtrip(tmp_path):
    tr = _track()
    tr.save(tmp_path / "t.npz")
    back = track_load(tmp_path / "t.npz")
    assert np.array_equal(back.t_s, tr.t_s)
    assert np.array_equal(back.keypoints_px, tr.keypoints_px)
    # visibility is stored as float16: 3 decimals are kept
    assert np.allclose(back.visibility, tr.visibility, atol=1e-3)
    assert np.array_equal(back.pose_ran, tr.pose_ran)
    assert np.array_equal(back.motion, tr.motion)
    assert back.segments == tr.segments
    assert (back.model, back.versions, back.issues) == (tr.model, tr.versions, tr.issues)
    assert back.frame_size == (320, 240)


@pytest.mark.parametrize(
    "change,match",
    [
        ({"t_s": np.array([0.0, 0.1, 0.1])}, "strictly increasing"),
        ({"visibility": np.full((3, len(KEYPOINT_NAMES)), 2.0)}, "0..1"),
        ({"motion": np.zeros((3, 2))}, "motion must have shape"),
        ({"frame_size": (0, 10)}, "frame_size"),
    ],
)
def test_constructor_rejects_bad_arrays(change, match):
    k = len(KEYPOINT_NAMES)
    args = dict(
        t_s=np.array([0.0, 0.1, 0.2]),
        keypoints_px=np.zeros((3, k, 2)),
        visibility=np.zeros((3, k)),
        pose_ran=np.ones(3, bool),
        motion=np.zeros((3, 3)),
        frame_size=(10, 10),
    )
    args.update(change)
    with pytest.raises(ValueError, match=match):
        NightTrack(**args)


def test_load_damaged_file_names_it(tmp_path):
    p = tmp_path / "tracks.npz"
    _track().save(p)
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(TrackFileError, match="tracks.npz"):
        track_load(p)
    with pytest.raises(TrackFileError, match="no tracks file"):
        track_load(tmp_path / "missing.npz")


def test_failed_save_leaves_old_file(tmp_path, monkeypatch):
    p = tmp_path / "tracks.npz"
    _track().save(p)
    before = p.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(OSError):
        _track(30).save(p)
    assert p.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["tracks.npz"]


def test_concat_joins_chunks():
    a, b = _track(10), _track(10, t0=10 / 15)
    c = track_concat([a, b])
    assert c.n_frames == 20 and np.all(np.diff(c.t_s) > 0)
    with pytest.raises(ValueError):
        track_concat([b, a])  # out of order: times would go back


def test_channels_roundtrip_and_old_files_without_them(tmp_path):
    from detector.track import CHANNEL_NAMES

    tr = _track()
    ch = np.arange(tr.n_frames * len(CHANNEL_NAMES), dtype=np.float32).reshape(tr.n_frames, -1)
    with_ch = NightTrack(**{**_fields(tr), "channels": ch, "channel_names": CHANNEL_NAMES})
    with_ch.save(tmp_path / "c.npz")
    back = track_load(tmp_path / "c.npz")
    assert back.channel_names == CHANNEL_NAMES
    assert np.array_equal(back.channels, ch)
    assert np.array_equal(back.channel("flow_bg_dy"), ch[:, CHANNEL_NAMES.index("flow_bg_dy")])
    assert np.array_equal(back.slice(2, 5).channel("motion_outside"), ch[2:5, -1])
    # a file written before channels existed reads with none
    tr.save(tmp_path / "old.npz")
    old = track_load(tmp_path / "old.npz")
    assert old.channel_names == () and old.channels.shape == (tr.n_frames, 0)
    assert old.channel("flow_left_dx") is None
    # joined with one that has them: NaN where a part lacks a channel
    later = NightTrack(
        **{**_fields(_track(t0=10.0)), "channels": ch, "channel_names": CHANNEL_NAMES}
    )
    both = track_concat([old, later])
    assert both.channel_names == CHANNEL_NAMES
    assert np.isnan(both.channels[: tr.n_frames]).all()
    assert np.array_equal(both.channels[tr.n_frames :], ch)
    with pytest.raises(ValueError, match="channels must have shape"):
        NightTrack(**{**_fields(tr), "channels": ch[:, :2], "channel_names": CHANNEL_NAMES})


def _fields(tr):
    import dataclasses

    return {f.name: getattr(tr, f.name) for f in dataclasses.fields(tr)}
