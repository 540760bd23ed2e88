"""Rhythmic leg movement, found wherever it happens, by a continuous time-frequency analysis.

The rule (DESIGN.md; legmove's own, after AASM's rhythmic movement disorder): at least
``rhythm_min_cycles`` cycles at a dominant ``rhythm_fmin_hz``-``rhythm_fmax_hz`` with clear
periodicity, found wherever it happens — inside awake wriggling, inside a long movement,
under a blanket. It does not depend on how movements are segmented:

1. **Windows.** Every ``rhythm_step_s`` a window of ``rhythm_window_s`` is centred on each
   sample where a leg is moving. Each leg's signals (:mod:`pipeline.scoring.rhythm_signals`:
   body-relative keypoint channels where both legs' keypoints are trusted throughout the
   window, else both legs' flow along the body axis) are linearly detrended, Hann-tapered
   and their spectrum taken on a 0.02-Hz grid.
2. **Dominant frequency and periodicity.** The dominant frequency is the highest
   spectral peak inside ``rhythm_fmin_hz``-``rhythm_fmax_hz`` (refined by parabolic
   interpolation); the *strength* of periodicity is the share of the window's power that
   lies within 1/window of it — or, for a leg that moves for only part of the window,
   within the main lobe of a rhythm as long as that movement
   (:func:`pipeline.scoring.rhythm_spectra.lobe`). A leg whose movement through the
   window's centre is shorter than the window is also measured over that movement alone
   (the leg's drawn-up posture during a short bout, a pulse as long as the bout, then
   fills the measured stretch and the detrending takes it out). Wriggling spreads its
   power over many frequencies; a kicking leg puts nearly all of it at one. A window is
   rhythmic for a leg moving at its centre when the strength reaches
   ``rhythm_min_periodicity``.
3. **Bouts.** Consecutive rhythmic windows (gaps up to a second) whose frequency stays
   within ``rhythm_freq_tolerance`` of the run's median form one bout. Its edges are found
   on the signal itself: complex demodulation at the bout's frequency (a two-cycle Hann
   kernel) gives the amplitude of that rhythm at each moment, and the bout lasts while it
   stays above ``rhythm_edge_fraction`` of its median over the run.
4. **Frequency, cycles, legs, pattern.** The frequency is measured again over the whole
   bout; cycles = frequency x duration; a leg takes part when it is rhythmic in at least
   half of the run's windows, or when, over the bout itself, it moves in at least half of
   it and has the bout's rhythm: its own strength at the bout's frequency reaches
   ``rhythm_min_periodicity``, or reaches half (the rhythm is its main movement) and its
   power there stands out from its own movement around the bout as step 5 tests it
   (:func:`pipeline.scoring.rhythm_background.leg_chance`); and its amplitude there is at
   least a third of the other leg's (keypoints or a leg region dragged along by the
   kicking leg show a fraction of its rhythm: a leg with less is left out even where its
   own windows were rhythmic). The windows alone can miss the
   anti-phase leg of a short cycling bout, and the anti-phase leg of a cycling bout under
   a blanket or inside wriggling often moves less regularly than the other
   (wriggling_settling's 0.8-Hz cycling under the blanket: strength 0.63 and chance 0.003
   for the second leg, where a leg region that sees a little of the other leg's kicks had
   0.2). With both
   legs, the phase between them is the angle of their cross-spectrum at the bout's
   frequency: within 90° of in phase is ``kicking``, beyond is ``cycling`` (anti-phase);
   one leg alone is ``kicking`` of that leg.
5. **Kept** when it has at least ``rhythm_min_cycles`` cycles and stands out from the
   own movement around it of the legs whose windows found it (tested before step 4's
   other leg joins: a second leg gives the bout its pattern, not its existence)
   (:mod:`pipeline.scoring.rhythm_background`). Wriggling is a narrow-band random
   movement whose three to six cycles look periodic now and then (the generator's
   wriggling: 16 such bouts in two hours, strength 0.70-0.81, which the windows cannot
   tell from a true bout inside it). So the bout's power at its frequency is compared
   with the same legs' power at that frequency in stretches as long as the bout in the
   minute before and after it, an F-test over every frequency of the band a bout of that
   length could have been found at; the bout is kept when the chance that its background
   makes so strong a rhythm is at most ``rhythm_max_chance`` (1 of the 16). A bout with
   too little around it to compare (a clip little longer than the bout) is kept
   untested.

One bout table (:data:`BOUT_COLUMNS`) comes out; :func:`rhythm_label` then gives every
movement the rhythm of the bout it belongs to, so the per-movement ``rhythmic``,
``pattern`` and ``frequency_hz`` columns agree with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.scoring import rhythm_spectra as rs
from pipeline.scoring.rhythm_background import background_chance, leg_chance
from pipeline.scoring.rhythm_signals import FLOW, POSE, RhythmSignals, channels, flow_axis
from pipeline.scoring.rhythm_spectra import rhythm_spectrum
from pipeline.scoring.rhythm_table import BOUT_COLUMNS, rhythm_clip, rhythm_label
from pipeline.scoring.signal import samples
from pipeline.settings import Settings

__all__ = [
    "BOUT_COLUMNS",
    "rhythm_bouts",
    "rhythm_clip",
    "rhythm_label",
    "rhythm_moving",
    "rhythm_spectrum",
]

_MAX_GAP_S = 1.0  # a run of rhythmic windows may skip this long of non-rhythmic ones
#: a leg joins a bout (step 4) when at least this share of its movement over the bout is
#: at the bout's frequency (the rhythm is its main movement) ...
_JOIN_MIN_SHARE = 0.5
#: ... with at least this share of the other leg's amplitude there (power: its square): a
#: leg whose keypoints or region are dragged along by the kicking leg shows a fraction of
#: its rhythm (rhythmic_settling's one-leg bout at 4 Hz: the still leg's amplitude 0.17 of
#: the kicking leg's), a leg that takes part in a bout much more (the generated scenes'
#: two-leg bouts: 0.54-0.99) ...; and its strength reaches ``rhythm_min_periodicity`` or
#: its rhythm stands out from its own movement around the bout (``leg_chance``)
_JOIN_MIN_AMPLITUDE = 1.0 / 3.0
_POSE, _FLOW = POSE, FLOW


# --- the windows ------------------------------------------------------------------------
class _Windows:
    """Per-window results (arrays over the windows' centres), at two window lengths:
    ``rhythm_window_s`` and half of it (a short fast bout fills more of a short window);
    a window of length T looks for frequencies with at least ``rhythm_min_cycles`` cycles
    in it. Per centre and leg the rhythmic result with the higher strength is kept."""

    def __init__(self, sig: RhythmSignals, settings: Settings) -> None:
        fs = sig.fs_hz
        n = max(8, samples(settings.rhythm_window_s, fs))
        lengths = [n, max(8, n // 2)]
        half = n // 2
        m = len(sig.t_s)
        step = max(1, samples(settings.rhythm_step_s, fs))
        centres = np.arange(half, m - (n - half) + 1, step)
        moving = _near(sig.moving, fs)
        self.near = moving
        centres = centres[moving[:, centres].any(axis=0)] if centres.size else centres
        self.n, self.half, self.centres = n, half, centres
        w = len(centres)
        self.source = np.zeros(w, dtype=int)
        self.freq = np.full((2, w), np.nan)
        self.strength = np.zeros((2, w))
        self.rhythmic = np.zeros((2, w), dtype=bool)
        self.long = np.zeros((2, w), dtype=bool)  # rhythmic in the long window
        self.axis = np.full((w, 2), np.nan)
        freqs = rs.grid(fs)
        scales = []
        for ln in lengths:
            t_s = ln / fs
            lo = max(settings.rhythm_fmin_hz, settings.rhythm_min_cycles / t_s) - rs.DF_HZ
            hi = settings.rhythm_fmax_hz + rs.DF_HZ
            if lo >= hi:
                continue
            kern = np.exp(-2j * np.pi * np.outer(np.arange(ln) / fs, freqs))
            scales.append((ln, kern, rs.taper(ln), 1.0 / t_s, lo, hi))
        for j, c in enumerate(centres):
            # each window length reads its own stretch: a keypoint dropout 2.5 s from the
            # centre leaves the short window's signal whole (every window of a 2.2-s
            # cycling bout ending 0.3 s before a dropout of both legs had none at all when
            # both lengths needed the long window's signal)
            for si, (ln, kern, taper, band, lo, hi) in enumerate(scales):
                a = c - ln // 2
                got = _window_signals(sig, a, a + ln)
                if got is None:
                    continue
                win, src, d = got
                if self.source[j] == 0:
                    self.source[j] = src
                if src == _FLOW and not np.isfinite(self.axis[j]).all():
                    self.axis[j] = d
                for li in range(2):
                    if not moving[li, c] or not np.isfinite(win[li]).all():
                        continue
                    spec = (rs.detrend(win[li]) * taper) @ kern  # (C, F)
                    p = (np.abs(spec) ** 2).sum(axis=0)
                    f0, k = rs.peak(p, freqs, lo, hi)
                    if k < 0:
                        continue
                    moved_s = float(sig.moving[li, a : a + ln].sum()) / fs
                    st = rs.strength(p, freqs, f0, rs.lobe(band, moved_s, f0, settings))
                    if si == 0:
                        self.long[li, j] = st >= settings.rhythm_min_periodicity
                    if st > self.strength[li, j]:
                        self.freq[li, j] = f0
                        self.strength[li, j] = st
            for li in range(2):
                if not moving[li, c]:
                    continue
                f0, st = _over_movement(sig, li, c - half, c - half + n, c, freqs, settings)
                if st > self.strength[li, j]:
                    self.freq[li, j] = f0
                    self.strength[li, j] = st
                self.rhythmic[li, j] = self.strength[li, j] >= settings.rhythm_min_periodicity


def _window_signals(
    sig: RhythmSignals, a: int, b: int
) -> tuple[np.ndarray, int, np.ndarray] | None:
    """(signals (2, C, b - a), source, flow axis) of both legs over [a, b): the keypoint
    channels where both legs' are known throughout; else the displacement along the flow
    axis (its velocity integrated, as the keypoint channels are positions; the window's
    detrending removes the integration constant) where both legs' flow is known; else the
    keypoint channels of the one leg known (the other NaN); None where neither is."""
    nan2 = np.full(2, np.nan)
    pw = sig.pose[:, :, a:b]
    legs_ok = np.isfinite(pw).all(axis=(1, 2))
    if legs_ok.all():
        return pw, _POSE, nan2
    flow = sig.flow
    if flow is not None and np.isfinite(flow[:, :, a:b]).all():
        fw = flow[:, :, a:b]
        d = flow_axis(fw, sig.axis[a:b])
        disp = np.cumsum((fw * d[None, :, None]).sum(axis=1, keepdims=True), axis=2)
        return disp / sig.fs_hz, _FLOW, d
    if legs_ok.any():
        return np.where(legs_ok[:, None, None], np.nan_to_num(pw), np.nan), _POSE, nan2
    return None


def _over_movement(
    sig: RhythmSignals, li: int, a: int, b: int, c: int, freqs: np.ndarray, settings: Settings
) -> tuple[float, float]:
    """Dominant frequency and strength of leg ``li`` measured over its movement through the
    window [a, b)'s centre ``c`` alone, when that movement is shorter than the window;
    (nan, 0) otherwise or where the leg's signal is not known over it.

    Measured alone, a stretch holds one cycle more than ``rhythm_min_cycles`` at the
    frequency it is given: without the window's still context the irregular wiggle of a
    1.5-s LM (a PLM) reached a strength of 0.72 at 3.2 cycles, while a four-kick bout
    measured this way reaches 0.9."""
    fs = sig.fs_hz
    moving = sig.moving[li, a:b]
    k = c - a
    if not moving[k] or moving.all():
        return float("nan"), 0.0
    s = k - int(np.argmin(moving[k::-1])) + 1 if not moving[: k + 1].all() else 0
    e = k + int(np.argmin(moving[k:])) if not moving[k:].all() else len(moving)
    t_s = (e - s) / fs
    lo = max(settings.rhythm_fmin_hz, (settings.rhythm_min_cycles + 1) / t_s) - rs.DF_HZ
    hi = settings.rhythm_fmax_hz + rs.DF_HZ
    if e - s < 8 or lo >= hi:
        return float("nan"), 0.0
    got = _window_signals(sig, a + s, a + e)
    if got is None or not np.isfinite(got[0][li]).all():
        return float("nan"), 0.0
    p = (np.abs(rs.dtft(got[0][li], fs, freqs)) ** 2).sum(axis=0)
    f0, kk = rs.peak(p, freqs, lo, hi)
    if kk < 0:
        return float("nan"), 0.0
    return f0, rs.strength(p, freqs, f0, 1.0 / t_s)


# --- bouts --------------------------------------------------------------------------------
def _runs(win: _Windows, fs: float, tol: float) -> list[tuple[int, int, float]]:
    """Runs of rhythmic windows as (first, last + 1, frequency): each leg's consecutive
    rhythmic windows (gaps up to a second) whose frequency stays within ``tol`` of the run's
    median, then the two legs' runs that overlap at the same frequency joined."""
    gap = max(1, samples(_MAX_GAP_S, fs))
    legs: list[tuple[int, int, float]] = []
    for li in range(2):
        cur: list[int] = []
        for j in np.flatnonzero(win.rhythmic[li]):
            if cur:
                med = float(np.median(win.freq[li, cur]))
                near = abs(win.freq[li, j] - med) <= tol * med
                if near and win.centres[j] - win.centres[cur[-1]] <= gap:
                    cur.append(int(j))
                    continue
                legs.append((cur[0], cur[-1] + 1, float(np.median(win.freq[li, cur]))))
            cur = [int(j)]
        if cur:
            legs.append((cur[0], cur[-1] + 1, float(np.median(win.freq[li, cur]))))
    legs.sort()
    out: list[tuple[int, int, float]] = []
    for a, b, f in legs:
        for k, (pa, pb, pf) in enumerate(out):
            if a < pb and pa < b and abs(f - pf) <= tol * max(f, pf):
                out[k] = (min(a, pa), max(b, pb), pf if pb - pa >= b - a else f)
                break
        else:
            out.append((a, b, f))
    return out


def _demodulate(x: np.ndarray, fs: float, f0: float) -> np.ndarray:
    """Complex amplitude of the rhythm at ``f0`` over time, per channel: ``x`` (C, L), NaN as
    0, less its running mean over one period (which keeps ``f0``), times e^{-i 2 pi f0 t},
    smoothed by a two-cycle Hann kernel (whose first zero falls on ``f0``)."""
    x = np.nan_to_num(x)
    t = np.arange(x.shape[-1]) / fs
    period = max(2, samples(1.0 / f0, fs))
    box = np.ones(period) / period
    x = x - np.stack([np.convolve(row, box, mode="same") for row in x])
    kern = rs.taper(max(3, samples(2.0 / f0, fs)))
    kern = kern / kern.sum()
    z = x * np.exp(-2j * np.pi * f0 * t)[None, :]
    return np.stack([np.convolve(row, kern, mode="same") for row in z])


def _match(z: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """How much of the reference rhythm ``ref`` (C,) each moment of ``z`` (C, L) holds: the
    projection of its complex amplitudes on the reference's, over the reference's power
    (1 where the same rhythm continues in amplitude and phase; about 0 in unrelated motion,
    whose phase wanders)."""
    power = float((np.abs(ref) ** 2).sum())
    if power <= 0:
        return np.zeros(z.shape[-1])
    return np.asarray(np.real((z * np.conj(ref)[:, None]).sum(axis=0)) / power)


def rhythm_bouts(sig: RhythmSignals, settings: Settings) -> pd.DataFrame:
    """The bout table (:data:`BOUT_COLUMNS`, ``state`` left empty) of the leg signals."""
    win = _Windows(sig, settings)
    tol = settings.rhythm_freq_tolerance
    rows = []
    for ja, jb, f_run in _runs(win, sig.fs_hz, tol):
        sel = slice(ja, jb)
        at_f = win.rhythmic[:, sel] & (np.abs(win.freq[:, sel] - f_run) <= tol * f_run)
        share = at_f.mean(axis=1)
        legs = [li for li in range(2) if share[li] >= 0.5] or [int(np.argmax(share))]
        # the edges follow the rhythm from where every leg taking part has it
        full = np.flatnonzero(at_f[legs].all(axis=0))
        ka, kb = (ja + full[0], ja + full[-1]) if full.size else (ja, jb - 1)
        core = (int(win.centres[ka]), int(win.centres[kb]) + 1)
        src = win.source[sel]
        first = _POSE if (src == _POSE).sum() * 2 >= len(src) else _FLOW
        for source in (first, _FLOW if first == _POSE else _POSE):
            row = _bout(sig, win, settings, source, legs, core, sel, f_run)
            if row is not None:
                rows.append(row)
                break
    return _bout_table(_no_overlaps(rows))


def _bout(
    sig: RhythmSignals,
    win: _Windows,
    settings: Settings,
    source: int,
    legs: list[int],
    core: tuple[int, int],
    sel: slice,
    f_run: float,
) -> dict | None:
    """The bout of one run of rhythmic windows measured on ``source`` (steps 3-5 of the
    module doc), or None when that source cannot show it or it is not a bout."""
    fs, m = sig.fs_hz, len(sig.t_s)
    c0, c1 = core
    lo_i, hi_i = max(0, c0 - win.n), min(m, c1 + win.n)
    axis = np.zeros(2)
    if source == _FLOW:
        if sig.flow is None:
            return None
        known = win.axis[sel][np.isfinite(win.axis[sel]).all(axis=1)]
        axis = (
            np.median(known, axis=0)
            if len(known)
            else flow_axis(sig.flow[:, :, lo_i:hi_i], sig.axis[lo_i:hi_i])
        )
        axis = axis / max(float(np.linalg.norm(axis)), 1e-9)
    x = channels(sig, source, legs, lo_i, hi_i, axis)
    if not np.isfinite(x[..., c0 - lo_i : c1 - lo_i]).all():
        return None  # this source does not see the run's core
    z = _demodulate(x.reshape(-1, hi_i - lo_i), fs, f_run)
    moving = win.near[legs].any(axis=0)[lo_i:hi_i] & np.isfinite(x).all(axis=(0, 1))
    s, e = _edges(z, moving, c0 - lo_i, c1 - lo_i, fs, f_run, settings.rhythm_edge_fraction)
    if e - s < 4:
        return None
    a, b = lo_i + s, lo_i + e
    if _embedded(sig.moving[legs], a, b, fs) and (
        not win.long[legs][:, sel].any() or (b - a) / fs < settings.rhythm_embedded_min_s
    ):
        return None  # inside ongoing movement: too short to be told from chance
    seg = channels(sig, source, [0, 1], a, b, axis)
    f, strength, phase, per_leg, level = _bout_measure(seg, legs, fs, f_run, settings)
    # a leg with a small part of the other's amplitude at the rhythm is dragged along by it
    # (its keypoints or its region), whatever its windows say (step 4)
    strong = [k for k in legs if level[k] >= _JOIN_MIN_AMPLITUDE**2 * max(level)]
    if strong and strong != legs:
        legs = strong
        f, strength, phase, per_leg, level = _bout_measure(seg, legs, fs, f_run, settings)
    t_a = float(sig.t_s[a])
    t_b = float(sig.t_s[b - 1]) + 1.0 / fs
    cycles = f * (t_b - t_a)
    if cycles < settings.rhythm_min_cycles or strength < settings.rhythm_min_periodicity:
        return None
    # whether there is a bout at all is decided on the legs whose windows found it; which
    # legs take part then gives its pattern (a second leg's power must not make a bout
    # of what the first leg's alone does not)
    if background_chance(sig, source, legs, a, b, axis, f, settings) > settings.rhythm_max_chance:
        return None  # as strong a rhythm as the legs' own movement around it makes by chance
    # the other leg takes part when, over the bout itself, it moves and has the bout's
    # rhythm (step 4): judged by windows alone, an anti-phase leg whose movement fills less
    # of them can miss the threshold the leg in phase with the bout's start meets
    for li in {0, 1} - set(legs):
        lead = max(level[k] for k in legs)
        if (
            sig.moving[li, a:b].mean() < 0.5
            or per_leg[li] < _JOIN_MIN_SHARE
            or level[li] < _JOIN_MIN_AMPLITUDE**2 * lead
        ):
            continue
        if per_leg[li] >= settings.rhythm_min_periodicity or (
            (chance := leg_chance(sig, source, li, a, b, axis, f, settings)) is not None
            and chance <= settings.rhythm_max_chance
        ):
            legs = sorted([*legs, li])
    if len(legs) == 2:
        pattern = "cycling" if abs(phase) > 90.0 else "kicking"
        side = "bilateral"
    else:
        pattern, side = "kicking", ("left", "right")[legs[0]]
    return {
        "start_s": t_a,
        "end_s": t_b,
        "frequency_hz": f,
        "pattern": pattern,
        "side": side,
        "cycles": cycles,
        "strength": strength,
        "phase_deg": phase if len(legs) == 2 else float("nan"),
        "source": "pose" if source == _POSE else "motion",
    }


def _embedded(moving: np.ndarray, a: int, b: int, fs: float) -> bool:
    """Whether [a, b) lies inside ongoing movement of the legs ``moving`` (legs, M): a leg
    moves in at least half of the second before it and of the second after it."""
    w = max(1, samples(_MAX_GAP_S, fs))
    before = moving[:, max(0, a - w) : a].any(axis=0)
    after = moving[:, b : b + w].any(axis=0)
    return bool(before.size and after.size and before.mean() >= 0.5 and after.mean() >= 0.5)


def _edges(
    z: np.ndarray, moving: np.ndarray, c0: int, c1: int, fs: float, f0: float, frac: float
) -> tuple[int, int]:
    """Start and end (indices into ``z``, end exclusive) of the rhythm whose run of rhythmic
    windows has its centres in [c0, c1).

    Each edge follows the rhythm of the run's first (last) two cycles: the start is where
    the sum of ``match - frac`` (:func:`_match`, -1 where no leg moves) from it up to the end
    of those two cycles is largest, and the same for the end. A moment where the same
    rhythm continues adds about ``1 - frac``, one of unrelated motion about ``-frac``: a
    brief dip inside a bout does not end it, a chance resemblance outside does not extend it.
    """
    n = z.shape[-1]
    two = max(2, samples(2.0 / f0, fs))

    def gain(ref_sl: slice) -> np.ndarray:
        m = _match(z, z[:, ref_sl].mean(axis=1))
        return np.where(moving, m, -1.0) - frac

    a_ref = min(c0 + two, c1, n)
    g = gain(slice(c0, max(a_ref, c0 + 1)))
    back = np.cumsum(g[:a_ref][::-1])[::-1]  # back[s] = sum of g[s:a_ref]
    s = int(np.argmax(back)) if a_ref > 0 else 0
    e_ref = max(c1 - two, s, 0)
    g = gain(slice(e_ref, max(c1, e_ref + 1)))
    fwd = np.cumsum(g[e_ref:])  # fwd[k] = sum of g[e_ref:e_ref + k + 1]
    e = e_ref + int(np.argmax(fwd)) + 1 if fwd.size else e_ref
    return s, e


def _no_overlaps(rows: list[dict]) -> list[dict]:
    """Bouts that overlap by more than half the shorter one are one rhythm found twice (at
    a boundary of two runs): the stronger is kept."""
    rows = sorted(rows, key=lambda r: -r["strength"])
    kept: list[dict] = []
    for r in rows:
        clash = False
        for k in kept:
            ov = min(r["end_s"], k["end_s"]) - max(r["start_s"], k["start_s"])
            short = min(r["end_s"] - r["start_s"], k["end_s"] - k["start_s"])
            if ov > 0.5 * short:
                clash = True
                break
        if not clash:
            kept.append(r)
    return kept


def _bout_measure(
    seg: np.ndarray, legs: list[int], fs: float, f_run: float, settings: Settings
) -> tuple[float, float, float, list[float], list[float]]:
    """Frequency, strength and phase (degrees, right leg relative to left) of a bout over
    its whole extent, each leg's own strength at that frequency and its power there (0
    where its signal is not known); ``seg`` (2, C, L) both legs' channels."""
    n = seg.shape[-1]
    freqs = rs.grid(fs)
    tol = settings.rhythm_freq_tolerance * f_run
    spec: list[np.ndarray | None] = []
    p = np.zeros(len(freqs))
    for li in range(2):
        x = seg[li]
        if not np.isfinite(x).all():
            spec.append(None)
            continue
        sp = rs.dtft(x, fs, freqs)
        spec.append(sp)
        if li in legs:
            p += (np.abs(sp) ** 2).sum(axis=0)
    f, k = rs.peak(p, freqs, f_run - tol, f_run + tol)
    if k < 0:
        f, k = f_run, int(np.argmin(np.abs(freqs - f_run)))
    band = 1.0 / (n / fs)
    strength = rs.strength(p, freqs, f, band)
    per_leg = [
        0.0 if sp is None else rs.strength((np.abs(sp) ** 2).sum(axis=0), freqs, f, band)
        for sp in spec
    ]
    level = [0.0 if sp is None else float((np.abs(sp[:, k]) ** 2).sum()) for sp in spec]
    phase = float("nan")
    s_l, s_r = spec
    if s_l is not None and s_r is not None:
        cross = (s_r[:, k] * np.conj(s_l[:, k])).sum()
        phase = float(np.degrees(np.angle(cross)))
    return f, strength, phase, per_leg, level


def _bout_table(rows: list[dict]) -> pd.DataFrame:
    keep = [c for c in BOUT_COLUMNS if c not in ("bout", "state", "clipped")]
    df = pd.DataFrame(rows, columns=keep)
    df = df.sort_values("start_s", kind="stable").reset_index(drop=True)
    df["duration_s"] = df["end_s"] - df["start_s"]
    df["bout"] = np.arange(1, len(df) + 1, dtype=int)
    df["state"] = ""
    df["clipped"] = False
    for c in ("start_s", "end_s", "duration_s"):
        df[c] = df[c].astype(float).round(3)
    for c in ("frequency_hz", "cycles", "strength"):
        df[c] = df[c].astype(float).round(2)
    df["phase_deg"] = df["phase_deg"].astype(float).round(0)
    return df[BOUT_COLUMNS]


def rhythm_moving(mono: pd.DataFrame, t_s: np.ndarray) -> np.ndarray:
    """(2, M) True on the grid ``t_s`` inside each leg's movements (the monolateral table
    of :func:`pipeline.scoring.movements.movements_detect`)."""
    out = np.zeros((2, len(t_s)), dtype=bool)
    for row in mono.itertuples(index=False):
        li = 0 if row.side == "left" else 1
        a, b = np.searchsorted(t_s, (row.start_s, row.end_s))
        out[li, a : max(b, a + 1)] = True
    return out


def _near(moving: np.ndarray, fs: float) -> np.ndarray:
    """``moving`` (2, M) grown by a second on each side: where a bout may be sought. The
    margin bridges the moments a slow kick turns round, which a speed threshold set high
    by wriggling around can miss (a 0.7-Hz cycling bout inside wriggling showed as a
    movement 0.1 s long every 0.7 s)."""
    k = 2 * max(1, samples(_MAX_GAP_S, fs)) + 1
    return np.stack([np.convolve(row.astype(float), np.ones(k), mode="same") > 0 for row in moving])
