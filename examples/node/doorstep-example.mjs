#!/usr/bin/env node
// Doorstep from a shop's or carrier's side, with Node 20 and no npm packages: register a webhook,
// create a delivery, mark it out for delivery, wait for the signed `delivery.delivered` webhook,
// then fetch the delivery's signed receipt and check its Ed25519 signature offline.
//
//   DOORSTEP_URL=http://127.0.0.1:8080 DOORSTEP_API_KEY=dsk_... node doorstep-example.mjs
//
// Optional: DOORSTEP_COURIER_ID (courier to assign), WEBHOOK_HOST (127.0.0.1), WEBHOOK_PORT (0: any
// free port), WAIT_SECONDS (120). The API key needs the `admin` scope to register a webhook.
// Exits 0 and prints `OK <delivery id>` when everything checked out.
import { createHmac, createPublicKey, randomUUID, timingSafeEqual, verify } from "node:crypto";
import { createServer } from "node:http";

const BASE = (process.env.DOORSTEP_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
const API_KEY = (process.env.DOORSTEP_API_KEY ?? "").trim();
const COURIER_ID = process.env.DOORSTEP_COURIER_ID;
const WEBHOOK_HOST = process.env.WEBHOOK_HOST ?? "127.0.0.1";
const WEBHOOK_PORT = Number(process.env.WEBHOOK_PORT ?? 0);
const WAIT_SECONDS = Number(process.env.WAIT_SECONDS ?? 120);
const TOLERANCE = 5 * 60; // seconds: an older (or future) webhook-timestamp may be a replayed capture

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status; // undefined: no HTTP answer at all (network error, timeout)
  }
}

// One JSON request. Errors under /api/ are RFC 9457 problems: clients branch on `type` (stable),
// and `detail` says what went wrong this time.
async function api(method, path, { body, headers = {}, auth = true } = {}) {
  const all = { Accept: "application/json", ...headers };
  if (body !== undefined) all["Content-Type"] = "application/json";
  if (auth) all.Authorization = `Bearer ${API_KEY}`;
  let response;
  try {
    response = await fetch(BASE + path, {
      method, headers: all, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new ApiError(`${method} ${path}: no answer from ${BASE}: ${error.cause?.message ?? error.message}`);
  }
  const text = await response.text();
  if (!response.ok) {
    let problem;
    try { problem = JSON.parse(text); } catch { problem = { type: "(not a problem+json)", detail: text.slice(0, 200) }; }
    throw new ApiError(`${method} ${path}: HTTP ${response.status} ${problem.type}: ${problem.detail}`, response.status);
  }
  return text ? JSON.parse(text) : null;
}

// Standard Webhooks (standardwebhooks.com) signature check; returns [id, event] or throws.
// Verify before parsing: the body is only trusted once the HMAC over its exact bytes matches.
function verifyWebhook(secret, headers, body) {
  const id = headers["webhook-id"], timestamp = headers["webhook-timestamp"], signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) throw new Error("missing webhook-id, webhook-timestamp or webhook-signature");
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE) throw new Error("timestamp too far from now");
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
  // Several signatures during a secret rotation: any v1 one may match. timingSafeEqual takes
  // constant time, so an attacker cannot find the right signature byte by byte.
  for (const candidate of signatures.split(" ")) {
    const [version, value = ""] = candidate.split(",", 2);
    const given = Buffer.from(value, "base64");
    if (version === "v1" && given.length === expected.length && timingSafeEqual(given, expected)) {
      return [id, JSON.parse(body.toString("utf8"))];
    }
  }
  throw new Error("no matching signature");
}

// Returns the signed statement. The signature covers the exact payload bytes (base64url, no
// padding), so no JSON canonicalisation is needed; the key comes from the server's published
// list, matched by tenant and `kid` (keys rotate; old receipts keep naming their own key).
async function checkReceipt(receipt) {
  const { keys } = await api("GET", "/.well-known/doorstep-keys.json", { auth: false });
  const key = keys.find((k) => k.kid === receipt.kid && k.tenant_id === receipt.tenant_id);
  if (!key) throw new ApiError(`no published key ${receipt.kid} for tenant ${receipt.tenant_id}`);
  const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: key.public_key }, format: "jwk" });
  const payload = Buffer.from(receipt.payload, "base64url");
  if (!verify(null, payload, publicKey, Buffer.from(receipt.signature, "base64url"))) {
    throw new ApiError("receipt signature does not match: changed, or not signed by this tenant");
  }
  return JSON.parse(payload.toString("utf8"));
}

// Verified events, kept until asked for (one may come before anyone waits for it).
class Inbox {
  events = [];
  seen = new Set();
  wake = () => {};

  add(id, event) {
    if (this.seen.has(id)) return; // delivery is at least once: drop repeats by webhook-id
    this.seen.add(id);
    this.events.push(event);
    this.wake();
  }

