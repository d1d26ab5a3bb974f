// Unit tests of the dashboard's chart data: merging answers, the 15-minute window, rates and gaps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alignedTicks,
  chartRange,
  isReporting,
  Kind,
  latestPoint,
  MetricsStore,
  MIN_SPAN_MS,
  rateSeries,
  tickStep,
  valueSeries,
  WINDOW_MS,
  windowPoints,
} from '../../main/resources/META-INF/resources/js/metrics.js';

const T0 = 1_800_000_000_000;
const GAP = 6000;

/** A chat server's sample every 2 s: `time` on the coordinator's clock, `at` on the app's. */
const chat = (i, published, extra = {}) => ({
  time: T0 + i * 2000,
  at: T0 + 50 + i * 2000,
  status: 'UP',
  connections: 3,
  published,
  forwarded: published * 10,
  deliveryP99Ms: 4.5,
  redisRttMs: 0.3,
  ...extra,
});

const answer = (now, chatServers = [], archivers = []) => ({
  now,
  historyMillis: WINDOW_MS,
  staleAfterMillis: GAP,
  chatServers,
  archivers,
});

test('answers merge: each sample once, in time order, per source', () => {
  const store = new MetricsStore();
  store.apply(
    answer(T0 + 4000, [{ id: 'chat-1', live: true, lastSample: T0 + 4000, samples: [chat(2, 5), chat(0, 1), chat(1, 3)] }]),
  );
  assert.equal(store.cursor, T0 + 4000);
  store.apply(
    answer(T0 + 8000, [{ id: 'chat-1', live: true, lastSample: T0 + 8000, samples: [chat(2, 5), chat(3, 6), chat(4, 7)] }]),
  );
  const [source] = store.sources(Kind.CHAT);
  assert.deepEqual(
    source.samples.map((s) => s.published),
    [1, 3, 5, 6, 7],
  );
  assert.equal(store.cursor, T0 + 8000);
});

test('an older answer (out of order) changes nothing', () => {
  const store = new MetricsStore();
  store.apply(answer(T0 + 8000, [{ id: 'chat-1', live: true, samples: [chat(4, 7)] }]));
  store.apply(answer(T0 + 4000, [{ id: 'chat-1', live: true, samples: [chat(2, 5)] }]));
  assert.deepEqual(store.sources(Kind.CHAT)[0].samples.map((s) => s.published), [7]);
});

test('the window keeps the last 15 minutes and forgets sources with nothing left', () => {
  const store = new MetricsStore();
  const samples = [];
  for (let i = 0; i <= 600; i++) {
    samples.push(chat(i, i)); // 20 minutes of samples
  }
  const now = T0 + 600 * 2000;
  store.apply(
    answer(
      now,
      [
        { id: 'chat-1', live: true, samples },
        { id: 'chat-old', live: false, samples: [chat(0, 0)] },
      ],
      [{ id: 'arch:8090', live: true, samples: [{ time: now - 1000, at: now, lag: 2, archived: 9 }] }],
    ),
  );
  const [source] = store.sources(Kind.CHAT);
  assert.equal(store.sources(Kind.CHAT).length, 1, 'chat-old fell out of the window');
  assert.ok(source.samples[0].time >= now - WINDOW_MS);
  assert.equal(source.samples.length, WINDOW_MS / 2000 + 1);
  assert.equal(store.sources(Kind.ARCHIVER)[0].samples.length, 1);

  // Later answers move the window on.
  store.apply(answer(now + 60_000, [{ id: 'chat-1', live: true, samples: [] }]));
  assert.ok(store.sources(Kind.CHAT)[0].samples[0].time >= now + 60_000 - WINDOW_MS);
});

test('a source the coordinator stops listing is no longer live; its samples stay', () => {
  const store = new MetricsStore();
  store.apply(answer(T0 + 2000, [{ id: 'chat-2', live: true, lastSample: T0 + 2000, samples: [chat(1, 1)] }]));
  store.apply(answer(T0 + 20_000, []));
  const [source] = store.sources(Kind.CHAT);
  assert.equal(source.live, false);
  assert.equal(source.samples.length, 1);
  assert.equal(isReporting(source, store.now, GAP), false);
});

test('reporting means live and a recent sample', () => {
  const source = { live: true, lastSample: T0, samples: [] };
  assert.equal(isReporting(source, T0 + GAP, GAP), true);
  assert.equal(isReporting(source, T0 + GAP + 1, GAP), false);
  assert.equal(isReporting({ ...source, live: false }, T0, GAP), false);
});

