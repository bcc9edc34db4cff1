// The official TypeScript client, @botpress/client (the version in the
// repository's package.json), used for real against the API in BP_API_URL
// (botpress-mock in CI, through scripts/check-ts): a flow over operations and
// fields of today's definitions that the older @botpress/api lacks (user
// attributes, conversation properties and message counts, page sizes,
// signing secret rotation, the v2 billing and usage operations). It exits
// non-zero on the first surprise.
import { Client, billing } from "@botpress/client";
import { expect, required, run } from "./check.js";

const apiUrl = required("BP_API_URL");
const token = required("BP_TOKEN");
const botId = required("BP_BOT_ID");
const workspaceId = required("BP_WORKSPACE_ID");

const client = new Client({ apiUrl, token, botId, workspaceId });
const bill = new billing.Client({ apiUrl, token, workspaceId });

async function main(): Promise<void> {
  // Users and conversations carry properties; a conversation counts its messages.
  const { user } = await client.getOrCreateUser({
    tags: { email: "grace@example.com" },
    name: "Grace",
    properties: { plan: "pro" },
  });
  expect(user.properties?.plan === "pro", `user properties ${JSON.stringify(user.properties)}`);

  const { conversation } = await client.createConversation({
    channel: "channel",
    tags: {},
    properties: { topic: "billing" },
  });
  expect(conversation.messageCount === 0, `new conversation counts ${conversation.messageCount} messages`);
  expect(conversation.properties?.topic === "billing", `conversation properties ${JSON.stringify(conversation.properties)}`);

  for (let i = 1; i <= 3; i++) {
    await client.createMessage({
      conversationId: conversation.id,
      userId: user.id,
      type: "text",
      payload: { text: `message ${i}` },
      tags: {},
    });
  }
  const { conversation: counted } = await client.getConversation({ id: conversation.id });
  expect(counted.messageCount === 3, `conversation counts ${counted.messageCount} messages, want 3`);

  // A page size, through the client's own walker and through one call.
  const page = await client.listMessages({ conversationId: conversation.id, pageSize: 1 });
  expect(page.messages.length === 1 && page.meta.nextToken !== undefined, `pageSize 1 answered ${page.messages.length} messages`);
  const all = await client.list.messages({ conversationId: conversation.id, pageSize: 2 }).collect();
  expect(all.length === 3, `walked ${all.length} messages with pageSize 2, want 3`);

  // Signing secrets rotate.
  const { newSigningSecret } = await client.rotateBotSigningSecrets({ id: botId });
  expect(newSigningSecret.length > 0, "rotateBotSigningSecrets answered no secret");
  const again = await client.rotateBotSigningSecrets({ id: botId });
  expect(again.newSigningSecret !== newSigningSecret, "two rotations answered the same secret");

  // The v2 billing API: a plan, an address, trials, usage.
  const plans = await bill.listPlans({});
  // Another plan sold per month than the workspace's.
  const before = await bill.getSubscription({});
  const plan = plans.find((p) => p.prices.month !== undefined && p.id !== before.plan.current.planId);
  if (!plan) throw new Error("listPlans answered no other plan sold per month");
  await bill.setPlan({ planId: plan.id, interval: "month" });
  const sub = await bill.getSubscription({});
  expect(sub.plan.current.planId === plan.id, `subscription plan ${sub.plan.current.planId}, want ${plan.id}`);

  await bill.setBillingAddress({ lineOne: "1 Main St", city: "Montreal", postalCode: "H2X 1Y4", country: "CA" });
  const { address } = await bill.getBillingAddress({});
  expect(address?.city === "Montreal", `billing address ${JSON.stringify(address)}`);

  // A trial of a plan above the one just set.
  const trialPlan = plans.find((p) => p.id !== plan.id && p.id !== before.plan.current.planId);
  if (!trialPlan) throw new Error("listPlans answered no third plan to try");
  const trial = await bill.createTrial({ plan: trialPlan.id, lengthInDays: 14 });
  const { trials } = await bill.getTrials({});
  expect(trials.some((t) => t.id === trial.id), `getTrials lacks trial ${trial.id}`);

  const usage = await bill.getWorkspaceUsage({ feature: "bot_count", period: new Date().toISOString() });
  expect(usage.usage !== undefined && usage.usage >= 1, `bot_count usage ${usage.usage}, want at least 1`);

  console.log(
    `ok (@botpress/client): ${counted.messageCount} messages counted, ${all.length} walked by 2, ` +
      `secret rotated, plan ${plan.id}, trial ${trial.id}, ${usage.usage} bot(s) in use`,
  );
}

run(main);