  // The first event that matches, or undefined after `ms`.
  async next(matches, ms) {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.events.findIndex(matches);
      if (index >= 0) return this.events.splice(index, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
    }
  }
}

async function main() {
  if (!API_KEY) throw new ApiError("set DOORSTEP_API_KEY (and DOORSTEP_URL)");
  const endpoint = {}; // filled once registered; the handler needs its secret
  const inbox = new Inbox();

  const receiver = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      try {
        const [id, event] = verifyWebhook(endpoint.secret ?? "", request.headers, Buffer.concat(chunks));
        response.writeHead(204).end(); // answer fast; the real work happens elsewhere
        inbox.add(id, event);
      } catch (error) {
        console.error(`rejected a webhook: ${error.message}`);
        response.writeHead(400).end(); // Doorstep retries non-2xx answers later
      }
    });
  });
  await new Promise((resolve, reject) => receiver.once("error", reject).listen(WEBHOOK_PORT, WEBHOOK_HOST, resolve));
  const hookURL = `http://${WEBHOOK_HOST}:${receiver.address().port}/doorstep`;
  try {
    // The secret is shown only in this answer: keep it (real code stores it safely).
    Object.assign(endpoint, await api("POST", "/api/v1/webhooks", { body: { url: hookURL, event_types: ["delivery.delivered"] } }));
    console.log(`webhook endpoint ${endpoint.id} -> ${hookURL}`);
    try {
      return await run(inbox, endpoint.id);
    } finally {
      await api("DELETE", `/api/v1/webhooks/${endpoint.id}`); // leave no endpoint behind
      console.log(`webhook endpoint ${endpoint.id} deleted`);
    }
  } finally {
    receiver.close();
    receiver.closeAllConnections();
  }
}

// The endpoint's delivery log says why nothing arrived (refused address, receiver errors...).
async function whyNoWebhook(hookID) {
  const [last] = (await api("GET", `/api/v1/webhooks/${hookID}/deliveries`)).items;
  if (!last) return "nothing was sent to the endpoint yet";
  return `last message ${last.state} after ${last.attempts} failed attempt(s): ${last.last_error ?? "-"}`;
}

async function run(inbox, hookID) {
  const order = `EX-${randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const delivery = {
    order_reference: order, address: "12 Example Street, Springfield", latitude: 48.8566, longitude: 2.3522,
    recipient: { name: "Alex Example", email: "alex@example.com", language: "en" },
    ...(COURIER_ID ? { courier_id: COURIER_ID } : {}),
  };
  // An Idempotency-Key makes a retry safe: if the answer is lost (timeout, dropped connection),
  // sending the same key and body again returns the first delivery instead of a second one.
  // Only failures that may not have reached the server (no answer, 5xx, 429) are worth a retry.
  const key = randomUUID();
  let created;
  for (let attempt = 0; ; attempt++) {
    try {
      created = await api("POST", "/api/v1/deliveries", { body: delivery, headers: { "Idempotency-Key": key } });
      break;
    } catch (error) {
      if (attempt === 2 || (error.status && error.status < 500 && error.status !== 429)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
    }
  }
  const id = created.id;
  console.log(`delivery ${id} created (order ${order})`);
  console.log(`customer page: ${created.customer_url}`);

  // Tells the recipient (email or text) and opens the way for the courier's photo.
  await api("POST", `/api/v1/deliveries/${id}/out-for-delivery`);
  console.log(`waiting up to ${WAIT_SECONDS} s for delivery.delivered of ${id}`);
  const event = await inbox.next((e) => e.type === "delivery.delivered" && e.data?.delivery_id === id, WAIT_SECONDS * 1000);
  if (!event) throw new ApiError(`no delivery.delivered webhook for ${id} within ${WAIT_SECONDS} s (${await whyNoWebhook(hookID)})`);
  console.log(`webhook: ${event.type} placement=${event.data.placement} photo=${event.data.photo_id}`);

  // The receipt is the proof of delivery that outlives the photo, signed with the tenant's key:
  // anyone can check it later, offline, without trusting this server or this script.
  const receipt = await api("GET", `/api/v1/deliveries/${id}/receipt`);
  const statement = await checkReceipt(receipt);
  console.log(`receipt signature valid (key ${receipt.kid})`);
  if (statement.delivery_id !== id) throw new ApiError("the receipt is for another delivery");
  const photo = statement.photo ?? {};
  console.log(`receipt: delivered ${statement.delivered_at} placement=${statement.placement} ` +
    `photo sha256=${photo.sha256} location=${photo.location} freshness=${photo.freshness}`);
  return id;
}

try {
  console.log(`OK ${await main()}`);
} catch (error) {
  console.error(`FAILED: ${error.message}`);
  process.exitCode = 1;
}
