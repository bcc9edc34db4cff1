// The peer check of the Chat API: the official client, @botpress/chat (the
// version pinned in package.json), runs a user's flow against the Chat API
// in BP_CHAT_API_URL (botpress-mock, whose bot echoes every message):
//
//   1. connect with no key: createUser issues one;
//   2. create a conversation and listen to it;
//   3. send a message and get the bot's echo through the listener, after the
//      user's own message and a keep-alive (botpress-mock -chat-keep-alive);
//   4. list the messages, one page and all pages;
//   5. connect as a user of our choosing, with a key signed with
//      BP_CHAT_ENCRYPTION_KEY (getOrCreateUser), join the first user's
//      conversation, send a custom event, and see the stream end when the
//      owner removes them.
//
// It prints one line per step and exits 0, or prints what failed and exits 1.
// A watchdog fails it after CHAT_PEER_TIMEOUT_MS (default 20 s).
//
//   scripts/check-chat   (builds and starts botpress-mock, then runs this)
import chat from "@botpress/chat";

const { Client } = chat;
const timeoutMs = Number(process.env.CHAT_PEER_TIMEOUT_MS ?? 20000);
let step = "setup";
const watchdog = setTimeout(() => fail(step, new Error(`the flow is not done after ${timeoutMs} ms`)), timeoutMs);
function fail(where, err) {
  console.error(`check-chat: FAILED at ${where}: ${err?.stack ?? err}`);
  process.exit(1);
}
function check(cond, what) {
  if (!cond) throw new Error(what);
}
function log(msg) {
  console.log(`check-chat: ${msg}`);
}
function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (start botpress-mock and export its BP_ lines)`);
  return v;
}

// next resolves with the first value of a listener's event that keep accepts.
function next(listener, event, keep, what, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    listener.on(event, (data) => {
      if (keep(data)) {
        clearTimeout(timer);
        resolve(data);
      }
    });
    listener.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function main() {
  const apiUrl = required("BP_CHAT_API_URL");
  const encryptionKey = required("BP_CHAT_ENCRYPTION_KEY");

  step = "connect (createUser)";
  const ann = await Client.connect({ apiUrl, timeout: 5000 });
  check(typeof ann.user.key === "string" && ann.user.key.split(".").length === 3, "createUser gave no JWT key");
  log(`connected as ${ann.user.id}`);

  step = "createConversation";
  const { conversation } = await ann.createConversation({});
  check(conversation.id, "no conversation ID");
  log(`conversation ${conversation.id}`);

  step = "listenConversation";
  const listener = await ann.listenConversation({ id: conversation.id });
  const own = next(listener, "message_created", (m) => !m.isBot, "message_created of the user");
  const echo = next(listener, "message_created", (m) => m.isBot, "message_created of the bot (echo)");
  const ping = next(listener, "unknown", (d) => d === "ping", "keep-alive (data: ping)");
  log("listening");

  step = "createMessage";
  const { message } = await ann.createMessage({
    conversationId: conversation.id,
    payload: { type: "text", text: "marco" },
    metadata: { from: "check-chat" },
  });
  check(message.payload.type === "text" && message.payload.text === "marco", `createMessage answered ${JSON.stringify(message)}`);
  check(message.userId === ann.user.id, "the message is not the user's");

  step = "the listener";
  const mine = await own;
  check(mine.id === message.id && mine.metadata?.from === "check-chat", `own signal ${JSON.stringify(mine)}`);
  const reply = await echo;
  check(reply.payload.type === "text" && reply.payload.text === "marco", `echo ${JSON.stringify(reply)}`);
  check(reply.conversationId === conversation.id, "echo in another conversation");
  log(`echo received: ${JSON.stringify(reply.payload)}`);
  await ping;
  log("keep-alive received");

  step = "listMessages";
  const { messages } = await ann.listMessages({ conversationId: conversation.id });
  check(messages.length === 2, `${messages.length} messages, want 2`);
  check(messages[0].id === reply.id && messages[1].id === message.id, "not newest first");
  const all = await ann.list.messages({ conversationId: conversation.id }).collect();
  check(all.length === 2, `list.messages collected ${all.length}`);
  log("messages listed, newest first");
  await listener.disconnect();

  step = "connect (encryptionKey, getOrCreateUser)";
  const userId = `peer-${Date.now()}`;
  const bob = await Client.connect({ apiUrl, encryptionKey, userId, timeout: 5000 });
  check(bob.user.id === userId, `getOrCreateUser answered ${bob.user.id}, want ${userId}`);
  const { user } = await bob.getUser({});
  check(user.id === userId, "getUser");
  log(`connected as ${userId} with a key of our own`);

  step = "participants";
  await ann.addParticipant({ conversationId: conversation.id, userId });
  const { participants } = await bob.listParticipants({ conversationId: conversation.id });
  check(participants.length === 2, `${participants.length} participants, want 2`);
  const bobListener = await bob.listenConversation({ id: conversation.id });
  const event = next(bobListener, "event_created", () => true, "event_created");
  step = "createEvent";
  const created = await bob.createEvent({ conversationId: conversation.id, payload: { clicked: "yes" } });
  const got = await event;
  check(got.id === created.event.id && got.payload.clicked === "yes" && !got.isBot, `event ${JSON.stringify(got)}`);
  log("custom event received");

  step = "removeParticipant";
  const ended = new Promise((resolve) => bobListener.on("error", resolve));
  await ann.removeParticipant({ conversationId: conversation.id, userId });
  await ended;
  log("the removed user's stream ended");
  step = "getConversation after removal";
  const refused = await bob.getConversation({ id: conversation.id }).then(
    () => null,
    (err) => err
  );
  check(refused?.code === 403, `a removed user reads the conversation: ${refused}`);
  log("the removed user is refused (403)");
}

main().then(
  () => {
    clearTimeout(watchdog);
    log("OK");
    process.exit(0);
  },
  (err) => fail(step, err)
);
