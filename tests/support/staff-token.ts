// Staff tokens for tests that call `ra.staff.*` directly: signed with the key pair the registry
// under test reads from its DATA_DIR, exactly as the staff-auth service signs them after a
// verified passkey (the browser test proves that part end to end).
import { loadStaffTokenKeys, signStaffToken } from '../../services/staff-auth/staff-token.ts';

export async function staffTokenFor(dataDir: string, staffId: string, now = new Date(), ttlSeconds?: number): Promise<string> {
  const keys = await loadStaffTokenKeys(dataDir, {});
  return (await signStaffToken(keys.privateKey, { staffId, name: `測試 ${staffId}` }, now, ttlSeconds)).token;
}
