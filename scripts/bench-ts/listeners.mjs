// Many listeners of the official Chat client, @botpress/chat (the version
// pinned in package.json), in one Node process, for comparison with the Go
// benchmark BenchmarkListeners (chat/bench_test.go), against the same
// botpress-mock process (-bot-reply none). Measured as the Go side is:
//
//   - memory per listener: process RSS after every listener is connected,
//     less before the first was opened, divided by their number, each read
//     after a full collection (gc(), hence --expose-gc); heapUsed alike;
//   - delivery latency: from just before a user's createMessage to each
//     listener of the conversation getting its message_created; one message
//     at a time, sent once the previous one reached every listener of its
//     conversation, round robin over the conversations, after a warm-up of
//     two messages per conversation.
//
// Each listener is its own user (a key signed with the encryption key,
// getOrCreateUser), a participant of its conversation, with its own client
// (Client.connect with the user's key, then listenConversation, which
// resolves once the stream is open).
//
//	node --expose-gc scripts/bench-ts/listeners.mjs > build/bench/chat-ts.json
//
// Settings, from the environment: BENCH_CHAT_URL (botpress-mock's
// BP_CHAT_API_URL) and BENCH_CHAT_KEY (its BP_CHAT_ENCRYPTION_KEY), both
// required; BENCH_LISTENERS (1000), BENCH_CONVERSATIONS (listeners ÷ 100),
// BENCH_MESSAGES (measured messages, 300). It prints one JSON document on
// stdout; progress goes to stderr.

import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import chat from "@botpress/chat";

const { Client } = chat;
const require = createRequire(import.meta.url);

const intEnv = (name, def) => {
  const v = process.env[name];
  if (v === undefined || v === "") return def;
  const n = Number.parseInt(v, 10);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: want a positive integer`);
  return n;
};
const apiUrl = process.env.BENCH_CHAT_URL;
const encryptionKey = process.env.BENCH_CHAT_KEY;
if (!apiUrl || !encryptionKey) {
  console.error("listeners.mjs: set BENCH_CHAT_URL and BENCH_CHAT_KEY (botpress-mock's BP_CHAT_API_URL and BP_CHAT_ENCRYPTION_KEY)");
  process.exit(2);
}
if (typeof globalThis.gc !== "function") {
  console.error("listeners.mjs: run with node --expose-gc");
  process.exit(2);
}
const LISTENERS = intEnv("BENCH_LISTENERS", 1000);
const CONVERSATIONS = intEnv("BENCH_CONVERSATIONS", Math.max(1, Math.floor(LISTENERS / 100)));
const MESSAGES = intEnv("BENCH_MESSAGES", 300);
const CONCURRENCY = 64; // as the Go benchmark opens them
const log = (msg) => console.error(`listeners.mjs: ${msg}`);

// pool runs f(0) ... f(n-1), at most conc at a time.
async function pool(n, conc, f) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await f(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, conc) }, worker));
}

// memory reads RSS and heapUsed after full collections.
async function memory() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

function percentile(sorted, q) {
  if (sorted.length === 0) return 0;
  const i = Math.round(q * sorted.length) - 1;
  return sorted[Math.min(Math.max(i, 0), sorted.length - 1)];
}

async function main() {
  const prefix = `benchts${Date.now().toString(36)}`;
  const sender = await Client.connect({ apiUrl, encryptionKey, userId: `${prefix}-sender` });
  const convs = [];
  for (let i = 0; i < CONVERSATIONS; i++) {
    const { conversation } = await sender.createConversation({ id: `${prefix}-c${i}` });
    convs.push(conversation.id);
  }
  const per = new Array(CONVERSATIONS).fill(0);
  const keys = new Array(LISTENERS);
  await pool(LISTENERS, CONCURRENCY, async (i) => {
    const userId = `${prefix}-u${i}`;
    const c = await Client.connect({ apiUrl, encryptionKey, userId });
    keys[i] = c.user.key;
    await sender.addParticipant({ conversationId: convs[i % CONVERSATIONS], userId });
  });
  for (let i = 0; i < LISTENERS; i++) per[i % CONVERSATIONS]++;
  log(`${LISTENERS} users in ${CONVERSATIONS} conversations`);

  // The round under way: a message on its way to a conversation's listeners.
  let current = null;
  const onMessage = (m) => {
    const now = performance.now();
    const r = current;
    if (r === null || m.payload?.text !== r.text) return;
    r.lat.push(now - r.start);
    if (r.lat.length === r.want) r.resolve();
  };
  const errors = [];

  const before = await memory();
  const started = performance.now();
  const listeners = new Array(LISTENERS);
  await pool(LISTENERS, CONCURRENCY, async (i) => {
    const c = await Client.connect({ apiUrl, userKey: keys[i] });
    const l = await c.listenConversation({ id: convs[i % CONVERSATIONS] });
    l.on("message_created", onMessage);
    l.on("error", (err) => errors.push(err));
    listeners[i] = l;
  });
  const openSeconds = (performance.now() - started) / 1000;
  const after = await memory();
  log(`${LISTENERS} listeners open in ${openSeconds.toFixed(1)} s`);

  let seq = 0;
  const send = async () => {
    const i = seq % CONVERSATIONS;
    const r = { text: `bench ${seq}`, lat: [], want: per[i], start: 0 };
    seq++;
    const done = new Promise((resolve) => (r.resolve = resolve));
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${r.text} reached ${r.lat.length} of ${r.want} listeners in a minute`)), 60000);
    });
    current = r;
    r.start = performance.now();
    await sender.createMessage({ conversationId: convs[i], payload: { type: "text", text: r.text } });
    await Promise.race([done, timeout]);
    clearTimeout(timer);
    return r.lat;
  };
  for (let i = 0; i < 2 * CONVERSATIONS; i++) await send();
  while (seq % CONVERSATIONS !== 0) seq++;
  const all = [];
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i++) all.push(...(await send()));
  const elapsed = performance.now() - t0;
  all.sort((a, b) => a - b);
  for (const l of listeners) await l.disconnect();
  if (errors.length > 0) throw new Error(`${errors.length} listener errors, the first: ${errors[0]?.message ?? errors[0]}`);

  const pkg = require("@botpress/chat/package.json");
  const out = {
    client: "@botpress/chat",
    clientVersion: pkg.version,
    node: process.version,
    listeners: LISTENERS,
    conversations: CONVERSATIONS,
    messages: MESSAGES,
    samples: all.length,
    openSeconds,
    rssBytesPerListener: (after.rss - before.rss) / LISTENERS,
    heapUsedBytesPerListener: (after.heapUsed - before.heapUsed) / LISTENERS,
    externalBytesPerListener: (after.external - before.external) / LISTENERS,
    nsPerMessage: (elapsed * 1e6) / MESSAGES,
    p50Ns: percentile(all, 0.5) * 1e6,
    p99Ns: percentile(all, 0.99) * 1e6,
  };
  console.log(JSON.stringify(out, null, 2));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`listeners.mjs: ${err?.stack ?? err}`);
    process.exit(1);
  }
);
