// Unit tests of the gap fill: paging until contiguous, retrying while the archiver lags or fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GAP_PAGE_SIZE, GapFill, GapFillState } from '../../main/resources/META-INF/resources/js/gapfill.js';
import { BACKOFF_CAP_MS } from '../../main/resources/META-INF/resources/js/rules.js';
import { RoomTimeline } from '../../main/resources/META-INF/resources/js/timeline.js';

const message = (seq) => ({
  id: `id-${seq}`,
  room: 'r',
  seq,
  sender: 'bob',
  text: `m${seq}`,
  sentAt: '2026-01-01T00:00:00Z',
});

/** A timeline holding 1..before and the chat server's window from..to (a resume past the window). */
function timelineWithHole(before, from, to) {
  const timeline = new RoomTimeline('r', 'alice');
  for (let seq = 1; seq <= before; seq++) {
    timeline.addMessage(message(seq));
  }
  for (let seq = from; seq <= to; seq++) {
    timeline.addMessage(message(seq));
  }
  return timeline;
}

/**
 * The archiver's GET ?afterSeq=&limit= over seqs 1..archivedUpTo (oldest first, limit <= 200),
 * recording every call; `lag` moves archivedUpTo on each sleep, as time passing would.
 */
function fakeArchiver(archivedUpTo, { lag = () => archivedUpTo, failures = 0 } = {}) {
  const archive = {
    archivedUpTo,
    calls: [],
    sleeps: [],
    inFlight: 0,
    maxInFlight: 0,
    async fetchAfter(afterSeq, limit) {
      archive.calls.push({ afterSeq, limit });
      archive.inFlight++;
      archive.maxInFlight = Math.max(archive.maxInFlight, archive.inFlight);
      await Promise.resolve();
      archive.inFlight--;
      assert.ok(limit >= 1 && limit <= GAP_PAGE_SIZE, `limit ${limit}`);
      if (failures > 0) {
        failures--;
        throw new Error('archiver down');
      }
      const page = [];
      for (let seq = afterSeq + 1; seq <= archive.archivedUpTo && page.length < limit; seq++) {
        page.push(message(seq));
      }
      return page;
    },
    async sleep(ms) {
      archive.sleeps.push(ms);
      archive.archivedUpTo = lag(archive.archivedUpTo);
    },
  };
  return archive;
}

