// One STOMP connection to a chat server, with fail-over: when the server dies or closes, ask the
// coordinator for another (exclude=<id>), wait with exponential backoff and jitter, reconnect and
// re-subscribe every joined room. The room state itself lives in the caller (chat.js).

import { Client } from '/webjars/stomp__stompjs/7.2.1/esm6/index.js';
import { backoffDelay } from './rules.js';

/** What the connection indicator shows. */
export const ConnectionState = Object.freeze({
  OFFLINE: 'offline',
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  RECONNECTING: 'reconnecting',
});

const CONNECT_TIMEOUT_MS = 10000;
const HEARTBEAT_MS = 10000;
const ACKS = '/user/queue/acks';
const ERRORS = '/user/queue/errors';
const UNAUTHORIZED = new Set([401, 403]);

const roomTopic = (room) => `/topic/rooms/${room}`;
const presenceTopic = (room) => `/topic/rooms/${room}/presence`;

function parseBody(frame) {
  try {
    return JSON.parse(frame.body);
  } catch {
    return null;
  }
}

/**
 * Keeps the page connected to some chat server while started. Guarantees: at most one live STOMP
 * client at a time (callbacks of a replaced client are ignored); every joined room is subscribed
 * again after each (re)connect with the headers `subscribeHeaders(room)` returns at that moment.
 *
 * handlers: onState({state, server, retryAt, attempt, reason}), onConnected(server),
 * onMessage(room, message), onPresence(room, presence), onAck(ack), onError(error),
 * onSessionInvalid(detail), subscribeHeaders(room), findServer(excludeId) -> Promise<server>.
 */
export class ChatConnection {
  #token;
  #handlers;
  #server = null;
  #client = null;
  #generation = 0;
  #attempt = 0;
  #retryTimer = null;
  #connectTimer = null;
  #stopped = true;
  #connected = false;
  #rooms = new Map();

  constructor(token, handlers) {
    this.#token = token;
    this.#handlers = handlers;
  }

  get server() {
    return this.#server;
  }

  get connected() {
    return this.#connected;
  }

  /** Connects to `server` (the one login assigned), failing over from there. */
  start(server) {
    this.#stopped = false;
    this.#server = server;
    this.#connect();
  }

  /** Disconnects for good (logout). */
  stop() {
    this.#stopped = true;
    this.#clearTimers();
    this.#dropClient();
    this.#emit(ConnectionState.OFFLINE);
  }

  /** Reconnects now instead of waiting out the backoff (e.g. the browser came back online). */
  retryNow() {
    if (!this.#stopped && this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
      this.#failOver();
    }
  }

  join(room) {
    if (this.#rooms.has(room)) {
      return;
    }
    this.#rooms.set(room, []);
    if (this.#connected) {
      this.#subscribeRoom(room);
    }
  }

  leave(room) {
    const subscriptions = this.#rooms.get(room) ?? [];
    this.#rooms.delete(room);
    if (this.#connected) {
      for (const subscription of subscriptions) {
        subscription.unsubscribe();
      }
    }
  }

  /** Sends a message; false when not connected (the caller keeps it pending and re-sends later). */
  send(room, clientMessageId, text) {
    if (!this.#connected || this.#client === null) {
      return false;
    }
    try {
      this.#client.publish({
        destination: `/app/rooms/${room}`,
        body: JSON.stringify({ clientMessageId, text }),
        headers: { 'content-type': 'application/json' },
      });
      return true;
    } catch {
      return false;
    }
  }

  #emit(state, extra = {}) {
    this.#handlers.onState({ state, server: this.#server, attempt: this.#attempt, ...extra });
  }

  #clearTimers() {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#connectTimer);
    this.#retryTimer = null;
    this.#connectTimer = null;
  }

  #dropClient() {
    this.#generation++;
    this.#connected = false;
    for (const room of this.#rooms.keys()) {
      this.#rooms.set(room, []);
    }
    const client = this.#client;
    this.#client = null;
    if (client !== null) {
      client.deactivate({ force: true }).catch(() => {});
    }
  }

  #connect() {
    this.#dropClient();
    const generation = this.#generation;
    const current = () => generation === this.#generation && !this.#stopped;
    this.#emit(ConnectionState.CONNECTING);
    const client = new Client({
      brokerURL: this.#server.wsUrl,
      connectHeaders: { Authorization: `Bearer ${this.#token}` },
      reconnectDelay: 0, // fail-over is ours: another server, backoff, resume
      heartbeatIncoming: HEARTBEAT_MS,
      heartbeatOutgoing: HEARTBEAT_MS,
      debug: () => {}, // frames carry the token: never log them
    });
    client.onConnect = () => {
      if (current()) {
        this.#onConnected();
      }
    };
    client.onStompError = (frame) => {
      if (current()) {
        this.#lost(frame.headers?.message || 'The chat server refused the connection.');
      }
    };
    client.onWebSocketClose = (event) => {
      if (current()) {
        this.#lost(event.code === 1001 ? 'The chat server is shutting down.' : 'Connection lost.');
      }
    };
    this.#client = client;
    this.#connectTimer = setTimeout(() => {
      if (current() && !this.#connected) {
        this.#lost('The chat server did not answer in time.');
      }
    }, CONNECT_TIMEOUT_MS);
    client.activate();
  }

  #onConnected() {
    clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    this.#connected = true;
    this.#attempt = 0;
    const client = this.#client;
    client.subscribe(ACKS, (frame) => {
      const ack = parseBody(frame);
      if (ack) {
        this.#handlers.onAck(ack);
      }
    });
    client.subscribe(ERRORS, (frame) => {
      const error = parseBody(frame);
      if (error) {
        this.#handlers.onError(error);
      }
    });
    for (const room of this.#rooms.keys()) {
      this.#subscribeRoom(room);
    }
    this.#emit(ConnectionState.CONNECTED);
    this.#handlers.onConnected(this.#server);
  }

  #subscribeRoom(room) {
    const client = this.#client;
    // Presence first, so the change our own room subscription causes reaches us too.
    const presence = client.subscribe(presenceTopic(room), (frame) => {
      const body = parseBody(frame);
      if (body) {
        this.#handlers.onPresence(room, body);
      }
    });
    const messages = client.subscribe(
      roomTopic(room),
      (frame) => {
        const body = parseBody(frame);
        if (body) {
          this.#handlers.onMessage(room, body);
        }
      },
      this.#handlers.subscribeHeaders(room),
    );
    this.#rooms.set(room, [presence, messages]);
  }

  #lost(reason) {
    this.#clearTimers();
    this.#dropClient();
    this.#attempt++;
    const delay = backoffDelay(this.#attempt);
    this.#emit(ConnectionState.RECONNECTING, { retryAt: Date.now() + delay, reason });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#failOver();
    }, delay);
  }

  /** Asks the coordinator for another server; if none or unreachable, tries the same one again. */
  async #failOver() {
    const generation = this.#generation;
    this.#emit(ConnectionState.CONNECTING, { reason: 'Looking for a chat server…' });
    const failed = this.#server;
    try {
      this.#server = await this.#handlers.findServer(failed?.id);
    } catch (error) {
      if (UNAUTHORIZED.has(error?.status)) {
        this.stop();
        this.#handlers.onSessionInvalid(error.detail);
        return;
      }
      if (failed === null) {
        this.#lost(error?.detail ?? 'No chat server available.');
        return;
      }
      // No other server (503) or coordinator unreachable: the lost one may have come back.
      this.#server = failed;
    }
    if (!this.#stopped && generation === this.#generation) {
      this.#connect();
    }
  }
}
