// Unit tests of one room's message state: ordering, de-duplication, pending and acks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingStatus, RoomTimeline } from '../../main/resources/META-INF/resources/js/timeline.js';

const message = (seq, sender = 'bob', text = `m${seq}`) => ({
  id: `id-${seq}`,
  room: 'r',
  seq,
  sender,
  text,
  sentAt: '2026-01-01T00:00:00Z',
});

test('each seq is kept once and in ascending order whatever the arrival order', () => {
  const timeline = new RoomTimeline('r', 'alice');
  for (const seq of [5, 3, 9, 3, 5, 1, 7, 9]) {
    timeline.addMessage(message(seq));
  }
  assert.deepEqual(timeline.seqs, [1, 3, 5, 7, 9]);
  assert.equal(timeline.lowestSeq, 1);
  assert.equal(timeline.highestSeq, 9);
  assert.equal(timeline.addMessage(message(7)), null);
});

test('an inserted message reports the seq it goes before', () => {
  const timeline = new RoomTimeline('r', 'alice');
  assert.equal(timeline.addMessage(message(10)).nextSeq, null);
  assert.equal(timeline.addMessage(message(4), false).nextSeq, 10);
  assert.equal(timeline.addMessage(message(6), false).nextSeq, 10);
  assert.equal(timeline.addMessage(message(5), false).nextSeq, 6);
});

test('malformed frames are ignored', () => {
  const timeline = new RoomTimeline('r', 'alice');
  assert.equal(timeline.addMessage(null), null);
  assert.equal(timeline.addMessage({ ...message(1), seq: '1' }), null);
  assert.equal(timeline.addMessage({ ...message(1), seq: 0 }), null);
  assert.equal(timeline.size, 0);
});

test('a live message that skips seqs reports the gap', () => {
  const timeline = new RoomTimeline('r', 'alice');
  assert.equal(timeline.addMessage(message(1)).gap, null);
  assert.equal(timeline.addMessage(message(2)).gap, null);
  assert.deepEqual(timeline.addMessage(message(6)).gap, { afterSeq: 2, beforeSeq: 6 });
  assert.equal(timeline.addMessage(message(4), false).gap, null);
});

test('ack before broadcast: pending becomes sent, then the broadcast replaces it', () => {
  const timeline = new RoomTimeline('r', 'alice');
  timeline.addPending('c1', 'hello');
  assert.deepEqual(timeline.unsentPending().map((p) => p.clientMessageId), ['c1']);
  const acked = timeline.ack('c1', 4);
  assert.equal(acked.updatedPending.status, PendingStatus.SENT);
  assert.equal(timeline.unsentPending().length, 0, 'acked messages are never re-sent');
  const added = timeline.addMessage(message(4, 'alice', 'hello'));
  assert.equal(added.removedPending, 'c1');
  assert.equal(added.entry.own, true);
  assert.equal(timeline.pending.size, 0);
});

test('broadcast before ack: pending stops showing but is re-sent until acked', () => {
  const timeline = new RoomTimeline('r', 'alice');
  timeline.addPending('c1', 'hello');
  const added = timeline.addMessage(message(4, 'alice', 'hello'));
  assert.equal(added.removedPending, 'c1');
  assert.equal(timeline.visiblePending().length, 0);
  assert.equal(timeline.unsentPending().length, 1, 'still re-sent with the same id if no ack');
  assert.deepEqual(timeline.ack('c1', 4), { removedPending: null });
  assert.equal(timeline.pending.size, 0);
  assert.equal(timeline.ack('c1', 4), null, 'a second ack (after a re-send) is ignored');
});

test('a wrong text match is undone by the ack', () => {
  const timeline = new RoomTimeline('r', 'alice');
  timeline.addPending('c1', 'same');
  timeline.addMessage(message(2, 'alice', 'same')); // an older "same" from another tab
  assert.equal(timeline.visiblePending().length, 0);
  const acked = timeline.ack('c1', 3);
  assert.equal(acked.updatedPending.status, PendingStatus.SENT);
  assert.equal(timeline.visiblePending().length, 1);
  assert.equal(timeline.addMessage(message(3, 'alice', 'same')).removedPending, 'c1');
});

test('history from the archive never consumes pending messages', () => {
  const timeline = new RoomTimeline('r', 'alice');
  timeline.addPending('c1', 'hi');
  assert.equal(timeline.addMessage(message(1, 'alice', 'hi'), false).removedPending, null);
  assert.equal(timeline.visiblePending().length, 1);
});

test('a refused message fails, can be retried with the same id, or discarded', () => {
  const timeline = new RoomTimeline('r', 'alice');
  timeline.addPending('c1', 'spam');
  const failed = timeline.fail('c1', 'rate_limited', 'slow down');
  assert.equal(failed.status, PendingStatus.FAILED);
  assert.deepEqual(failed.error, { code: 'rate_limited', message: 'slow down' });
  assert.equal(timeline.unsentPending().length, 0, 'failed messages wait for the user');
  assert.equal(timeline.retry('c1').clientMessageId, 'c1');
  assert.equal(timeline.unsentPending().length, 1);
  assert.equal(timeline.discard('c1'), true);
  assert.equal(timeline.pending.size, 0);
  assert.equal(timeline.fail('unknown', 'bad_text', ''), null);
});

test('messages of other senders are not own', () => {
  const timeline = new RoomTimeline('r', 'alice');
  timeline.addPending('c1', 'hi');
  const added = timeline.addMessage(message(1, 'bob', 'hi'));
  assert.equal(added.entry.own, false);
  assert.equal(added.removedPending, null);
});
