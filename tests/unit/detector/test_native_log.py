"""MediaPipe's native log lines are dropped from standard error; everything else passes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from detector.native_log import NATIVE_NOISE

# lines as mediapipe 0.10.21 / TFLite print them (copied from a real `legmove analyze` run)
NOISE = [
    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    b"W0000 00:00:1796592174.696576    3495 inference_feedback_manager.cc:114] Feedback manager "
    b"requires a model with a single signature inference. Disabling support for feedback tensors.",
    b"W0000 00:00:1796592175.012796    3495 landmark_projection_calculator.cc:186] Using "
    b"NORM_RECT without IMAGE_DIMENSIONS is only supported for the square ROI.",
    b"I0000 00:00:1796592175.012796    3495 gl_context.cc:357] GL version: 2.1",
]
KEPT = [
    b"E0000 00:00:1796592175.012796    3495 calculator_graph.cc:887] INTERNAL: graph failed",
    b"Segmentation fault in libfoo",
    b"error: night.mp4: not a video",
]


def test_the_pattern_tells_noise_from_the_rest():
    assert all(NATIVE_NOISE.match(line) for line in NOISE)
    assert not any(NATIVE_NOISE.match(line) for line in KEPT)


def test_a_process_keeps_python_output_and_real_native_errors_only():
    script = textwrap.dedent(
        f"""
        import os, sys
        from detector.native_log import native_log_quiet
        native_log_quiet()
        for line in {NOISE + KEPT!r}:
            os.write(2, line + b"\\n")  # as the C++ code writes: straight to descriptor 2
        print("progress: 50 %", file=sys.stderr)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, check=True
    ).stderr
    lines = out.splitlines()
    assert b"progress: 50 %" in lines
    assert set(KEPT) <= set(lines)
    assert not any(line in lines for line in NOISE)
