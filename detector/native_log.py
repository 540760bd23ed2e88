"""Keep MediaPipe's and TensorFlow Lite's native log lines out of what a person reads.

The pose graph's C++ code writes lines such as ``W0000 00:00:... inference_feedback_manager
.cc:114] Feedback manager requires ...`` and ``INFO: Created TensorFlow Lite XNNPACK delegate
for CPU.`` straight to the process's standard error (file descriptor 2), at graph start and
from its own threads; no environment variable or Python API of mediapipe 0.10.21 turns them
off. :func:`native_log_quiet` gives Python's ``sys.stderr`` its own copy of the terminal and
puts a filter on descriptor 2: native lines in MediaPipe's formats are dropped, any other
native output (a crash message, say) is passed on unchanged.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import sys
import threading

__all__ = ["NATIVE_NOISE", "native_log_quiet"]

#: native log lines dropped: absl/glog info and warning lines (``I0000``/``W0000``), TFLite's
#: delegate notice and absl's "before InitializeLog" notice; errors and fatal lines pass
NATIVE_NOISE = re.compile(
    rb"^(?:[IW]\d{4} [\d:]+\.\d+ +\d+ [\w.]+:\d+\] "
    rb"|INFO: Created TensorFlow Lite \w+ delegate"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called)"
)

_installed = False
_lock = threading.Lock()


def native_log_quiet() -> None:
    """Filter MediaPipe's native log lines out of this process's standard error (once per
    process; Python's own writes to ``sys.stderr`` are untouched and stay on the terminal,
    so a progress bar still sees one)."""
    global _installed
    with _lock:
        if _installed:
            return
        try:
            sys.stderr.flush()
            real = os.dup(2)
            read_end, write_end = os.pipe()
            os.dup2(write_end, 2)
            os.close(write_end)
        except OSError:  # no descriptor 2 (a detached process): nothing to keep clean
            return
        sys.stderr = open(real, "w", buffering=1, encoding="utf-8", errors="backslashreplace")
        pump = threading.Thread(target=_pump, args=(read_end, real), name="native-log", daemon=True)
        pump.start()
        atexit.register(_finish, pump, real)
        _installed = True


def _finish(pump: threading.Thread, real: int) -> None:
    """At exit: give descriptor 2 back to the terminal (the pipe's end closes) and let the
    filter pass on what native code wrote last."""
    with contextlib.suppress(OSError):
        os.dup2(real, 2)
    pump.join(timeout=2.0)


def _pump(read_end: int, real: int) -> None:
    pending = b""
    while chunk := os.read(read_end, 65536):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        kept = [line for line in lines if not NATIVE_NOISE.match(line)]
        if kept:
            os.write(real, b"\n".join(kept) + b"\n")
    if pending and not NATIVE_NOISE.match(pending):
        os.write(real, pending)
