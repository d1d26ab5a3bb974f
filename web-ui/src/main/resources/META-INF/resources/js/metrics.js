// The dashboard's chart data: samples from GET /api/metrics kept for the last 15 minutes, and the
// series the charts draw from them. Pure: no DOM, no network, no chart library; unit-tested in Node.

/** How far back the charts reach. */
export const WINDOW_MS = 15 * 60 * 1000;

/** Sample kinds in the coordinator's answer. */
export const Kind = Object.freeze({ CHAT: 'chatServers', ARCHIVER: 'archivers' });

/** A source that sent nothing for longer than this (the coordinator's staleAfter) has stopped. */
const DEFAULT_STALE_AFTER_MS = 6000;

function isTime(value) {
  return Number.isFinite(value) && value > 0;
}

/** Index of the first sample whose time is greater than `time` (samples ascending by time). */
function firstAfter(samples, time) {
  let low = 0;
  let high = samples.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (samples[middle].time <= time) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/**
 * Samples per source over a sliding window. Feed it each answer of GET /api/metrics (the first
 * without `since`, then with `since` = {@link MetricsStore#cursor}); it keeps every sample once, in
 * time order, and forgets what fell out of the window. Times are the coordinator's (Redis's) clock,
 * so a browser with a wrong clock still draws the right window.
 */
export class MetricsStore {
  constructor(windowMs = WINDOW_MS) {
    this.windowMs = windowMs;
    /** Redis time of the latest answer; 0 before the first. */
    this.now = 0;
    this.staleAfterMs = DEFAULT_STALE_AFTER_MS;
    /** kind -> (id -> {id, live, lastSample, samples: [...ascending by time]}) */
    this.kinds = new Map(Object.values(Kind).map((kind) => [kind, new Map()]));
  }

  /** What to send as `since` next time (0: everything). */
  get cursor() {
    return this.now;
  }

  /** Merges one answer of GET /api/metrics. Malformed parts are skipped. */
  apply(answer) {
    if (!answer || !isTime(answer.now) || answer.now < this.now) {
      return this;
    }
    this.now = answer.now;
    if (Number.isFinite(answer.staleAfterMillis) && answer.staleAfterMillis > 0) {
      this.staleAfterMs = answer.staleAfterMillis;
    }
    for (const [kind, sources] of this.kinds) {
      const listed = new Set();
      for (const source of Array.isArray(answer[kind]) ? answer[kind] : []) {
        if (typeof source?.id !== 'string') {
          continue;
        }
        listed.add(source.id);
        const held = sources.get(source.id) ?? { id: source.id, samples: [] };
        held.live = source.live === true;
        held.lastSample = isTime(source.lastSample) ? source.lastSample : held.lastSample;
        held.samples = merge(held.samples, Array.isArray(source.samples) ? source.samples : []);
        sources.set(source.id, held);
      }
      for (const held of sources.values()) {
        // A source the answer no longer lists wrote nothing within the history: it stopped.
        if (!listed.has(held.id)) {
          held.live = false;
        }
      }
    }
    this.prune();
    return this;
  }

  /** Forgets samples older than the window, and sources left with none. */
  prune() {
    const oldest = this.now - this.windowMs;
    for (const sources of this.kinds.values()) {
      for (const [id, held] of sources) {
        held.samples = held.samples.slice(firstAfter(held.samples, oldest - 1));
        if (held.samples.length === 0) {
          sources.delete(id);
        }
      }
    }
  }

  /** The sources of a kind, by id: {id, live, lastSample, samples}. */
  sources(kind) {
    return [...(this.kinds.get(kind)?.values() ?? [])].sort((a, b) => a.id.localeCompare(b.id));
  }
}

/** New samples (with a numeric `time`) merged into an ascending list; a time already held is kept. */
function merge(held, incoming) {
  const fresh = incoming
    .filter((sample) => sample && isTime(sample.time))
    .sort((a, b) => a.time - b.time);
  if (fresh.length === 0) {
    return held;
  }
  const last = held.length === 0 ? 0 : held[held.length - 1].time;
  if (fresh[0].time > last) {
    return held.concat(dedupe(fresh));
  }
  const byTime = new Map(held.map((sample) => [sample.time, sample]));
  for (const sample of fresh) {
    if (!byTime.has(sample.time)) {
      byTime.set(sample.time, sample);
    }
  }
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

function dedupe(sorted) {
  return sorted.filter((sample, i) => i === 0 || sample.time !== sorted[i - 1].time);
}

/** A break in a line: the charts draw no segment across a point whose y is null. */
function gapPoint(previous, next) {
  return { x: Math.round((previous.time + next.time) / 2), y: null };
}

function numberOrNull(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A gauge's series: one point {x: time, y: sample[field]} per sample, null where the sample has no
 * value, and a break wherever two samples are further apart than `gapMs` (the app was down).
 */
export function valueSeries(samples, field, gapMs) {
  const points = [];
  for (let i = 0; i < samples.length; i++) {
    if (i > 0 && samples[i].time - samples[i - 1].time > gapMs) {
      points.push(gapPoint(samples[i - 1], samples[i]));
    }
    points.push({ x: samples[i].time, y: numberOrNull(samples[i][field]) });
  }
  return points;
}

/**
 * A counter's rate per second between consecutive samples, measured on the app's own clock (`at`),
 * at the later sample's time. No rate across a gap longer than `gapMs` (a break instead) or across a
 * restart (the total went down).
 */
export function rateSeries(samples, field, gapMs) {
  const points = [];
  for (let i = 1; i < samples.length; i++) {
    const previous = samples[i - 1];
    const current = samples[i];
    if (current.time - previous.time > gapMs) {
      points.push(gapPoint(previous, current));
      continue;
    }
    const before = numberOrNull(previous[field]);
    const after = numberOrNull(current[field]);
    const seconds = (numberOrNull(current.at) - numberOrNull(previous.at)) / 1000;
    const valid = before !== null && after !== null && after >= before && seconds > 0;
    points.push({ x: current.time, y: valid ? (after - before) / seconds : null });
  }
  return points;
}

/** Points with x inside [now - windowMs, now]. */
export function windowPoints(points, now, windowMs = WINDOW_MS) {
  const oldest = now - windowMs;
  return points.filter((point) => point.x >= oldest && point.x <= now);
}

/** Shortest span the charts show, so a cluster that just started is not drawn as a sliver. */
export const MIN_SPAN_MS = 2 * 60 * 1000;

/**
 * The time range all charts share: the last `windowMs`, but no further back than the oldest
 * sample held (a young cluster fills the width), and at least MIN_SPAN_MS. {start, end}.
 */
export function chartRange(store) {
  const end = store.now;
  let oldest = end;
  for (const kind of store.kinds.keys()) {
    for (const source of store.sources(kind)) {
      oldest = Math.min(oldest, source.samples[0]?.time ?? end);
    }
  }
  const start = Math.max(end - store.windowMs, Math.min(oldest, end - MIN_SPAN_MS));
  return { start, end };
}

/** Tick spacing for a time axis of `spanMs`: a round step giving at most `maxTicks` ticks. */
export function tickStep(spanMs, maxTicks = 6) {
  const steps = [15, 30, 60, 120, 180, 300, 600, 900].map((seconds) => seconds * 1000);
  return steps.find((step) => spanMs / step <= maxTicks) ?? steps[steps.length - 1];
}

/** Tick values at whole multiples of `step` within [start, end] (so ticks read 10:33, 10:36...). */
export function alignedTicks(start, end, step) {
  const ticks = [];
  for (let value = Math.ceil(start / step) * step; value <= end; value += step) {
    ticks.push(value);
  }
  return ticks;
}

/** The newest point that has a value, or null. */
export function latestPoint(points) {
  for (let i = points.length - 1; i >= 0; i--) {
    if (points[i].y !== null) {
      return points[i];
    }
  }
  return null;
}

/** Whether a source is reporting: listed as live and its newest sample not older than staleAfter. */
export function isReporting(source, now, staleAfterMs) {
  const last = source.lastSample ?? source.samples.at(-1)?.time ?? 0;
  return source.live === true && now - last <= staleAfterMs;
}
