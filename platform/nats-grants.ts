// The JetStream grants both NATS configurations are written with: the embedded stack's users
// (services/stack/credentials/embedded-users.ts) and the production site's
// (deploy/production/nats-rules.ts). One home, so the two can never disagree on what opening a KV
// bucket needs or on what no application user is ever granted (docs/security.md).

/**
 * Never granted to anyone: deleting, purging or reconfiguring a stream or a bucket (a KV bucket is a
 * stream; an update with `max_msgs: 1` cuts it like a purge), or deleting single messages. The
 * registry's history and RA_AUDIT are evidence; an operator who must change them does it offline
 * with the system account and the server stopped, not with an application user.
 */
export const JETSTREAM_DESTRUCTION: readonly string[] = ['$JS.API.STREAM.DELETE.>', '$JS.API.STREAM.PURGE.>', '$JS.API.STREAM.MSG.DELETE.>', '$JS.API.STREAM.UPDATE.>'];

/** The JetStream API calls that open one KV bucket and read its keys (the keys' own subjects are granted apart). */
export function kvBucketApi(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    '$JS.API.INFO',
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
  ];
}

/** Writing every key of a KV bucket. */
export function kvBucketKeys(bucket: string): string {
  return `$KV.${bucket}.>`;
}
