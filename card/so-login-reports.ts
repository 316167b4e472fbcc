// Reports of a failed (or refused) SO login, delivered to the registry until it confirms them. A
// report is what stops every other kiosk from asking for this card's SO credential (a second wrong
// SO login moves the card's SO PIN counter towards locked), so it must not be lost to a registry
// that did not answer, nor to an agent restart: each is written to DATA_DIR first (0600, replaced
// atomically) and resent with back-off (1 s doubling, at most 30 s) until the registry answers
// (platform/retrying-delivery.ts).
// A report holds no secret: card number, activation id, the problem and the agent key's signature.
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { decodeJson, SoLoginFailedRequestSchema, type SoLoginFailedRequest } from '../machines/contract/index.ts';
import type { Logger } from '../platform/log.ts';
import { startRetryingDelivery } from '../platform/retrying-delivery.ts';

export const SO_LOGIN_REPORTS_FILE = 'so-login-reports.json';

const StoredReportsSchema = v.array(SoLoginFailedRequestSchema);

export interface SoLoginReportsOptions {
  dataDir: string;
  /** Sends one report; resolves once the registry has answered it. */
  send: (report: SoLoginFailedRequest) => Promise<unknown>;
  log: Logger;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface SoLoginReports {
  /**
   * Keeps the report (on disk before anything else) and sends it; resolves after the first
   * attempt, delivered or not: the set-pin that found the problem answers without waiting on a
   * registry that is away.
   */
  report(report: SoLoginFailedRequest): Promise<void>;
  /** Reports not yet confirmed by the registry. */
  pending(): SoLoginFailedRequest[];
  stop(): void;
}

const keyOf = (report: SoLoginFailedRequest) => `${report.activationId} ${report.problem}`;

export async function openSoLoginReports(options: SoLoginReportsOptions): Promise<SoLoginReports> {
  const { log } = options;
  const file = join(options.dataDir, SO_LOGIN_REPORTS_FILE);
  let writing: Promise<void> = Promise.resolve();
  // One write at a time, each of the whole list, renamed into place: never a half-written file.
  // A failed write is its caller's error only: the next one still runs (a full disk may clear).
  const persist = () => {
    const body = JSON.stringify(reports.pending());
    writing = writing.catch(() => undefined).then(async () => {
      const temporary = `${file}.${randomBytes(6).toString('hex')}`;
      await writeFile(temporary, body, { mode: 0o600 });
      await rename(temporary, file);
    });
    return writing;
  };
  const fields = (report: SoLoginFailedRequest) => ({ cardNumber: report.cardNumber, problem: report.problem });
  const reports = startRetryingDelivery<SoLoginFailedRequest>({
    initial: await readStored(file, log),
    keyOf,
    send: options.send,
    onChange: persist,
    onDelivered: (report) => log.warn('SO login problem reported', fields(report)),
    // The registry answered and will not take it (e.g. the activation is no longer the card's).
    onRefused: (report, code) => log.error('SO login problem refused by the registry', { ...fields(report), code }),
    onRetry: (report, code) => log.error('SO login problem not reported yet; will send it again', { ...fields(report), code }),
    baseDelayMs: options.baseDelayMs ?? 1_000,
    maxDelayMs: options.maxDelayMs ?? 30_000,
  });
  return { report: reports.add, pending: reports.pending, stop: reports.stop };
}

async function readStored(file: string, log: Logger): Promise<SoLoginFailedRequest[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = decodeJson(StoredReportsSchema, text);
  if (parsed.ok) return parsed.value;
  // Unreadable: say so loudly and start empty rather than crash-loop; the registry refusal of the
  // card stands for what was delivered, and the agent refuses the card until it restarts anyway.
  log.error('stored SO login reports unreadable; starting without them', { file });
  return [];
}

