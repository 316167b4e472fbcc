// The staff console's origin: WebAuthn binds every passkey to it (its host is the RP ID), so the
// staff-auth service and the operator's enrollment links must agree on it. An IP address cannot be
// an RP ID, so the embedded default is `http://localhost:$HTTP_PORT` (a secure context too).
import type { StackConfig } from '../../platform/config.ts';

export function staffOrigin(config: StackConfig, env: NodeJS.ProcessEnv = process.env): string {
  const given = env.STAFF_ORIGIN;
  if (given === undefined || given === '') return `http://localhost:${config.httpPort}`;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new Error(`STAFF_ORIGIN must be an origin such as https://desk.example.org, got ${JSON.stringify(given)}`);
  }
  if (url.protocol !== 'https:' && url.hostname !== 'localhost') throw new Error('STAFF_ORIGIN must be https (or http://localhost)');
  if (/^[\d.]+$|^\[/.test(url.hostname)) throw new Error('STAFF_ORIGIN must name a host, not an IP address (WebAuthn refuses IP addresses)');
  return url.origin;
}
