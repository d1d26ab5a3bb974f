// Fills the holes of one room's timeline (seqs missed while away for longer than the chat server's
// recent window holds) from the archiver. Pure: the archiver call, the sleep and the randomness
// are injected, so it is unit-tested in Node.

import { backoffDelay } from './rules.js';

/** The archiver's largest page (`limit` of GET /api/rooms/{room}/messages). */
export const GAP_PAGE_SIZE = 200;

/** What a fill is doing: the page shows it in #gap-status[data-state]. */
export const GapFillState = Object.freeze({
  IDLE: 'idle',
  LOADING: 'loading',
  WAITING: 'waiting',
  FAILED: 'failed',
});

const defaultSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps asking the archiver for the first hole of a timeline, oldest first, one page at a time,
 * until the timeline is contiguous from its lowest to its highest seq. A page that adds nothing
 * (the archiver has not archived those seqs yet) or a failed call is retried after
 * `backoffDelay(attempt)`; any progress resets the backoff. Guarantees: at most one request in
 * flight per timeline; only seqs inside the hole asked for are handed to `onMessages`, which adds
 * them to the timeline (that de-duplicates) and returns how many were new.
 *
 * options: fetchAfter(afterSeq, limit) -> Promise<messages>, onMessages(messages) -> count added,
 * onStatus({state, missing, error}), sleep(ms) -> Promise, random() for the backoff jitter.
 */
export class GapFill {
  #timeline;
  #fetchAfter;
  #onMessages;
  #onStatus;
  #sleep;
  #random;
  #running = null;
  #stopped = false;
  #wake = null;
  #status = { state: GapFillState.IDLE, missing: 0, error: null };

  constructor(timeline, { fetchAfter, onMessages, onStatus = () => {}, sleep, random } = {}) {
    this.#timeline = timeline;
    this.#fetchAfter = fetchAfter;
    this.#onMessages = onMessages;
    this.#onStatus = onStatus;
    this.#sleep = sleep ?? defaultSleep;
    this.#random = random ?? Math.random;
  }

  /** {state, missing, error}: error is the last failure while state is FAILED. */
  get status() {
    return this.#status;
  }

  get running() {
    return this.#running !== null;
  }

  /**
   * Starts filling when the timeline has a hole; a fill already running carries on by itself (it
   * looks for the next hole after each page). Returns a promise of the end of the running fill.
   */
  start() {
    if (this.#running === null && !this.#stopped && this.#timeline.firstHole() !== null) {
      this.#running = this.#run().finally(() => {
        this.#running = null;
      });
    }
    return this.#running ?? Promise.resolve();
  }

  /** Cuts a backoff short (e.g. the browser came back online). */
  retryNow() {
    this.#wake?.();
  }

  /** For good (the room was left, the session ended). */
  stop() {
    this.#stopped = true;
    this.#wake?.();
  }

  async #run() {
    let attempt = 0;
    let state = GapFillState.LOADING;
    while (!this.#stopped) {
      const hole = this.#timeline.firstHole();
      if (hole === null) {
        this.#report(GapFillState.IDLE, null);
        return;
      }
      this.#report(state, this.#status.error);
      let added = 0;
      let error = null;
      try {
        const limit = Math.min(GAP_PAGE_SIZE, hole.beforeSeq - hole.afterSeq - 1);
        const page = await this.#fetchAfter(hole.afterSeq, limit);
        if (this.#stopped) {
          return;
        }
        const inHole = (Array.isArray(page) ? page : []).filter(
          (message) =>
            Number.isSafeInteger(message?.seq) &&
            message.seq > hole.afterSeq &&
            message.seq < hole.beforeSeq,
        );
        added = inHole.length === 0 ? 0 : this.#onMessages(inHole);
      } catch (failure) {
        error = failure;
      }
      if (added > 0) {
        attempt = 0;
        state = GapFillState.LOADING;
        this.#status = { ...this.#status, error: null };
        continue;
      }
      // Nothing new: the archiver lags behind the chat servers (or is down). Wait, then ask again.
      attempt++;
      state = error === null ? GapFillState.WAITING : GapFillState.FAILED;
      this.#report(state, error);
      await this.#pause(backoffDelay(attempt, this.#random));
    }
  }

  #report(state, error) {
    this.#status = { state, missing: this.#timeline.missingCount, error };
    this.#onStatus(this.#status);
  }

  #pause(ms) {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#sleep(ms).then(resolve, resolve);
    }).finally(() => {
      this.#wake = null;
    });
  }
}
