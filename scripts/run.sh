#!/usr/bin/env bash
# The README's run command (`make run`): make the demo nights (in a store of their own, apart
# from your nights), then open the dashboard (http://127.0.0.1:8501 — this computer only; video
# never leaves it).
#
#   LEGMOVE_DATA   your data folder, the same for the dashboard and the `legmove` command
#                  (default: ~/.local/share/legmove); the demo nights go into its demo/ folder
#   LEGMOVE_PORT   dashboard port (default 8501)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${LEGMOVE_PORT:-8501}

echo "== the demo nights: a generated week and the demo video (sample_videos/demo_night.mp4)"
$BIN/legmove demo --video sample_videos/demo_night.mp4

echo "== opening the dashboard: http://127.0.0.1:$PORT  (Ctrl-C stops it)"
exec $BIN/streamlit run dashboard.py --server.address 127.0.0.1 --server.port "$PORT" \
  --server.headless true --browser.gatherUsageStats false
