// A TypeScript client generated from api/openapi.yaml, used for real:
// types from openapi-typescript, calls through openapi-fetch. It runs the
// same flow as the Go quickstart against the API in BP_API_URL (the
// botpress-mock program in CI), and exits non-zero on the first surprise.
//
//   npm run ts:generate && npm run ts:build && node build/typescript/main.js
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/botpress.js";
import { expect, required, run } from "./check.js";

type Message = components["schemas"]["Message"];
type ApiError = components["schemas"]["Error"];

const baseUrl = required("BP_API_URL");
const client = createClient<paths>({
  baseUrl,
  headers: {
    Authorization: `Bearer ${required("BP_TOKEN")}`,
    "x-bot-id": required("BP_BOT_ID"),
  },
  // The API reads arrays as repeated keys and maps as dotted keys
  // (tags.channel=web), not as openapi-fetch's default form style.
  querySerializer: dottedQuery,
});

async function main(): Promise<void> {
  const user = await client.POST("/v1/chat/users/get-or-create", {
    body: { tags: { email: "ada@example.com" }, name: "Ada" },
  });
  const userId = ok(user, "getOrCreateUser").user.id;

  const conv = await client.POST("/v1/chat/conversations", {
    body: { channel: "channel", tags: {} },
  });
  const conversationId = ok(conv, "createConversation").conversation.id;

  for (let i = 1; i <= 5; i++) {
    const sent = await client.POST("/v1/chat/messages", {
      body: {
        conversationId,
        userId,
        type: "text",
        payload: { text: `message ${i}` },
        tags: { parity: i % 2 === 0 ? "even" : "odd" },
      },
    });
    ok(sent, `createMessage ${i}`);
  }

  // Walk every page: follow meta.nextToken until there is none.
  const all = await walk(conversationId, {});
  expect(all.length === 5, `walked ${all.length} messages, want 5`);
  const odd = await walk(conversationId, { parity: "odd" });
  expect(odd.length === 3, `walked ${odd.length} odd messages, want 3`);

  // An error answer is typed too: the shared Error schema.
  const missing = await client.GET("/v1/chat/users/{id}", {
    params: { path: { id: "user_does_not_exist_00000000000" } },
  });
  expect(missing.response.status === 404, `status ${missing.response.status}, want 404`);
  const err: ApiError | undefined = missing.error;
  expect(err?.type === "ResourceNotFound", `error type ${err?.type}, want ResourceNotFound`);

  console.log(`ok: user ${userId}, conversation ${conversationId}, ${all.length} messages walked, 404 read as ${err?.type}`);
}

async function walk(conversationId: string, tags: Record<string, string>): Promise<Message[]> {
  const out: Message[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.GET("/v1/chat/messages", {
      params: { query: { conversationId, tags, nextToken } },
    });
    const data = ok(page, "listMessages");
    out.push(...data.messages);
    nextToken = data.meta.nextToken;
  } while (nextToken);
  return out;
}

// dottedQuery writes query parameters as the Botpress API reads them.
function dottedQuery(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  const add = (key: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      for (const v of value) add(key, v);
    } else if (typeof value === "object") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) add(`${key}.${k}`, v);
    } else {
      q.append(key, String(value));
    }
  };
  for (const [k, v] of Object.entries(params)) add(k, v);
  return q.toString();
}

function ok<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.data === undefined) {
    throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

run(main);
