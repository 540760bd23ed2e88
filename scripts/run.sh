#!/usr/bin/env bash
# The README's run command (`make run`): analyse the demo night into the store, then open it
# in the dashboard (http://127.0.0.1:8501 — this computer only; video never leaves it).
#
#   LEGMOVE_DATA   data folder of the store (default: legmove-data/ here)
#   LEGMOVE_PORT   dashboard port (default 8501)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export LEGMOVE_DATA=${LEGMOVE_DATA:-$PWD/legmove-data}
DEMO=sample_videos/demo_night.mp4
PORT=${LEGMOVE_PORT:-8501}

# The demo night's number in the store, if it is there already (same video file content).
demo_id() {
  $BIN/python - "$DEMO" <<'EOF'
import sys
from detector.video import night_plan
from pipeline.store.db import Store
want = sorted(s.sha256 for s in night_plan([sys.argv[1]]))
for n in Store().list_nights():
    if sorted(s.sha256 for s in n.sources) == want:
        print(n.id, n.status)
        break
EOF
}

read -r ID STATUS <<<"$(demo_id)" || true
if [ -z "${ID:-}" ]; then
  echo "== analysing the demo night into the store ($LEGMOVE_DATA)"
  $BIN/legmove night add "$DEMO" --label "Demo baby" --date 2024-05-01 --in-bed 19:30
elif [ "$STATUS" != "done" ]; then
  echo "== resuming the analysis of the demo night (night $ID)"
  $BIN/legmove night analyze "$ID"
else
  echo "== the demo night is already analysed (night $ID in $LEGMOVE_DATA)"
fi

echo "== opening the dashboard: http://127.0.0.1:$PORT  (Ctrl-C stops it)"
exec $BIN/streamlit run dashboard.py --server.address 127.0.0.1 --server.port "$PORT" \
  --server.headless true --browser.gatherUsageStats false
