// Chromium on a box, driven as a person drives it: by touch on what the screen shows. The browser
// runs inside the box (its namespace, its own view of /etc/chromium/policies/managed, as its unit's
// user); Playwright reaches it over the DevTools pipe through `ip netns exec` and `runuser`.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../platform/chromium.mjs';
import { inBox, onBox, type Box } from './boxes.ts';
import { ensureUser, run, type RunState } from './host.ts';
import { readUnit } from './unit-file.ts';

/**
 * The kiosk unit's own Chromium flags (from kiosk-browser.service's ExecStart), less what only a
 * screen under cage needs (Wayland, the profile and URL, which Playwright gives), plus headless.
 */
export async function kioskBrowserFlags(): Promise<string[]> {
  const unit = await readUnit('kiosk-browser.service');
  const words = unit.execStart.slice(unit.execStart.indexOf(CHROMIUM_PATH) + 1);
  return [...words.filter((w) => w.startsWith('--') && !w.startsWith('--ozone-platform') && !w.startsWith('--user-data-dir')), ...CHROMIUM_ARGS];
}

/** Launches Chromium in `box` as `user`, with a persistent profile (the policy forbids incognito contexts). */
export async function launchOnBox(state: RunState, box: Box, releaseDir: string, user: string, flags: string[], viewport: { width: number; height: number }): Promise<BrowserContext> {
  await ensureUser(state, user);
  const profile = join(onBox(box, '/var/lib/moeaca-kiosk-browser'), `profile-${user}`);
  await mkdir(profile, { recursive: true });
  await run('chown', ['-R', `${user}:${user}`, profile]);
  const script = `exec runuser -p -u ${user} -- ${CHROMIUM_PATH} "$@"`;
  const [, , , , ...rest] = inBox(box, releaseDir, script);
  const wrapper = join(box.root, `chromium-as-${user}.sh`);
  const quoted = rest.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${box.namespace} ${quoted} chromium "$@"\n`);
  await chmod(wrapper, 0o700);
  const home = onBox(box, '/var/lib/moeaca-kiosk-browser');
  return chromium.launchPersistentContext(profile, {
    executablePath: wrapper,
    args: flags,
    ignoreDefaultArgs: ['--enable-automation'],
    viewport,
    hasTouch: true,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home, USER: user, LOGNAME: user, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache') },
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const startingWith = (text: string) => new RegExp(`^${escapeRegExp(text)}`);
export const button = (page: Page, name: string | RegExp) => page.getByRole('button', { name, exact: typeof name === 'string' });
export const field = (page: Page, label: string) => page.getByRole('textbox', { name: startingWith(label) });
export const waitForScreen = (page: Page, heading: string) => page.getByRole('heading', { name: heading, exact: true, level: 1 }).waitFor();

/** Types `text` into `target` by tapping the on-screen keyboard's keys, each checked to have landed. */
export async function tapText(page: Page, target: Locator, text: string): Promise<void> {
  const keyboard = page.getByRole('group', { name: '螢幕鍵盤' });
  const key = (name: string) => keyboard.getByRole('button', { name, exact: true });
  await target.tap();
  await target.waitForFunction((input) => input.matches(':focus'));
  let typed = await target.inputValue();
  for (const char of text) {
    if (!(await key(char).isVisible())) {
      if (/[a-z]/i.test(char)) {
        if (await key('英文').isVisible()) await key('英文').tap();
        if (/[A-Z]/.test(char)) await key('大寫').tap();
      } else {
        await key('符號').tap();
      }
    }
    await key(char).tap();
    typed += char;
    await target.waitForFunction((input, expected) => (input as HTMLInputElement).value === expected, typed);
  }
}
