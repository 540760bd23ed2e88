"""Privacy: no network at run time, the dashboard on this computer only, uploads kept inside
the data folder, faces blurred in clips shared with a clinician."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector.pose import pose_default
from pipeline.jobs.intake import night_analyze

from .media import REAL, REPO, real_clip, snapshot

LABELLED = REAL / "infant_keypoints_labelled"
FACE_LABELS = ("Eye_L", "Eye_R", "Nose", "Upper_Lip", "Lower_Lip")


# --- no network -------------------------------------------------------------------------------
class _NoNetwork(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch) -> list[str]:
    """Python-level networking fails, and every attempt is recorded."""
    attempts: list[str] = []

    def refuse(name):
        def f(*args, **kwargs):
            attempts.append(f"{name}{args[:2]}")
            raise _NoNetwork(f"network access attempted: {name}")

        return f

    class NoSocket(socket.socket):
        def __init__(self, family=-1, *args, **kwargs):
            if family in (socket.AF_INET, socket.AF_INET6, -1):
                attempts.append(f"socket({family})")
                raise _NoNetwork("network access attempted: socket()")
            super().__init__(family, *args, **kwargs)

    monkeypatch.setattr(socket, "socket", NoSocket)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, refuse(name))
    return attempts


def _labelled_images() -> list[tuple[Path, dict[str, tuple[float, float]]]]:
    """(image, face points) of the labelled real infant frames (skip when absent)."""
    if not LABELLED.is_dir():
        pytest.skip(f"{LABELLED} absent: the shared real data set is not beside this checkout")
    found = []
    for ann in sorted(LABELLED.glob("*/ann/*.json")):
        img = ann.parent.parent / "img" / f"{ann.stem}.jpg"
        shapes = json.loads(ann.read_text())["shapes"]
        face = {s["label"]: tuple(s["points"][0]) for s in shapes if s["label"] in FACE_LABELS}
        if img.is_file() and len(face) == len(FACE_LABELS):
            found.append((img, face))
    return found


def _still_video(image: Path, dst: Path, seconds: float = 6.0, fps: int = 10) -> Path:
    """A video of one real photo held still (slight noise, as a camera has)."""
    rgb = cv2.cvtColor(cv2.imread(str(image)), cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    rng = np.random.default_rng(0)
    with av.open(str(dst), "w") as out:
        st_ = out.add_stream("libx264", rate=fps)
        st_.width, st_.height, st_.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
        st_.options = {"preset": "ultrafast", "crf": "12"}
        for i in range(int(seconds * fps)):
            noisy = np.clip(rgb.astype(np.int16) + rng.integers(-2, 3, rgb.shape), 0, 255)
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(noisy[: h - h % 2, : w - w % 2].astype(np.uint8)),
                format="rgb24",
            )
            frame.pts = i
            for packet in st_.encode(frame):
                out.mux(packet)
        for packet in st_.encode():
            out.mux(packet)
    return dst


@pytest.fixture(scope="module")
def labelled_night(tmp_path_factory) -> tuple[Path, dict[str, tuple[float, float]]]:
    """A still video of the first labelled photo in which the pose model finds the baby."""
    est = pose_default()
    try:
        for image, face in _labelled_images():
            rgb = cv2.cvtColor(cv2.imread(str(image)), cv2.COLOR_BGR2RGB)
            if est.estimate(rgb) is not None:
                return _still_video(image, tmp_path_factory.mktemp("still") / "baby.mp4"), face
    finally:
        est.close()
    pytest.skip("the pose model finds no baby in the labelled photos")


@pytest.mark.slow
@pytest.mark.real
def test_full_analysis_with_python_networking_blocked(labelled_night, tmp_path, no_network):
    video, _ = labelled_night
    with pytest.raises(_NoNetwork):  # the block works
        socket.create_connection(("example.org", 80))
    no_network.clear()
    est = pose_default()  # the real MediaPipe model, loaded offline
    result = night_analyze([video], tmp_path / "out", estimator=est)
    assert result.summary["pose_coverage"] > 0.9
    assert no_network == [], f"legmove tried to use the network: {no_network}"


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.real
@pytest.mark.skipif(not _unshare_works(), reason="unshare -n is not permitted here")
def test_cli_analysis_in_a_network_namespace_without_any_network(tmp_path):
    video = real_clip(tmp_path / "baby.mp4", start_s=20, seconds=6)
    out = tmp_path / "out"
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "pipeline.cli", "analyze", video, "--out", out],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "summary.json").read_text())["pose_coverage"] > 0.9


# --- the dashboard stays on this computer ----------------------------------------------------
def test_streamlit_config_binds_localhost_with_usage_stats_off():
    path = REPO / ".streamlit" / "config.toml"
    assert path.is_file(), "the project ships a Streamlit config"
    conf = tomllib.loads(path.read_text())
    server, browser = conf.get("server", {}), conf.get("browser", {})
    assert server.get("address") == "127.0.0.1"
    assert browser.get("gatherUsageStats") is False
    assert server.get("enableStaticServing", False) is False, "no folder served as static files"
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True


def _listening(pid: int) -> list[str]:
    """Local addresses of the TCP sockets process ``pid`` listens on ("ip:port")."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found = []
    for table, v6 in (("tcp", False), ("tcp6", True)):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            addr_hex, port_hex = local.split(":")
            raw = bytes.fromhex(addr_hex)
            if v6:
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                addr = socket.inet_ntop(socket.AF_INET6, raw)
            else:
                addr = socket.inet_ntop(socket.AF_INET, raw[::-1])
            found.append(f"{addr}:{int(port_hex, 16)}")
    return found


