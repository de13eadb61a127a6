/**
 * Resource groups through the same ARM pipeline as the managed-cluster client (auth, retry with Retry-After,
 * TLS), so no second SDK is needed for three calls.
 */
import {
  createDefaultHttpClient,
  createPipelineRequest,
  RestError,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import type { ContainerServiceClient } from '@azure/arm-containerservice';

const RG_API_VERSION = '2021-04-01';
const http = createDefaultHttpClient();

async function send(
  client: ContainerServiceClient,
  endpoint: string,
  method: 'GET' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<PipelineResponse> {
  const abs = url.startsWith('https://') ? url : `${endpoint}${url}`;
  // ARM adds api-version to the URLs it hands out for polling only sometimes; a request without one is refused.
  const full = /[?&]api-version=/.test(abs)
    ? abs
    : `${abs}${abs.includes('?') ? '&' : '?'}api-version=${RG_API_VERSION}`;
  const req = createPipelineRequest({ url: full, method, body: body === undefined ? undefined : JSON.stringify(body) });
  req.headers.set('content-type', 'application/json');
  const res = await client.pipeline.sendRequest(http, req);
  if (res.status >= 400) {
    let parsed: { error?: { code?: string; message?: string } } = {};
    try {
      parsed = JSON.parse(res.bodyAsText ?? '{}');
    } catch {
      /* not JSON: keep the status */
    }
    throw new RestError(parsed.error?.message ?? `HTTP ${res.status}`, {
      statusCode: res.status,
      code: parsed.error?.code,
      response: res,
    });
  }
  return res;
}

const rgPath = (sub: string, rg: string) =>
  `/subscriptions/${encodeURIComponent(sub)}/resourcegroups/${encodeURIComponent(rg)}`;

/** The resource group's tags, or null when it does not exist. */
export async function getResourceGroup(
  client: ContainerServiceClient,
  endpoint: string,
  sub: string,
  rg: string,
): Promise<{ tags: Record<string, string> } | null> {
  try {
    const res = await send(client, endpoint, 'GET', rgPath(sub, rg));
    const body = JSON.parse(res.bodyAsText ?? '{}') as { tags?: Record<string, string> };
    return { tags: body.tags ?? {} };
  } catch (e) {
    if ((e as RestError).statusCode === 404) return null;
    throw e;
  }
}

/**
 * Creates (PUT) a resource group with tags. Returns whether ARM created it (201): a 200 means someone made it
 * between our GET and this PUT, so it is not the drill's and teardown must not delete it.
 */
export async function createResourceGroup(
  client: ContainerServiceClient,
  endpoint: string,
  sub: string,
  rg: string,
  location: string,
  tags: Record<string, string>,
): Promise<boolean> {
  const res = await send(client, endpoint, 'PUT', rgPath(sub, rg), { location, tags });
  return res.status === 201;
}

/**
 * Deletes a resource group and polls its Location until it is gone (200/204) or the deadline passes; returns
 * whether deletion completed. ARM's Retry-After on the poll answers is honoured.
 */
export async function deleteResourceGroup(
  client: ContainerServiceClient,
  endpoint: string,
  sub: string,
  rg: string,
  opts: { timeoutMs: number; pollMs: number },
): Promise<boolean> {
  let res: PipelineResponse;
  try {
    res = await send(client, endpoint, 'DELETE', rgPath(sub, rg));
  } catch (e) {
    if ((e as RestError).statusCode === 404) return true;
    throw e;
  }
  const location = res.headers.get('location');
  if (res.status !== 202 || !location) return true;
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    const poll = await send(client, endpoint, 'GET', location);
    if (poll.status === 200 || poll.status === 204) return true;
    const after = Number(poll.headers.get('retry-after'));
    await new Promise((r) => setTimeout(r, Number.isFinite(after) && after > 0 ? after * 1000 : opts.pollMs));
  }
  return false;
}
