#!/usr/bin/env bash
# The README's run command (`make run`): analyse the demo night, then open it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
OUT=${LEGMOVE_DEMO_OUT:-out/demo_night}
$BIN/legmove analyze sample_videos/demo_night.mp4 --out "$OUT"
echo "Open $OUT/summary.json, events.csv and episodes.csv to see the night."
