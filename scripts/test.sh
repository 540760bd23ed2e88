#!/usr/bin/env bash
# Lint, types and tests — the README's test command (`make test`) and CI (.ci/run) run this.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# System tools some tests drive for real: headless Chromium (dashboard), pdftoppm (PDF report),
# GStreamer's RTSP server (legmove record).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# GStreamer's RTSP server (on Debian's own Python) plays the camera in the recording tests
/usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer', '1.0')" >/dev/null 2>&1 \
  || need+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need[*]} (apt-get; waits up to 10 min for another apt process to finish)"
    # a fresh machine often runs its own apt job at boot: wait for the dpkg lock, don't fail
    lock=(-o DPkg::Lock::Timeout=600)
    for _ in $(seq 60); do  # the package lists' lock too: retry for up to 10 min
      apt-get "${lock[@]}" update -qq >/dev/null && break
      sleep 10
    done
    apt-get "${lock[@]}" install -y -qq "${need[@]}" >/dev/null
  else
    echo "note: ${need[*]} missing and not root: the tests needing them will skip"
  fi
fi

echo "== ruff"
$BIN/ruff check .
echo "== mypy"
$BIN/mypy
echo "== pytest"
$BIN/pytest -q -p no:cacheprovider "$@"