test('rates come from counter totals over the app clock, at the later sample', () => {
  const points = rateSeries([chat(0, 10), chat(1, 14), chat(2, 14)], 'published', GAP);
  assert.deepEqual(points, [
    { x: T0 + 2000, y: 2 },
    { x: T0 + 4000, y: 0 },
  ]);
  assert.deepEqual(
    rateSeries([chat(0, 10), chat(1, 14)], 'forwarded', GAP).map((p) => p.y),
    [20],
  );
});

test('no rate across a restart (the total went down) or a missing total', () => {
  const points = rateSeries(
    [chat(0, 100), chat(1, 3), chat(2, 7), chat(3, null)],
    'published',
    GAP,
  );
  assert.deepEqual(
    points.map((p) => p.y),
    [null, 2, null],
  );
});

test('a stopped app breaks the line instead of drawing across its outage', () => {
  // Samples at 0, 2 s, then nothing until 60 s (the app was down).
  const samples = [chat(0, 0), chat(1, 2), chat(30, 2)];
  const rates = rateSeries(samples, 'published', GAP);
  assert.deepEqual(rates, [
    { x: T0 + 2000, y: 1 },
    { x: T0 + 31_000, y: null },
  ]);
  const connections = valueSeries(samples, 'connections', GAP);
  assert.deepEqual(
    connections.map((p) => p.y),
    [3, 3, null, 3],
  );
  assert.equal(connections[2].x, T0 + 31_000);
});

test('gauges keep a sample without a value as a hole', () => {
  const points = valueSeries(
    [chat(0, 0, { deliveryP99Ms: 3 }), chat(1, 0, { deliveryP99Ms: null }), chat(2, 0)],
    'deliveryP99Ms',
    GAP,
  );
  assert.deepEqual(
    points.map((p) => p.y),
    [3, null, 4.5],
  );
  assert.deepEqual(latestPoint(points), { x: T0 + 4000, y: 4.5 });
  assert.equal(latestPoint([{ x: 1, y: null }]), null);
});

test('points outside the window are dropped', () => {
  const now = T0 + WINDOW_MS + 10_000;
  const points = [
    { x: T0, y: 1 },
    { x: now - WINDOW_MS, y: 2 },
    { x: now, y: 3 },
    { x: now + 1, y: 4 },
  ];
  assert.deepEqual(
    windowPoints(points, now).map((p) => p.y),
    [2, 3],
  );
});

test('malformed answers and samples are ignored', () => {
  const store = new MetricsStore();
  store.apply(null);
  store.apply({ now: 'soon' });
  store.apply(
    answer(T0, [
      { id: 7, samples: [chat(0, 1)] },
      { id: 'chat-1', live: true, samples: [null, { time: 'x' }, chat(0, 1)] },
    ]),
  );
  assert.deepEqual(
    store.sources(Kind.CHAT).map((s) => [s.id, s.samples.length]),
    [['chat-1', 1]],
  );
});

test('the charts span the last 15 minutes, or less while the cluster is younger', () => {
  const store = new MetricsStore();
  const now = T0 + 10 * 60 * 1000;
  store.apply(answer(now, [{ id: 'chat-1', live: true, samples: [chat(0, 0)] }]));
  assert.deepEqual(chartRange(store), { start: T0, end: now });

  // Younger than the shortest span: still two minutes wide.
  store.apply(answer(now, [])); // no change
  const young = new MetricsStore();
  young.apply(answer(T0 + 30_000, [{ id: 'chat-1', live: true, samples: [chat(0, 0)] }]));
  assert.deepEqual(chartRange(young), { start: T0 + 30_000 - MIN_SPAN_MS, end: T0 + 30_000 });

  // Older than the window: exactly 15 minutes.
  const old = new MetricsStore();
  const samples = Array.from({ length: 1201 }, (_, i) => chat(i, i)); // 40 minutes
  const later = T0 + 1200 * 2000;
  old.apply(answer(later, [{ id: 'chat-1', live: true, samples }]));
  assert.deepEqual(chartRange(old), { start: later - WINDOW_MS, end: later });
});

test('time ticks are round steps, at most six per axis', () => {
  assert.equal(tickStep(WINDOW_MS), 180_000);
  assert.equal(tickStep(MIN_SPAN_MS), 30_000);
  assert.equal(tickStep(60_000), 15_000);
  assert.equal(tickStep(24 * 60 * 60 * 1000), 900_000);
});

test('ticks fall on round times inside the range', () => {
  const minute = 60_000;
  assert.deepEqual(alignedTicks(10 * minute + 11_000, 13 * minute, minute), [
    11 * minute,
    12 * minute,
    13 * minute,
  ]);
  assert.deepEqual(alignedTicks(5, 6, minute), []);
});