@pytest.mark.slow
def test_dashboard_listens_on_localhost_only(tmp_path):
    """Start the dashboard as a user would (from the project folder, the shipped config)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LEGMOVE_DATA": str(tmp_path / "data"), "HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "streamlit"), "run", "dashboard.py"]
        + ["--server.port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import time

        deadline = time.monotonic() + 120
        addrs: list[str] = []
        while time.monotonic() < deadline and proc.poll() is None:
            addrs = _listening(proc.pid)
            if addrs:
                break
            time.sleep(0.2)
        assert addrs, "the dashboard did not start listening"
        assert all(a.rsplit(":", 1)[0] in ("127.0.0.1", "::1") for a in addrs), addrs
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --- uploads stay in the data folder ---------------------------------------------------------
TRAVERSAL_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "....//....//etc/passwd",
    "..",
    ".",
    "",
    "../",
    ".hidden.mp4",
    "~/.ssh/authorized_keys",
    "night\0.mp4/../../x",
    "a/../../../b.mp4",
    "C:\\Users\\x\\night.mp4",
    "\u2025/\u2025/etc/passwd",  # two-dot leader
    "%2e%2e%2fetc%2fpasswd",
    "x" * 5000 + ".mp4",
]


class _Upload(io.BytesIO):
    """What Streamlit's file_uploader hands over: a file-like object with a ``name``."""

    def __init__(self, name: str, data: bytes = b"video bytes") -> None:
        super().__init__(data)
        self.name = name


def _dashboard():
    return pytest.importorskip("dashboard", reason="dashboard.py not importable")


def _assert_inside(dashboard, name: str, root: Path) -> None:
    folder = root / "data" / "uploads"
    before = snapshot(root)
    target = dashboard.save_upload(_Upload(name), folder)
    assert target.resolve().parent == folder.resolve(), (name, target)
    assert not target.name.startswith("."), "no hidden or dot-dot names"
    assert target.read_bytes() == b"video bytes"
    after = snapshot(root)
    new = set(after) - set(before)
    assert new == {str(target.relative_to(root))}, f"{name!r} wrote {new}"
    target.unlink()


@pytest.mark.parametrize("name", TRAVERSAL_NAMES, ids=range(len(TRAVERSAL_NAMES)))
def test_upload_names_cannot_escape_the_data_folder(tmp_path, name):
    _assert_inside(_dashboard(), name, tmp_path)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(st.characters(codec="utf-8"), max_size=300))
def test_any_upload_name_stays_in_the_data_folder(tmp_path, name):
    _assert_inside(_dashboard(), name, tmp_path)


def test_two_uploads_with_one_name_keep_both(tmp_path):
    dash = _dashboard()
    a = dash.save_upload(_Upload("night.mp4", b"first"), tmp_path)
    b = dash.save_upload(_Upload("night.mp4", b"second"), tmp_path)
    assert a != b and a.read_bytes() == b"first" and b.read_bytes() == b"second"


# --- faces blurred in clips for a clinician --------------------------------------------------
def _sharpness(img: np.ndarray, xy: tuple[float, float], half: int = 6) -> float:
    x, y = int(round(xy[0])), int(round(xy[1]))
    patch = img[max(0, y - half) : y + half + 1, max(0, x - half) : x + half + 1]
    return float(cv2.Laplacian(patch.astype(np.float64), cv2.CV_64F).var())


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray") for f in c.decode(video=0)]


@pytest.mark.slow
@pytest.mark.real
def test_real_baby_face_is_blurred_in_clips_by_default(labelled_night, tmp_path):
    """Face points labelled by hand on a real infant photo are blurred in the clip by default
    (face found by the real pose model), and sharp only when the parent keeps the face."""
    from detector.track import track_load
    from pipeline.reports.clips import ClipOptions, clip_render

    video, face = labelled_night
    out = tmp_path / "out"
    night_analyze([video], out)
    track = track_load(out / "tracks.npz")
    blurred = _frames(clip_render(track.segments, 1.0, 3.0, tmp_path / "c1.mp4", track=track))
    kept = _frames(
        clip_render(
            track.segments,
            1.0,
            3.0,
            tmp_path / "c2.mp4",
            track=track,
            options=ClipOptions(blur_face=False, skeleton=False),
        )
    )
    assert len(blurred) == len(kept) >= 15
    for label, xy in face.items():
        sharp = np.median([_sharpness(f, xy) for f in kept])
        soft = max(_sharpness(f, xy) for f in blurred)
        assert soft < 0.25 * sharp, f"{label} at {xy} not blurred: {soft:.1f} vs {sharp:.1f}"