function gapFill(timeline, archive, statuses = []) {
  return new GapFill(timeline, {
    fetchAfter: archive.fetchAfter,
    onMessages: (messages) =>
      messages.filter((m) => timeline.addMessage(m, false) !== null).length,
    onStatus: (status) => statuses.push(status),
    sleep: archive.sleep,
    random: () => 1,
  });
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('the timeline reports its first hole and how many seqs it misses', () => {
  const timeline = timelineWithHole(5, 10, 12);
  assert.deepEqual(timeline.firstHole(), { afterSeq: 5, beforeSeq: 10 });
  assert.equal(timeline.missingCount, 4);
  timeline.addMessage(message(20));
  assert.equal(timeline.missingCount, 11);
  assert.equal(new RoomTimeline('r', 'a').firstHole(), null);
  assert.equal(timelineWithHole(3, 4, 9).firstHole(), null);
});

test('a hole larger than one page is filled page by page until contiguous', async () => {
  const timeline = timelineWithHole(5, 1006, 3005);
  const archive = fakeArchiver(3005);
  const statuses = [];
  await gapFill(timeline, archive, statuses).start();
  assert.deepEqual(timeline.seqs, range(1, 3005), 'exactly 1..3005: no gap, no duplicate');
  assert.deepEqual(
    archive.calls,
    [5, 205, 405, 605, 805].map((afterSeq) => ({
      afterSeq,
      limit: Math.min(GAP_PAGE_SIZE, 1005 - afterSeq),
    })),
  );
  assert.equal(archive.sleeps.length, 0, 'no waiting while every page brings something');
  assert.equal(statuses[0].state, GapFillState.LOADING);
  assert.equal(statuses[0].missing, 1000);
  assert.deepEqual(statuses.at(-1), { state: GapFillState.IDLE, missing: 0, error: null });
});

test('while the archiver lags it waits with growing backoff, then fills what it archives', async () => {
  const timeline = timelineWithHole(5, 1006, 3005);
  // Nothing of the hole archived for 4 waits, then 150 more per wait.
  let waits = 0;
  const archive = fakeArchiver(5, {
    lag: (upTo) => (++waits <= 4 ? upTo : Math.min(3005, upTo + 150)),
  });
  const statuses = [];
  await gapFill(timeline, archive, statuses).start();
  assert.deepEqual(timeline.seqs, range(1, 3005));
  assert.ok(statuses.some((s) => s.state === GapFillState.WAITING && s.missing === 1000));
  assert.deepEqual(archive.sleeps.slice(0, 4), [500, 1000, 2000, 4000], 'exponential backoff');
  assert.ok(archive.sleeps.every((ms) => ms <= BACKOFF_CAP_MS));
  assert.equal(archive.maxInFlight, 1, 'one request at a time');
  assert.equal(statuses.at(-1).state, GapFillState.IDLE);
});

test('a failing archiver is reported and retried; progress resets the backoff', async () => {
  const timeline = timelineWithHole(2, 400, 410);
  const archive = fakeArchiver(410, { failures: 3 });
  const statuses = [];
  await gapFill(timeline, archive, statuses).start();
  assert.deepEqual(timeline.seqs, range(1, 410));
  const failed = statuses.filter((s) => s.state === GapFillState.FAILED);
  assert.equal(failed.length >= 3, true);
  assert.equal(failed[0].error.message, 'archiver down');
  assert.deepEqual(archive.sleeps, [500, 1000, 2000]);
  assert.equal(statuses.at(-1).error, null);
});

test('only seqs inside the hole are added, whatever the archiver answers', async () => {
  const timeline = timelineWithHole(3, 8, 9);
  const added = [];
  const fill = new GapFill(timeline, {
    // Out of order, duplicated, outside the hole, malformed.
    fetchAfter: async () => [
      message(6),
      message(4),
      message(6),
      message(9),
      message(12),
      null,
      { seq: '5' },
      message(5),
      message(7),
    ],
    onMessages: (messages) => {
      added.push(...messages.map((m) => m.seq));
      return messages.filter((m) => timeline.addMessage(m, false) !== null).length;
    },
    sleep: async () => {},
  });
  await fill.start();
  assert.deepEqual(timeline.seqs, range(1, 9));
  assert.ok(added.every((seq) => seq > 3 && seq < 8), `handed over: ${added}`);
});

test('holes found later (a second outage) are filled by the same loop', async () => {
  const timeline = timelineWithHole(2, 10, 10);
  timeline.addMessage(message(20));
  const archive = fakeArchiver(20);
  await gapFill(timeline, archive).start();
  assert.deepEqual(timeline.seqs, range(1, 20));
  assert.deepEqual(
    archive.calls.map((c) => c.afterSeq),
    [2, 10],
  );
});

test('start is idempotent while running, and stop ends a waiting fill for good', async () => {
  const timeline = timelineWithHole(1, 5, 5);
  let releaseSleep;
  const archive = fakeArchiver(1);
  const fill = new GapFill(timeline, {
    fetchAfter: archive.fetchAfter,
    onMessages: () => 0,
    sleep: () =>
      new Promise((resolve) => {
        releaseSleep = resolve;
      }),
  });
  const running = fill.start();
  assert.equal(fill.start(), running, 'a second start joins the running fill');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(fill.status.state, GapFillState.WAITING);
  fill.stop();
  await running;
  releaseSleep();
  assert.equal(fill.running, false);
  assert.equal(archive.calls.length, 1, 'no request after stop');
  await fill.start();
  assert.equal(archive.calls.length, 1, 'a stopped fill does not start again');
});

test('a contiguous timeline starts nothing', async () => {
  const timeline = timelineWithHole(3, 4, 6);
  const archive = fakeArchiver(6);
  await gapFill(timeline, archive).start();
  assert.equal(archive.calls.length, 0);
});
