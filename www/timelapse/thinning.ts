// Which recorded moments the time-lapse keeps. Training changes fastest at first (the codes leave the centre within
// the first hundred steps) and ever more slowly after, so moments are kept evenly spread on a logarithmic axis of
// steps: every octave of training (steps 100–200, 1,000–2,000, …) gets about as many frames as any other. When the
// store is full, the frame whose two neighbours are closest on that axis goes: what remains is as even as the moments
// recorded allow, the first and the latest always stay, and however long training runs the count stays bounded.

/**
 * Steps added before the logarithm: the first EARLY_STEPS steps share the axis like one octave, so a handful of
 * frames covers them (without it, steps 1, 2, 3 … would each take a frame's place).
 */
export const EARLY_STEPS = 16;

/** Where a step sits on the time-lapse's axis (also the timeline's x axis, so frames are spread evenly there too). */
export function warp(step: number): number {
  return Math.log2(Math.max(0, step) + EARLY_STEPS);
}

/** The step at a place on the axis (warp's inverse). */
export function unwarp(position: number): number {
  return Math.max(0, 2 ** position - EARLY_STEPS);
}

/**
 * The index of the one of `steps` (ascending) to drop: the interior one whose neighbours are nearest each other on
 * the warped axis (so dropping it leaves the smallest gap), never the first or the last nor one `keep` protects;
 * ties go to the earlier one. -1 when every one is protected.
 */
export function victim(steps: ArrayLike<number>, keep: (index: number) => boolean = () => false): number {
  let best = -1;
  let bestGap = Infinity;
  for (let i = 1; i < steps.length - 1; i++) {
    if (keep(i)) continue;
    const gap = warp(steps[i + 1]) - warp(steps[i - 1]);
    if (gap < bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return best;
}

/** The last index whose step is at or before `step` in `steps` (ascending); -1 when all are after it. */
export function atOrBefore(steps: ArrayLike<number>, step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] <= step) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
