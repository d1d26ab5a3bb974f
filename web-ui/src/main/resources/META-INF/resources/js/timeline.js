// The state of one joined room: its messages ordered by seq (each seq once) and the messages this
// page sent that the server has not confirmed yet. Pure: no DOM, no network, unit-tested in Node.

/** Own messages waiting for their ack are 'pending'; acked but not yet broadcast back are 'sent'. */
export const PendingStatus = Object.freeze({
  PENDING: 'pending',
  SENT: 'sent',
  FAILED: 'failed',
});

function isValidSeq(seq) {
  return Number.isSafeInteger(seq) && seq > 0;
}

/** Index of the first element of the ascending array that is greater than value. */
function upperBound(sorted, value) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= value) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/**
 * Messages of one room keyed by seq. Guarantees: a seq is held at most once, `seqs` is always
 * strictly ascending, and a pending message keeps its clientMessageId until acked or discarded so
 * that a re-send after a reconnect cannot create a second message.
 */
export class RoomTimeline {
  constructor(room, me) {
    this.room = room;
    this.me = me;
    /** seq -> {id, room, seq, sender, text, sentAt, own, clientMessageId} */
    this.bySeq = new Map();
    /** ascending seqs of bySeq */
    this.seqs = [];
    /** clientMessageId -> {clientMessageId, text, status, error, ackedSeq, linkedSeq}, in send order */
    this.pending = new Map();
    /** true once the archive said there is nothing before lowestSeq */
    this.reachedStart = false;
  }

  get highestSeq() {
    return this.seqs.length === 0 ? 0 : this.seqs[this.seqs.length - 1];
  }

  get lowestSeq() {
    return this.seqs.length === 0 ? 0 : this.seqs[0];
  }

  get size() {
    return this.seqs.length;
  }

  /** Seqs between the lowest and the highest held that this timeline does not hold. */
  get missingCount() {
    return this.seqs.length === 0 ? 0 : this.highestSeq - this.lowestSeq + 1 - this.seqs.length;
  }

  has(seq) {
    return this.bySeq.has(seq);
  }

  /** The lowest run of missing seqs as {afterSeq, beforeSeq} (both held), or null if contiguous. */
  firstHole() {
    for (let i = 1; i < this.seqs.length; i++) {
      if (this.seqs[i] !== this.seqs[i - 1] + 1) {
        return { afterSeq: this.seqs[i - 1], beforeSeq: this.seqs[i] };
      }
    }
    return null;
  }

  /** The seq that follows `seq` in this timeline, or null when it is the last one. */
  nextSeqAfter(seq) {
    const index = upperBound(this.seqs, seq);
    return index < this.seqs.length ? this.seqs[index] : null;
  }

  /**
   * Adds a broadcast message. Returns null for a duplicate or malformed one, otherwise
   * {entry, nextSeq, removedPending, gap}: nextSeq is the seq it goes before (null: at the end),
   * removedPending the clientMessageId of a pending message this one replaces on screen, gap
   * {afterSeq, beforeSeq} when a live message skipped seqs this timeline does not hold.
   * `live` is false for history loaded from the archive (never matched to pending messages).
   */
  addMessage(message, live = true) {
    if (message == null || !isValidSeq(message.seq) || this.bySeq.has(message.seq)) {
      return null;
    }
    const previousHighest = this.highestSeq;
    const own = message.sender === this.me;
    const entry = {
      id: message.id,
      room: message.room,
      seq: message.seq,
      sender: String(message.sender ?? ''),
      text: String(message.text ?? ''),
      sentAt: message.sentAt,
      own,
      clientMessageId: null,
    };
    let removedPending = null;
    if (own) {
      removedPending = live ? this.#matchPending(entry) : this.#matchAcked(entry);
    }
    this.bySeq.set(entry.seq, entry);
    const index = upperBound(this.seqs, entry.seq);
    this.seqs.splice(index, 0, entry.seq);
    const nextSeq = index + 1 < this.seqs.length ? this.seqs[index + 1] : null;
    const gap =
      live && previousHighest > 0 && entry.seq > previousHighest + 1
        ? { afterSeq: previousHighest, beforeSeq: entry.seq }
        : null;
    return { entry, nextSeq, removedPending, gap };
  }

