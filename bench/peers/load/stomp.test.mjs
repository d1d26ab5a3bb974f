// The STOMP frame reader of the Node load generator: `node --test bench/peers/load/`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FrameReader } from "./stomp.mjs";

const message = (sub, body) => `MESSAGE\ndestination:/topic/rooms/a\nsubscription:${sub}\ncontent-type:application/json\n\n${body}\0`;

test("several frames in one WebSocket message, with heart-beat end-of-lines between them", () => {
  const frames = new FrameReader().read(`\n${message("r", '{"seq":1}')}\n\r\n${message("a", '{"seq":2}')}`);
  assert.deepEqual(
    frames.map((f) => [f.command, f.headers.subscription, f.body]),
    [
      ["MESSAGE", "r", '{"seq":1}'],
      ["MESSAGE", "a", '{"seq":2}'],
    ],
  );
});

test("a frame cut across two messages is read once its NUL arrives", () => {
  const reader = new FrameReader();
  const whole = message("r", '{"seq":7,"text":"héllo"}');
  assert.deepEqual(reader.read(whole.slice(0, 30)), []);
  const frames = reader.read(whole.slice(30));
  assert.equal(frames.length, 1);
  assert.equal(frames[0].body, '{"seq":7,"text":"héllo"}');
  assert.deepEqual(reader.read(""), []);
});

test("a binary message cut inside a multi-byte character", () => {
  const reader = new FrameReader();
  const bytes = Buffer.from(message("r", '{"seq":3,"text":"é€😀"}'), "utf8");
  const cut = bytes.indexOf(Buffer.from("€", "utf8")) + 1; // inside the euro sign's 3 bytes
  assert.deepEqual(reader.read(bytes.subarray(0, cut)), []);
  const frames = reader.read(bytes.subarray(cut));
  assert.equal(frames.length, 1);
  assert.equal(frames[0].body, '{"seq":3,"text":"é€😀"}');
});

test("CRLF line ends, a header without a value, the first of repeated headers, an empty body", () => {
  const [f] = new FrameReader().read("RECEIPT\r\nreceipt-id:joined\r\nreceipt-id:other\r\nflag\r\n\r\n\0");
  assert.equal(f.command, "RECEIPT");
  assert.equal(f.headers["receipt-id"], "joined");
  assert.equal(f.headers.flag, "");
  assert.equal(f.body, "");
});

test("a frame with no headers", () => {
  const [f] = new FrameReader().read("ERROR\n\nbad token\0");
  assert.equal(f.command, "ERROR");
  assert.deepEqual(f.headers, {});
  assert.equal(f.body, "bad token");
});
