// Throughput of the official TypeScript client, @botpress/client, against
// the bench server (internal/cmd/benchserver), for comparison with the Go
// benchmarks in client/bench_test.go. Plain Node ESM, no build step.
//
//	node scripts/bench-ts/bench.mjs http://127.0.0.1:PORT > build/bench/ts.json
//
// The URL comes from the first argument or from $BENCH_URL. Other settings,
// from the environment:
//
//	BENCH_CALLS   calls per round of getConversation and createMessage (5000)
//	BENCH_ROUNDS  measured rounds of each; the median is reported (3)
//	BENCH_WARMUP  warm-up calls before each measurement (1000)
//	BENCH_WALK    messages the walk must see: the server's pages × page size (10000)
//
// It prints one JSON document on stdout; progress goes to stderr.

import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import os from "node:os";
import { Client } from "@botpress/client";

const require = createRequire(import.meta.url);

const url = process.argv[2] ?? process.env.BENCH_URL;
if (!url) {
  console.error("usage: node bench.mjs URL   (or set BENCH_URL)");
  process.exit(2);
}
const intEnv = (name, def) => {
  const v = process.env[name];
  if (v === undefined || v === "") return def;
  const n = Number.parseInt(v, 10);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: want a positive integer`);
  return n;
};
const CALLS = intEnv("BENCH_CALLS", 5000);
const ROUNDS = intEnv("BENCH_ROUNDS", 3);
const WARMUP = intEnv("BENCH_WARMUP", 1000);
const WALK = intEnv("BENCH_WALK", 10000);
const WALK_ROUNDS = Math.max(1, Math.min(ROUNDS, 3));

const conversationId = "conv_01HZXW3D9P4V7Q2M8K5N6R1T0Y";
const client = new Client({
  apiUrl: url,
  token: "x",
  botId: "bot_01HZXW3D9P4V7Q2M8K5N6R1T0Y",
});

const ops = {
  getConversation: async () => {
    const { conversation } = await client.getConversation({ id: conversationId });
    if (conversation.id !== conversationId) throw new Error("getConversation: wrong answer");
  },
  createMessage: async () => {
    const { message } = await client.createMessage({
      conversationId,
      userId: "user_01HZXW3D9P4V7Q2M8K5N6R1T0Y",
      type: "text",
      payload: { text: "Hello" },
      tags: { channel: "web" }, // the body client/bench_test.go sends
    });
    if (!message.id) throw new Error("createMessage: wrong answer");
  },
};

// run makes n calls of fn with at most conc in flight: conc workers each
// take the next call until none are left.
async function run(fn, n, conc) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await fn();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(conc, n) }, worker));
  return (performance.now() - t0) / 1e3;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function measureCalls(op, conc) {
  const fn = ops[op];
  await run(fn, WARMUP, conc); // warm-up, not measured
  const rounds = [];
  const cpuRounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = process.cpuUsage();
    const secs = await run(fn, CALLS, conc);
    const cpu = process.cpuUsage(cpu0); // µs of user and system time, all threads
    rounds.push(CALLS / secs);
    cpuRounds.push(((cpu.user + cpu.system) * 1e3) / CALLS);
  }
  const callsPerSec = median(rounds);
  const res = {
    name: `${op}/${conc === 1 ? "seq" : `par${conc}`}`,
    op,
    concurrency: conc,
    calls: CALLS,
    rounds: ROUNDS,
    callsPerSec,
    nsPerOp: 1e9 / callsPerSec,
    cpuNsPerOp: median(cpuRounds), // the Node process's CPU time per call
    roundsCallsPerSec: rounds,
  };
  console.error(`${res.name}: ${callsPerSec.toFixed(0)} calls/s`);
  return res;
}

async function walkOnce() {
  let items = 0;
  let peakHeap = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for await (const m of client.list.messages({ conversationId })) {
    if (!m.id) throw new Error("walk: message without id");
    items++;
    if (items % 1000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  const secs = (performance.now() - t0) / 1e3;
  if (items !== WALK) throw new Error(`walk: saw ${items} messages, want ${WALK}`);
  return { secs, peakHeap };
}

async function measureWalk() {
  await walkOnce(); // warm-up
  const rounds = [];
  let peakHeap = 0;
  for (let r = 0; r < WALK_ROUNDS; r++) {
    const w = await walkOnce();
    rounds.push(WALK / w.secs);
    peakHeap = Math.max(peakHeap, w.peakHeap);
  }
  const itemsPerSec = median(rounds);
  const res = {
    name: "walk/async-iterator",
    op: "list.messages",
    items: WALK,
    rounds: WALK_ROUNDS,
    itemsPerSec,
    seconds: WALK / itemsPerSec,
    peakHeapUsedBytes: peakHeap,
    roundsItemsPerSec: rounds,
  };
  console.error(`${res.name}: ${itemsPerSec.toFixed(0)} items/s`);
  return res;
}

const results = [];
for (const op of ["getConversation", "createMessage"]) {
  for (const conc of [1, 32]) results.push(await measureCalls(op, conc));
}
results.push(await measureWalk());

const clientVersion = require("@botpress/client/package.json").version;
const axiosVersion = require("axios/package.json").version;
const cpus = os.cpus();
process.stdout.write(
  JSON.stringify(
    {
      client: "@botpress/client",
      clientVersion,
      axiosVersion,
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      cpu: cpus[0]?.model ?? "",
      cores: cpus.length,
      url,
      settings: { calls: CALLS, rounds: ROUNDS, warmup: WARMUP, walk: WALK },
      results,
    },
    null,
    2,
  ) + "\n",
);
