// A minimal Socket.IO 4 chat server: the peer Chatroom is measured against in
// bench/peers/side-by-side.sh. It does the comparable work of a chat-app and nothing more:
//   - a client connects (WebSocket transport only) naming itself in the handshake's `auth.user`;
//   - `join` (room, ack): the socket joins the room, then the ack callback answers {room};
//   - `send` ({room, clientMessageId, text}, ack): checks the room name and the text length as
//     Chatroom does, builds {id, room, sender, text, sentAt}, broadcasts it to everybody in the
//     room on every server (the Redis adapter: one PUBLISH per message), then acks the sender
//     with {clientMessageId}.
// Not done, unlike Chatroom: no per-room seq, no order across servers beyond what Redis pub/sub
// gives, no recent window or resume, no idempotency on clientMessageId, no archive, no token
// check (the user name is taken from the handshake), no rate limit, no presence.
// permessage-deflate is off (Socket.IO's own default, set explicitly here).
//
// Usage: node server.mjs --port 3101 [--redis redis://127.0.0.1:6379] [--key bench-sio]
//        [--drop-every N] [--duplicate-every N]   (faults, only to show load.mjs's checks work)
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";

const ROOM = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const MAX_TEXT = 2000;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(option("port", process.env.PORT ?? "3101"));
const redisUrl = option("redis", process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
// The adapter's channel prefix: its own, so it never meets Chatroom's channels on the same Redis.
const key = option("key", process.env.SIO_KEY_PREFIX ?? "bench-sio");
const host = option("host", "127.0.0.1");
const dropEvery = Number(option("drop-every", "0"));
const duplicateEvery = Number(option("duplicate-every", "0"));
let broadcasts = 0;

const pub = createClient({ url: redisUrl });
const sub = pub.duplicate();
for (const c of [pub, sub]) {
  c.on("error", (e) => console.error(`redis: ${e.message}`));
}
await Promise.all([pub.connect(), sub.connect()]);

const http = createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "UP", pid: process.pid, port }));
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(http, {
  adapter: createAdapter(pub, sub, { key }),
  transports: ["websocket"],
  perMessageDeflate: false,
  serveClient: false,
});

function refuse(ack, clientMessageId, code, message) {
  if (typeof ack === "function") {
    ack({ clientMessageId, error: { code, message } });
  }
}

io.on("connection", (socket) => {
  const user = String(socket.handshake.auth?.user ?? socket.id);
  socket.on("join", (room, ack) => {
    if (typeof room !== "string" || !ROOM.test(room)) {
      refuse(ack, null, "bad-room", "room name must match ^[a-z0-9][a-z0-9_-]{0,63}$");
      return;
    }
    socket.join(room);
    if (typeof ack === "function") {
      ack({ room });
    }
  });
  socket.on("send", (msg, ack) => {
    const room = msg?.room;
    const clientMessageId = msg?.clientMessageId ?? null;
    if (typeof room !== "string" || !ROOM.test(room)) {
      refuse(ack, clientMessageId, "bad-room", "room name must match ^[a-z0-9][a-z0-9_-]{0,63}$");
      return;
    }
    const text = typeof msg.text === "string" ? msg.text.trim() : "";
    if (text.length === 0 || text.length > MAX_TEXT) {
      refuse(ack, clientMessageId, "bad-text", "text must be 1..2000 characters");
      return;
    }
    const message = { id: randomUUID(), room, sender: user, text, sentAt: new Date().toISOString() };
    broadcasts++;
    if (!(dropEvery > 0 && broadcasts % dropEvery === 0)) {
      io.to(room).emit("message", message);
      if (duplicateEvery > 0 && broadcasts % duplicateEvery === 0) {
        io.to(room).emit("message", message);
      }
    }
    if (typeof ack === "function") {
      ack({ clientMessageId });
    }
  });
});

http.listen(port, host, () => {
  console.log(`socket.io peer listening on http://${host}:${port} (pid ${process.pid}, redis ${redisUrl}, key ${key})`);
});

function stop() {
  io.close();
  Promise.allSettled([pub.quit(), sub.quit()]).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
