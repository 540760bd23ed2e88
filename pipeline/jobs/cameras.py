"""Cameras a recording can be started from, and camera credentials — never in the database.

Saved cameras live in ``<data>/cameras.json``, a local file readable by its owner only
(mode 0600), written atomically::

    {"cameras": {"nursery": {"url": "rtsp://192.168.1.20:554/stream2",
                             "user": "admin", "password": "..."}}}

A camera's address is kept without credentials; the password is only in that file (or,
for ``legmove record``, in ``$LEGMOVE_CAMERA_PASSWORD`` or a credentials file, see
:func:`credentials_load`). :class:`Camera`, what the dashboard and ``legmove`` show, says
whether a password is saved but never holds it.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detector.atomic import atomic_write
from detector.stream import StreamSource, stream_source

__all__ = [
    "ENV_PASSWORD",
    "ENV_USER",
    "CAMERAS_FILE",
    "Camera",
    "camera_get",
    "camera_list",
    "camera_remove",
    "camera_save",
    "camera_source",
    "credentials_env",
    "credentials_load",
]

#: environment variables `legmove record` takes a camera's user name and password from
ENV_USER = "LEGMOVE_CAMERA_USER"
ENV_PASSWORD = "LEGMOVE_CAMERA_PASSWORD"
CAMERAS_FILE = "cameras.json"


@dataclass(frozen=True)
class Camera:
    """A saved camera as it may be shown: name, address (no credentials), user name, and
    whether a password is saved."""

    name: str
    url: str
    user: str | None
    has_password: bool


def _file(data_dir: str | Path) -> Path:
    return Path(data_dir) / CAMERAS_FILE


def _read(data_dir: str | Path) -> dict[str, dict[str, Any]]:
    path = _file(data_dir)
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        cams = raw["cameras"]
        if not isinstance(cams, dict) or not all(isinstance(v, dict) for v in cams.values()):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise ValueError(
            f'{path}: not a cameras file legmove can read — it holds {{"cameras": {{NAME: '
            '{"url": ..., "user": ..., "password": ...}}}; fix it or remove it'
        ) from None
    return {str(k): v for k, v in cams.items()}


def _write(data_dir: str | Path, cams: dict[str, dict[str, Any]]) -> None:
    with atomic_write(_file(data_dir), "w") as fh:  # 0600: readable by its owner only
        json.dump({"cameras": cams}, fh, indent=2, sort_keys=True)


def _camera(name: str, entry: dict[str, Any]) -> Camera:
    return Camera(name, str(entry.get("url", "")), entry.get("user"), bool(entry.get("password")))


def camera_list(data_dir: str | Path) -> list[Camera]:
    """The saved cameras, by name."""
    return [_camera(k, v) for k, v in sorted(_read(data_dir).items())]


def camera_get(data_dir: str | Path, name: str) -> Camera:
    """The saved camera ``name``; ValueError listing the saved ones if there is none."""
    cams = _read(data_dir)
    if name not in cams:
        known = ", ".join(sorted(cams)) or "none yet"
        raise ValueError(
            f"no saved camera {name!r} in {_file(data_dir)} (saved: {known}) — give the "
            "camera's address (rtsp://...), or save it on the dashboard's Import page"
        )
    return _camera(name, cams[name])


def camera_save(
    data_dir: str | Path,
    name: str,
    url: str,
    user: str | None = None,
    password: str | None = None,
) -> Camera:
    """Save (or replace) camera ``name``. Credentials written into ``url`` are moved out
    of it; ``password`` None keeps a password already saved for the camera."""
    name = name.strip()
    if not name or name.startswith(("rtsp:", "rtsps:", "http:", "https:", "/")):
        raise ValueError("give the camera a short name, such as nursery (not its address)")
    src = stream_source(url, user or None, password or None)
    cams = _read(data_dir)
    old = cams.get(name, {})
    entry: dict[str, Any] = {"url": src.url}
    if src.user:
        entry["user"] = src.user
    pw = src.password if src.password is not None else old.get("password")
    if pw and src.user:
        entry["password"] = pw
    cams[name] = entry
    _write(data_dir, cams)
    return _camera(name, entry)


def camera_remove(data_dir: str | Path, name: str) -> None:
    """Forget camera ``name`` (its address and password)."""
    cams = _read(data_dir)
    if cams.pop(name, None) is not None:
        _write(data_dir, cams)


def camera_source(data_dir: str | Path, name: str) -> StreamSource:
    """The stream of saved camera ``name``, with its credentials."""
    camera_get(data_dir, name)
    entry = _read(data_dir)[name]
    return stream_source(str(entry["url"]), entry.get("user"), entry.get("password"))


def credentials_env() -> tuple[str | None, str | None]:
    """User name and password from ``$LEGMOVE_CAMERA_USER`` / ``$LEGMOVE_CAMERA_PASSWORD``."""
    return os.environ.get(ENV_USER) or None, os.environ.get(ENV_PASSWORD) or None


def credentials_load(path: str | Path) -> tuple[str, str | None]:
    """User name and password from a credentials file: ``user:password`` on the first line,
    or the user name on the first line and the password on the second. ValueError when the
    file cannot be read or others may read it (it should be ``chmod 600``)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the credentials file ({exc.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError(
            f"{path}: other users of this computer can read this credentials file — "
            f"make it yours only with `chmod 600 {path}`"
        )
    lines = [ln.strip("\r") for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ValueError(f"{path}: the credentials file is empty — write user:password in it")
    if len(lines) >= 2:
        return lines[0], lines[1]
    user, sep, password = lines[0].partition(":")
    return user, password if sep else None
