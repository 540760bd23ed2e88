"""Reading a settings file: a JSON object of setting names and numbers, every refusal naming
the file (unreadable, too large, not JSON, NaN or Infinity, nesting too deep, an unknown
setting, a value out of range) before anything is computed or stored."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from pipeline.errors import SettingsError
from pipeline.settings import _FIELDS, Settings

__all__ = ["SETTINGS_FILE_MAX_BYTES", "settings_load", "settings_overrides"]

#: largest settings file read (a settings file is a few kilobytes)
SETTINGS_FILE_MAX_BYTES = 1 << 20


class _AsRead:
    """A value of a settings file no setting can take (NaN, Infinity, a number too large for
    a float, nested values), kept as read so that the refusal names the setting."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _json_int(text: str) -> int | _AsRead:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= 30 else _AsRead(f"a {digits}-digit number")


def _json_float(text: str) -> float | _AsRead:
    x = float(text)
    return x if math.isfinite(x) else _AsRead(text)


#: values nested deeper than this in a settings file are refused before they are parsed (no
#: setting nests at all; very deep nesting would exhaust the parser's recursion)
_MAX_NESTING = 32
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:]')


def _nested_setting(text: str, limit: int) -> str | None:
    """The top-level key (or "" outside any) under which ``text`` nests arrays or objects
    deeper than ``limit``; None when it does not."""
    depth, key, last = 0, "", ""
    for m in _JSON_TOKENS.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            last = tok[1:-1]
        elif tok in "[{":
            depth += 1
            if depth > limit:
                return key
        elif tok in "]}":
            depth -= 1
        elif depth == 1:  # ":" after a key of the top-level object
            key = last
    return None


def settings_load(path: str | Path) -> Settings:
    """The settings in the JSON file ``path`` (an object of setting names and numbers, the
    others at their defaults), every refusal naming the file: unreadable, too large, not
    JSON, NaN or Infinity, nesting, an unknown setting or a value out of range."""
    return Settings.from_dict(settings_overrides(path), origin=str(path))


def settings_overrides(path: str | Path) -> dict[str, Any]:
    """The setting values in the JSON file ``path``, checked as :func:`settings_load` checks
    them (a valid Settings with the other fields at their defaults)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > SETTINGS_FILE_MAX_BYTES:
            raise SettingsError(
                f"{p}: {size} bytes is too large for a settings file (at most "
                f'{SETTINGS_FILE_MAX_BYTES} bytes) — give a JSON object such as {{"onset_k": 8.0}}'
            )
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{p}: cannot read the settings file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{p}: not a text file — a settings file is JSON text") from None

    key = _nested_setting(text, _MAX_NESTING)
    if key is not None:
        if key in _FIELDS:
            data: Any = {key: _AsRead("values nested in arrays or objects")}
        else:
            raise SettingsError(f"{p}: nested too deeply — give a flat JSON object of settings")
    else:
        try:
            data = json.loads(
                text, parse_constant=_AsRead, parse_int=_json_int, parse_float=_json_float
            )
        except json.JSONDecodeError as exc:
            raise SettingsError(f"{p}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    Settings.from_dict(data, origin=str(p))
    return dict(data)
