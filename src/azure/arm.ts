/**
 * One place that builds Azure Resource Manager clients, honouring the fixed contract (DESIGN "Azure Resource
 * Manager endpoint"): public Azure by default, DR_DRILL_ARM_ENDPOINT overrides it, DR_DRILL_ARM_TOKEN (when set)
 * is a static bearer token instead of DefaultAzureCredential. TLS is never disabled: a private endpoint's CA is
 * trusted through NODE_EXTRA_CA_CERTS, read by Node at process start.
 */
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { DefaultAzureCredential } from '@azure/identity';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { inputError } from '../util/errors.js';
import { runSecrets } from '../util/secrets.js';

/** Public Azure's Resource Manager. */
export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';

/** How ARM is reached: endpoint, token audience, and how often long-running operations are polled. */
export interface ArmSettings {
  endpoint: string;
  /** OAuth scope for the endpoint's audience (`<origin>/.default`). */
  scope: string;
  credential: TokenCredential;
  /** Poll interval for long-running operations; ARM's Retry-After takes precedence when it sends one. */
  pollIntervalMs: number;
  /** Whether the credential is the static DR_DRILL_ARM_TOKEN (for messages: which identity was refused). */
  staticToken: boolean;
}

/** A credential that hands out the one token it was given; the token never leaves this object. */
export function staticTokenCredential(token: string): TokenCredential {
  return { getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

/**
 * ARM settings from the environment. Refuses a plain-http endpoint: the SDK would refuse to send a bearer
 * token over it anyway, and the product never trades TLS for convenience.
 */
export function armSettings(env: NodeJS.ProcessEnv = process.env): ArmSettings {
  const raw = env.DR_DRILL_ARM_ENDPOINT?.trim() || PUBLIC_ARM_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw inputError(
      'ARM_ENDPOINT_INVALID',
      `DR_DRILL_ARM_ENDPOINT "${raw}" is not a URL`,
      'set it to an https:// URL such as https://management.usgovcloudapi.net',
    );
  }
  if (url.protocol !== 'https:') {
    throw inputError(
      'ARM_ENDPOINT_NOT_TLS',
      `DR_DRILL_ARM_ENDPOINT ${url.origin} is not https`,
      'use an https endpoint; trust a private CA with NODE_EXTRA_CA_CERTS (TLS is never disabled)',
    );
  }
  const token = env.DR_DRILL_ARM_TOKEN;
  runSecrets.register(token);
  const poll = Number(env.DR_DRILL_ARM_POLL_MS);
  return {
    endpoint: url.origin + url.pathname.replace(/\/+$/, ''),
    // Sovereign clouds have their own audience; the public cloud's scope is management.azure.com/.default.
    scope: `${url.origin}/.default`,
    credential: token ? staticTokenCredential(token) : new DefaultAzureCredential(),
    pollIntervalMs: Number.isFinite(poll) && poll > 0 ? poll : 10_000,
    staticToken: Boolean(token),
  };
}

/** A managed-cluster client for one subscription. The SDK's retry policy honours 429 Retry-After. */
export function containerServiceClient(settings: ArmSettings, subscriptionId: string): ContainerServiceClient {
  return new ContainerServiceClient(settings.credential, subscriptionId, {
    endpoint: settings.endpoint,
    credentials: { scopes: [settings.scope] },
    retryOptions: { maxRetries: 4 },
  });
}
