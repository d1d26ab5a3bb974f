// Unit tests of unread counting: per joined room, after the read mark, never one's own messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoomTimeline } from '../../main/resources/META-INF/resources/js/timeline.js';
import {
  firstUnreadSeq,
  markRead,
  readMarkOf,
  titleWithUnread,
  unreadCount,
} from '../../main/resources/META-INF/resources/js/unread.js';

const message = (seq, sender = 'bob') => ({
  id: `id-${seq}`,
  room: 'r',
  seq,
  sender,
  text: `m${seq}`,
  sentAt: '2026-01-01T00:00:00Z',
});

function timeline(...entries) {
  const result = new RoomTimeline('r', 'alice');
  for (const [seq, sender] of entries) {
    result.addMessage(message(seq, sender));
  }
  return result;
}

test('messages after the read mark are unread; earlier ones are not', () => {
  const room = timeline([1, 'bob'], [2, 'bob'], [3, 'carol'], [4, 'bob']);
  assert.equal(unreadCount(room, 0), 4);
  assert.equal(unreadCount(room, 2), 2);
  assert.equal(unreadCount(room, 4), 0);
  assert.equal(unreadCount(room, 9), 0);
});

test("one's own messages are never unread, also from another tab", () => {
  const room = timeline([1, 'bob'], [2, 'alice'], [3, 'bob'], [4, 'alice']);
  assert.equal(unreadCount(room, 1), 1);
  assert.equal(firstUnreadSeq(room, 1), 3);
  assert.equal(firstUnreadSeq(room, 3), null);
});

test('the count follows messages as they arrive, in any order and once each', () => {
  const room = timeline([1, 'bob']);
  const read = markRead(room, 0);
  assert.equal(read, 1);
  room.addMessage(message(3));
  room.addMessage(message(2));
  room.addMessage(message(3)); // a duplicate frame
  assert.equal(unreadCount(room, read), 2);
  assert.equal(firstUnreadSeq(room, read), 2);
});

test('history arriving on entering a room is unread only above the saved mark', () => {
  // After a reload the page re-subscribes with history: 50; the saved mark says what was seen.
  const room = new RoomTimeline('r', 'alice');
  for (let seq = 51; seq <= 100; seq++) {
    room.addMessage(message(seq));
  }
  assert.equal(unreadCount(room, 97), 3);
  assert.equal(firstUnreadSeq(room, 97), 98);
});

test('after a reload, unread messages older than the history brought still count (seqs have no gaps)', () => {
  // Read up to 40; 60 more arrived (41..100); the re-subscription brings the last 50 (51..100).
  const room = new RoomTimeline('r', 'alice');
  for (let seq = 51; seq <= 100; seq++) {
    room.addMessage(message(seq, seq === 60 || seq === 99 ? 'alice' : 'bob'));
  }
  // 41..50 are not held (senders unknown: all count); of 51..100 the 2 own ones do not.
  assert.equal(unreadCount(room, 40), 60 - 2);
  assert.equal(unreadCount(room, 0), 100 - 2);
  assert.equal(firstUnreadSeq(room, 40), 51, 'the divider goes above the oldest held');
  // Older history loaded from the archive: the count does not change, one's own drop out.
  room.addMessage(message(45, 'alice'), false);
  room.addMessage(message(41), false);
  assert.equal(unreadCount(room, 40), 60 - 3);
  assert.equal(firstUnreadSeq(room, 40), 41);
});

test('a hole still being filled counts, and an all-own held part still gets the divider', () => {
  const room = timeline([1, 'bob'], [2, 'bob'], [8, 'alice'], [9, 'alice']);
  // 3..7 are missing (being filled from the archive): they are messages, of unknown senders.
  assert.equal(unreadCount(room, 2), 5);
  assert.equal(firstUnreadSeq(room, 2), 8);
  assert.equal(unreadCount(room, 8), 0);
  assert.equal(firstUnreadSeq(room, 8), null);
  assert.equal(unreadCount(new RoomTimeline('r', 'alice'), 5), 0);
});

test('showing a room marks everything it holds as read, never moving the mark back', () => {
  const room = timeline([1, 'bob'], [2, 'bob']);
  assert.equal(markRead(room, 0), 2);
  assert.equal(markRead(room, 5), 5);
  assert.equal(markRead(new RoomTimeline('r', 'alice'), 0), 0);
});

test('read marks from storage are checked', () => {
  assert.equal(readMarkOf(12), 12);
  assert.equal(readMarkOf(0), 0);
  for (const bad of [undefined, null, -1, 1.5, '3', Number.NaN]) {
    assert.equal(readMarkOf(bad), 0);
  }
});

test('the title carries the total unread', () => {
  assert.equal(titleWithUnread('Chatroom', 0), 'Chatroom');
  assert.equal(titleWithUnread('Chatroom', 7), '(7) Chatroom');
});
