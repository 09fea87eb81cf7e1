// Who may use a collector that runs on a developer's machine. Any website the developer visits
// could otherwise read /events (everything the demo tracked) and switch modes: by a cross-origin
// request (stopped by the Origin check) or by pointing a name of its own at 127.0.0.1, so that
// its pages are same-origin with the collector (DNS rebinding, stopped by the Host check).
import { isIP } from 'node:net';

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */

/** The entry of `allowedOrigins` that stands for every loopback origin, whatever its port. */
export const LOOPBACK = 'loopback';

/** Hosts of loopback origins: 127.0.0.0/8, ::1, localhost and its subdomains (RFC 6761). */
const LOOPBACK_HOST = /^(?:127(?:\.\d{1,3}){3}|\[::1\]|localhost|[a-z0-9.-]+\.localhost)$/i;

/**
 * Whether an origin (`scheme://host[:port]`) is served from this machine's loopback interface.
 * @param {string} origin
 */
function isLoopbackOrigin(origin) {
  let url;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin && LOOPBACK_HOST.test(url.hostname);
}

/**
 * The name part of a `Host` header: `[::1]:80` → `[::1]`, `a.test:8800` → `a.test`.
 * @param {string} host
 */
function hostName(host) {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

/**
 * Creates the access policy.
 * - An `Origin` is allowed when it is listed exactly, or when `loopback` is listed (the default)
 *   and it is served from this machine. A request without an `Origin` (Node, curl, a page's
 *   same-origin GET, a plain `<script>`) is allowed: only the Host check applies to it.
 * - A `Host` is allowed when it is an IP address (a page at an address is the collector's own
 *   origin, never someone else's), `localhost` or a subdomain of it, a name without a dot (an
 *   nginx upstream name; a public name has dots), or listed in `allowedHosts`. Any other name
 *   is one that a website could have pointed at this machine.
 * @param {{ allowedOrigins?: string[], allowedHosts?: string[] }} [options]
 */
export function createAccessPolicy(options = {}) {
  const origins = new Set(options.allowedOrigins ?? [LOOPBACK]);
  const loopback = origins.has(LOOPBACK);
  const hosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));

  /** @param {string} origin */
  const originAllowed = (origin) => origins.has(origin) || (loopback && isLoopbackOrigin(origin));

  /** @param {string | undefined} header */
  function hostAllowed(header) {
    if (header === undefined || header === '') return true; // HTTP/1.0: no name to have been rebound
    const name = hostName(header).toLowerCase();
    const bare = name.startsWith('[') ? name.slice(1, -1) : name;
    return isIP(bare) !== 0 || LOOPBACK_HOST.test(name) || !name.includes('.') || hosts.has(name);
  }

  /**
   * Why this request is refused, or null when it may go on.
   * @param {IncomingMessage} req
   * @returns {string | null}
   */
  function refusal(req) {
    if (!hostAllowed(req.headers.host)) {
      return `host ${JSON.stringify(req.headers.host)} is not this machine's; add it to allowedHosts to use it`;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin)) {
      return `origin ${JSON.stringify(origin)} is not allowed; add it to allowedOrigins to use it`;
    }
    return null;
  }

  return { originAllowed, hostAllowed, refusal };
}

/** @typedef {ReturnType<typeof createAccessPolicy>} AccessPolicy */