  /** An acked pending message whose broadcast just arrived is done. */
  #matchAcked(entry) {
    for (const pending of this.pending.values()) {
      if (pending.ackedSeq === entry.seq) {
        entry.clientMessageId = pending.clientMessageId;
        this.pending.delete(pending.clientMessageId);
        return pending.clientMessageId;
      }
    }
    return null;
  }

  /**
   * The broadcast of an own message may overtake its ack: match it by acked seq, else to the oldest
   * unconfirmed pending message with the same text, which then stops showing (it is kept until its
   * ack so that a re-send still uses the same clientMessageId).
   */
  #matchPending(entry) {
    const acked = this.#matchAcked(entry);
    if (acked !== null) {
      return acked;
    }
    for (const pending of this.pending.values()) {
      if (
        pending.ackedSeq === null &&
        pending.linkedSeq === null &&
        pending.status === PendingStatus.PENDING &&
        pending.text === entry.text
      ) {
        pending.linkedSeq = entry.seq;
        entry.clientMessageId = pending.clientMessageId;
        return pending.clientMessageId;
      }
    }
    return null;
  }

  /** Records a message this page is about to send. */
  addPending(clientMessageId, text) {
    const pending = {
      clientMessageId,
      text,
      status: PendingStatus.PENDING,
      error: null,
      ackedSeq: null,
      linkedSeq: null,
    };
    this.pending.set(clientMessageId, pending);
    return pending;
  }

  /** Pending messages still shown on screen (not yet replaced by their broadcast). */
  visiblePending() {
    return [...this.pending.values()].filter((pending) => pending.linkedSeq === null);
  }

  /** Pending messages that must be (re-)sent: no ack yet and not failed. */
  unsentPending() {
    return [...this.pending.values()].filter(
      (pending) => pending.ackedSeq === null && pending.status === PendingStatus.PENDING,
    );
  }

  /**
   * Applies an ack. Returns null when the clientMessageId is unknown (e.g. a second ack after a
   * re-send), {removedPending} when the broadcast was already here, else {updatedPending}.
   */
  ack(clientMessageId, seq) {
    const pending = this.pending.get(clientMessageId);
    if (pending === undefined || !isValidSeq(seq)) {
      return null;
    }
    const entry = this.bySeq.get(seq);
    if (entry !== undefined) {
      entry.clientMessageId = clientMessageId;
      this.pending.delete(clientMessageId);
      return { removedPending: pending.linkedSeq === null ? clientMessageId : null };
    }
    // A text match to another seq was wrong; show this one again until its broadcast comes.
    pending.linkedSeq = null;
    pending.ackedSeq = seq;
    pending.status = PendingStatus.SENT;
    pending.error = null;
    return { updatedPending: pending };
  }

  /** The server refused a pending message; it shows again, with the reason. */
  fail(clientMessageId, code, message) {
    const pending = this.pending.get(clientMessageId);
    if (pending === undefined || pending.ackedSeq !== null) {
      return null;
    }
    pending.status = PendingStatus.FAILED;
    pending.error = { code, message };
    pending.linkedSeq = null;
    return pending;
  }

  /** A failed message goes back to pending, with the same clientMessageId. */
  retry(clientMessageId) {
    const pending = this.pending.get(clientMessageId);
    if (pending === undefined || pending.status !== PendingStatus.FAILED) {
      return null;
    }
    pending.status = PendingStatus.PENDING;
    pending.error = null;
    return pending;
  }

  discard(clientMessageId) {
    return this.pending.delete(clientMessageId);
  }

  /** Messages in seq order. */
  messages() {
    return this.seqs.map((seq) => this.bySeq.get(seq));
  }
}
