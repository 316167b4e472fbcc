// The rehearsal's plan: bring the site up (bring-up.ts), drive it as its people would
// (drive.ts), check it as an operator would (check.ts), and write what happened
// (docs/site-rehearsal.md's generated section, screenshots).
import { join } from 'node:path';
import { run, type RunState } from './host.ts';
import { agentPublicKey, stepDesks, stepHubNodes, stepHubParts, stepKiosks, stepLayOut, stepRelease, type Harness } from './bring-up.ts';
import { FULL_SITE, REDUCED_SITE, operatorCommand } from './site.ts';
import { type Step, type StepResult } from './steps.ts';
import { writeSiteFile } from './site-file.ts';
import { driveSteps, type Drive } from './drive.ts';
import { runCheck } from './check.ts';
import { localUserStep } from './local-user.ts';
import { writeReport } from './report.ts';

export interface RehearsalOptions {
  keep: boolean;
  /** 3 hub nodes, 1 kiosk, the desk: path A, staff sign-in, unlock, audit (what `npm test` runs). */
  reduced: boolean;
}

export interface Plan {
  steps: Step[];
  report(results: readonly StepResult[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The rehearsal's stand-in for the card vendor's PKCS#11 module is SoftHSM2; the card agent keeps
 * a SoftHSM2 store in its own DATA_DIR (card/token/softhsm.ts), where the issuing side's tokens go.
 */
export const CARD_SLOT_DIR = '/var/lib/moeaca-kiosk/card-agent/softhsm/tokens';

export function rehearsalSteps(state: RunState, root: string, options: RehearsalOptions): Plan {
  const shape = options.reduced ? REDUCED_SITE : FULL_SITE;
  let releaseDir = '';
  let h: Harness | undefined;
  let drive: Drive | undefined;
  const need = () => {
    if (h === undefined) throw new Error('the site is not laid out');
    return h;
  };
  const bringUp: Step[] = [
    { name: 'release: npm run build, production dependencies only', run: async () => ((releaseDir = (await stepReleaseDir(state, root)).releaseDir), `in ${releaseDir}`) },
    {
      name: 'site file, configs (make-kiosk-config.ts), site CA and certificates (openssl), a namespace per box',
      run: async () => {
        const laid = await stepLayOut(state, root, shape, releaseDir);
        h = laid.harness;
        return laid.detail;
      },
    },
    { name: 'hub nodes: kiosk-nats.service on each, cluster formed', run: () => stepHubNodes(need()) },
    { name: 'hub nodes: kiosk-registry and kiosk-staff-auth, each as its own user', run: () => stepHubParts(need()) },
    {
      name: 'kiosks: pcscd, kiosk-nats, card agent, engine, UI from their units',
      run: async () => {
        const harness = need();
        return stepKiosks(harness, () => ({ PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so' }));
      },
    },
    {
      name: 'each kiosk\'s card-agent key enrolled by the operator on a hub node (node dist/cards.mjs enroll-agent)',
      run: async () => {
        const harness = need();
        const lines: string[] = [];
        for (const box of harness.boxes.filter((b) => b.kind === 'kiosk')) {
          const key = await agentPublicKey(harness, box);
          const out = await operatorCommand(harness, harness.boxes[0]!, 'cards', ['enroll-agent', box.name, key]);
          lines.push(out.trim());
        }
        return lines.join('; ');
      },
    },
    { name: 'staff desk: kiosk-nats and kiosk-ui with the console logins', run: () => stepDesks(need()) },
  ];
  const later: Step[] = [
    ...driveSteps(() => {
      // Only the full rehearsal writes docs/ (the reduced one, `npm test`'s, keeps its screenshots in the run).
      drive ??= { harness: need(), root, state, options, screenshots: options.reduced ? join(state.dir, 'screenshots') : join(root, 'docs', 'screenshots', 'site') };
      return drive;
    }, options),
    localUserStep(need, 'kiosk-1'),
    {
      name: 'site check on this site (npm run site -- check site.json)',
      run: async () => {
        const file = await writeSiteFile(need());
        const report = await runCheck(file, { print: () => undefined });
        if (!report.ok) throw new Error(report.failures.join('; '));
        return `${report.passed} checks passed`;
      },
    },
  ];
  return {
    steps: [...bringUp, ...later],
    async report(results) {
      if (h !== undefined) await writeSiteFile(h);
      if (!options.reduced) await writeReport(root, results, options);
    },
    async close() {
      for (const nc of h?.connections ?? []) await nc.close().catch(() => undefined);
      await drive?.close?.();
      for (const server of h?.servers ?? []) server.close();
    },
  };
}

async function stepReleaseDir(state: RunState, root: string): Promise<{ releaseDir: string }> {
  const made = await stepRelease(state, root);
  await run('chmod', ['-R', 'a+rX', made.releaseDir]);
  return made;
}


