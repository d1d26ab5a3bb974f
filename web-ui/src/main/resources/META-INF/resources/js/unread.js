// Unread messages of a joined room: those after the last seq the user has seen, sent by others.
// Pure: works on a RoomTimeline, no DOM; unit-tested in Node.

/** Index of the first seq greater than `seq` in an ascending array. */
function firstAfter(seqs, seq) {
  let low = 0;
  let high = seqs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (seqs[middle] <= seq) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/**
 * The held seqs of a timeline the user has not seen: above `readSeq` and not their own (a message
 * sent from this or another tab is known to its sender). History that arrives on entering a room
 * is as unread as live messages: what counts is the seq, not how the message came.
 */
function* unseen(timeline, readSeq) {
  const seqs = timeline.seqs;
  for (let i = firstAfter(seqs, readSeq); i < seqs.length; i++) {
    const entry = timeline.bySeq.get(seqs[i]);
    if (entry && !entry.own) {
      yield seqs[i];
    }
  }
}

/**
 * How many messages of the room are unread: every seq above the read mark up to the highest the
 * room holds, less the user's own among those it holds. A room's seqs are 1..N without gaps, so a
 * seq above the mark that the timeline does not hold is a message all the same (e.g. after a
 * reload, below the 50 the subscription's history brings, or in a hole still being filled): it
 * counts, its sender being unknown until it is loaded.
 */
export function unreadCount(timeline, readSeq) {
  const seqs = timeline.seqs;
  const highest = timeline.highestSeq;
  if (highest <= readSeq) {
    return 0;
  }
  let own = 0;
  for (let i = firstAfter(seqs, readSeq); i < seqs.length; i++) {
    if (timeline.bySeq.get(seqs[i])?.own) {
      own++;
    }
  }
  return highest - readSeq - own;
}

/**
 * Where the "new messages" divider goes: above the first unread seq held, or null when none. When
 * unread seqs right above the mark are not held (older than what the room holds), it goes above
 * the lowest held seq after the mark: the missing ones load above that one, below the divider.
 */
export function firstUnreadSeq(timeline, readSeq) {
  const seqs = timeline.seqs;
  const index = firstAfter(seqs, readSeq);
  if (index < seqs.length && seqs[index] > readSeq + 1) {
    return seqs[index];
  }
  const first = unseen(timeline, readSeq).next();
  return first.done ? null : first.value;
}

/** The read mark after showing the room: everything it holds now has been seen. */
export function markRead(timeline, readSeq) {
  return Math.max(readSeq, timeline.highestSeq);
}

/** A read mark from storage: a seq >= 0, else 0 (nothing read yet). */
export function readMarkOf(value) {
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** The page title with the total unread across rooms, e.g. "(3) Chatroom". */
export function titleWithUnread(baseTitle, total) {
  return total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
}
