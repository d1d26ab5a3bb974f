// A minimal STOMP 1.2 client over WebSocket (the `ws` package) for the Node load generator: the
// few frames a Chatroom benchmark client needs (CONNECT, SUBSCRIBE with a receipt, SEND), and a
// reader for the frames the chat-app sends, in text or binary WebSocket messages, several frames
// per message allowed (the contract lets a server do both). Header values are ours (room names,
// ids, tokens) and never hold ':' or newlines, so nothing is escaped.
import { StringDecoder } from "node:string_decoder";
import WebSocket from "ws";

const NUL = "\0";

/** A received frame: its command, the headers it was read with, and its body. */
export class Frame {
  constructor(command, headers, body) {
    this.command = command;
    this.headers = headers;
    this.body = body;
  }
}

/**
 * Splits WebSocket messages into frames. A frame ends at its NUL (bodies here are JSON, which
 * holds none); heart-beat end-of-lines between frames are skipped; a frame cut across two
 * WebSocket messages is kept until its end arrives, also when the cut falls inside a multi-byte
 * character of a binary message (its bytes are decoded as one UTF-8 stream).
 */
export class FrameReader {
  constructor() {
    this.pending = "";
    this.decoder = new StringDecoder("utf8");
  }

  /** The complete frames in `message` (a string, or the bytes ws hands over), after what is left of earlier messages. */
  read(message) {
    const text = typeof message === "string" ? message : this.decoder.write(message);
    const frames = [];
    let data = this.pending.length ? this.pending + text : text;
    let from = 0;
    for (;;) {
      while (from < data.length && (data[from] === "\n" || data[from] === "\r")) from++;
      if (from >= data.length) break;
      const end = data.indexOf(NUL, from);
      if (end < 0) break;
      frames.push(parse(data, from, end));
      from = end + 1;
    }
    this.pending = from >= data.length ? "" : data.slice(from);
    return frames;
  }
}

function parse(data, from, end) {
  let eol = data.indexOf("\n", from);
  if (eol < 0 || eol > end) eol = end;
  const command = data.slice(from, data[eol - 1] === "\r" ? eol - 1 : eol);
  const headers = {};
  let at = eol + 1;
  while (at < end) {
    let next = data.indexOf("\n", at);
    if (next < 0 || next > end) next = end;
    const line = data.slice(at, data[next - 1] === "\r" ? next - 1 : next);
    at = next + 1;
    if (line.length === 0) break;
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    // STOMP 1.2: the first of repeated headers wins.
    if (!(name in headers)) headers[name] = colon < 0 ? "" : line.slice(colon + 1);
  }
  return new Frame(command, headers, at < end ? data.slice(at, end) : "");
}

/**
 * One STOMP session. `onFrame(frame)` gets every MESSAGE, RECEIPT and ERROR frame;
 * `onClose(reason)` once when the socket closes or fails.
 */
export class StompConnection {
  constructor(wsUrl, origin, token, onFrame, onClose) {
    this.wsUrl = wsUrl;
    this.origin = origin;
    this.token = token;
    this.onFrame = onFrame;
    this.onClose = onClose;
    this.reader = new FrameReader();
    this.socket = null;
  }

  /** Opens the socket and completes CONNECT (heart-beats off, as the Java bench does). */
  connect(timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e) => {
        if (!settled) {
          settled = true;
          reject(e);
        }
      };
      const timer = setTimeout(() => fail(new Error(`${this.wsUrl}: no CONNECTED in ${timeoutMs} ms`)), timeoutMs);
      // permessage-deflate off: the Java bench's clients and Socket.IO's do not offer it either.
      const socket = new WebSocket(this.wsUrl, { origin: this.origin, perMessageDeflate: false });
      this.socket = socket;
      socket.on("open", () => {
        const host = new URL(this.wsUrl).hostname;
        socket.send(`CONNECT\naccept-version:1.2\nhost:${host}\nheart-beat:0,0\nAuthorization:Bearer ${this.token}\n\n${NUL}`);
      });
      socket.on("message", (data) => {
        for (const frame of this.reader.read(data)) {
          if (!settled) {
            if (frame.command === "CONNECTED") {
              settled = true;
              clearTimeout(timer);
              resolve(this);
            } else {
              clearTimeout(timer);
              fail(new Error(`${this.wsUrl}: ${frame.command} ${frame.headers.message ?? ""} ${frame.body}`.trim()));
            }
            continue;
          }
          this.onFrame(frame);
        }
      });
      socket.on("error", (e) => {
        clearTimeout(timer);
        fail(new Error(`${this.wsUrl}: ${e.message}`));
      });
      socket.on("close", (code, reason) => {
        clearTimeout(timer);
        fail(new Error(`${this.wsUrl}: closed ${code} ${reason}`));
        this.onClose?.(`${code} ${reason}`.trim());
      });
    });
  }

  subscribe(id, destination, receipt) {
    const r = receipt == null ? "" : `receipt:${receipt}\n`;
    this.socket.send(`SUBSCRIBE\nid:${id}\ndestination:${destination}\nack:auto\n${r}\n${NUL}`);
  }

  /** Sends a SEND whose body is `json` (a JSON text). */
  send(destination, json) {
    this.socket.send(`SEND\ndestination:${destination}\ncontent-type:application/json\n\n${json}${NUL}`);
  }

  close() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(`DISCONNECT\n\n${NUL}`);
      this.socket.close(1000);
    }
  }
}
