// The engine is killed (SIGKILL: no shutdown code runs) mid-session and started again: the session
// continues where it was, from the secret-free snapshot in KV, with the view sequence unbroken.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { View } from '../../machines/contract/index.ts';
import { partCommand } from '../../services/serve.ts';
import { cardRecord, checkTokenElsewhere } from '../support/softhsm.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const CARD = 'TR00000000000001';
const USER_CODE = 'Rs$Canary1';
const PIN = 'Rp!9c4ry';

function startEngineProcess(stack: TestStack): { child: ChildProcess; output: string[] } {
  const { command, args } = partCommand('engine');
  const output: string[] = [];
  const child = spawn(command, args, {
    env: { ...process.env, NATS_URL: stack.nats.server.url, KIOSK_ID: stack.kioskId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return { child, output };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('engine killed and restarted mid-session', () => {
  let stack: TestStack;
  const engines: ChildProcess[] = [];
  const outputs: string[][] = [];

  const startEngine = () => {
    const { child, output } = startEngineProcess(stack);
    engines.push(child);
    outputs.push(output);
  };

  beforeAll(async () => {
    stack = await startTestStack({ kioskId: 'kiosk-restart' });
    await stack.provision([cardRecord(CARD, { userCode: USER_CODE })]);
  });

  afterAll(async () => {
    for (const child of engines) await kill(child);
    await stack?.stop();
  });

  it('continues at the card data, then at the PIN step, and the PIN is set once', async () => {
    const on = (screen: View['screen']) => (view: View) => view.screen === screen && view.card?.cardNumber === CARD;
    startEngine();
    await stack.waitForView((v) => v.screen === 'insertCard', 'idle kiosk');
    await stack.insert(CARD);
    await stack.waitForView(on('choosePath'), 'choose path');
    stack.send({ type: 'user.choosePath', path: 'self-applied' });
    await stack.waitForView(on('enterUserCode'), 'user code');
    stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    const beforeKill = await stack.waitForView(on('confirmCardData'), 'card data');

    await kill(engines.at(-1)!);
    startEngine();
    const resumed = await stack.waitForView((v) => v.seq > beforeKill.seq && on('confirmCardData')(v), 'resumed at card data');
    expect(resumed.seq).toBeGreaterThan(beforeKill.seq);

    stack.send({ type: 'user.confirmCardData' });
    const pinScreen = await stack.waitForView(on('enterPin'), 'PIN screen');

    await kill(engines.at(-1)!);
    startEngine();
    await stack.waitForView((v) => v.seq > pinScreen.seq && on('enterPin')(v), 'resumed at the PIN step');
    stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    await stack.waitForView(on('activated'), 'activated');
    expect(await checkTokenElsewhere(stack.dataDir, CARD, PIN)).toMatchObject({ accepted: true });

    const seqs = stack.views.map((view) => view.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    const logs = outputs.flat().join('');
    expect(logs).toContain('"restored":true');
    for (const canary of [USER_CODE, PIN]) expect(logs).not.toContain(canary);
  });
});
