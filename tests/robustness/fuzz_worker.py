"""Fuzz worker, run as a child process: mutated videos through the video-opening path.

    python -m tests.robustness.fuzz_worker SEED N WORKDIR BASE [BASE ...]

For each of N cases it writes one to three mutated copies of the BASE files (random
bit flips, truncation, inserted junk, zeroed and duplicated ranges, biased towards the
container headers at either end), then runs night_plan, a whole-night night_frames and
a chunk of it. Before each case it prints ``CASE i path ...`` and after it ``DONE i
outcome``, flushed, so the parent can tell which input hung or crashed the process.
An outcome is ``ok``, ``legmove <ErrorClass>``, ``value-error`` or ``BAD <repr>``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from detector.video import night_frames, night_plan
from pipeline.errors import LegmoveError

_OPS = ("flip", "truncate", "insert", "zero", "duplicate")


def mutate(data: bytes, rng: random.Random) -> bytes:
    """1-4 random edits of ``data``; positions favour the first 400 and last 600 bytes."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not b:
            break
        n = len(b)
        i = rng.choice(
            [rng.randrange(n), rng.randrange(min(n, 400)), n - 1 - rng.randrange(min(n, 600))]
        )
        op = rng.choice(_OPS)
        if op == "flip":
            for k in range(rng.randint(1, 16)):
                b[min(n - 1, i + k)] ^= 1 << rng.randrange(8)
        elif op == "truncate":
            del b[i:]
        elif op == "insert":
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif op == "zero":
            m = rng.randint(1, 256)
            b[i : i + m] = bytes(len(b[i : i + m]))
        else:
            j = rng.randrange(n)
            b[i:i] = b[j : j + rng.randint(1, 200)]
    return bytes(b)


def run_case(paths: list[Path], rng: random.Random) -> str:
    try:
        plan = night_plan(paths)
        list(night_frames(plan, on_issue=lambda _msg: None))
        start = rng.uniform(0.0, max(s.end_s for s in plan))
        list(night_frames(plan, start_s=start, end_s=start + 1.0, on_issue=lambda _msg: None))
        return "ok"
    except LegmoveError as exc:
        return f"legmove {type(exc).__name__}"
    except ValueError:
        return "value-error"
    except Exception as exc:  # what the fuzzing looks for
        return f"BAD {exc!r}"[:400]


def main(argv: list[str]) -> int:
    seed, n, work = int(argv[0]), int(argv[1]), Path(argv[2])
    bases = [Path(p) for p in argv[3:]]
    data = [p.read_bytes() for p in bases]
    rng = random.Random(seed)
    work.mkdir(parents=True, exist_ok=True)
    for case in range(n):
        paths = []
        for j in range(1 if rng.random() < 0.7 else rng.randint(2, 3)):
            k = rng.randrange(len(bases))
            body = mutate(data[k], rng) if j == 0 or rng.random() < 0.7 else data[k]
            # names carry times, so multi-file nights are also ordered by name
            stamp = f"20261127_20{rng.randint(0, 1)}{rng.randint(0, 5)}0{j}"
            p = work / f"cam_{stamp}_{case}{bases[k].suffix}"
            p.write_bytes(body)
            paths.append(p)
        print(f"CASE {case} " + " ".join(str(p) for p in paths), flush=True)
        outcome = run_case(paths, rng)
        print(f"DONE {case} {outcome}", flush=True)
        if not outcome.startswith("BAD"):
            for p in paths:
                p.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
