// The signed-in staff member in this browser tab: the staff token from staff-auth and who it
// names. Kept in sessionStorage (gone with the tab), dropped when it expires or is refused.
import * as v from 'valibot';

export const STAFF_SESSION_STORAGE_KEY = 'ka-staff-session';

const StaffSessionSchema = v.object({ token: v.string(), staffId: v.string(), name: v.string(), expiresAt: v.string() });
export type StaffSession = v.InferOutput<typeof StaffSessionSchema>;

export function readStoredSession(now = Date.now()): StaffSession | undefined {
  try {
    const raw = sessionStorage.getItem(STAFF_SESSION_STORAGE_KEY);
    const parsed = raw === null ? undefined : v.safeParse(StaffSessionSchema, JSON.parse(raw));
    if (parsed?.success && Date.parse(parsed.output.expiresAt) > now) return parsed.output;
  } catch {
    // Unreadable storage is no session.
  }
  return undefined;
}

export function storeSession(session: StaffSession | undefined): void {
  try {
    if (session) sessionStorage.setItem(STAFF_SESSION_STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STAFF_SESSION_STORAGE_KEY);
  } catch {
    // Without storage the session lasts as long as the page.
  }
}
