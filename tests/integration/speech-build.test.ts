// The kiosk's spoken guidance (docs/ui.md, "Spoken guidance"), made by the real espeak-ng and sox:
// `/speech/index.json` names audio for every screen and every error code of the contract in both
// languages; each file is speech (sox measures it: longer than half a second, louder than the
// noise floor); the UI server serves it; and the build refuses a spoken key that has no audio.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../machines/contract/errors.ts';
import { LANGUAGES, SCREENS } from '../../machines/contract/screens.ts';
import { errorKey, screenKey, spokenKeys } from '../../kiosk/src/speech/spoken-text.ts';
import { buildSpeech, MissingSpeechError, type SpeechIndex } from '../../kiosk/tools/speech.ts';
import { startUiServer } from '../../services/ui/static.service.ts';

const run = promisify(execFile);

/** -40 dBFS: espeak's speech after normalising sits far above it, a silent or near-silent file below. */
const NOISE_FLOOR_RMS = 0.01;

/** sox's own measurement of a file: its length in seconds and its RMS amplitude (0…1). */
async function measure(file: string): Promise<{ seconds: number; rms: number }> {
  // `stat` reports on stderr.
  const { stderr } = await run('sox', [file, '-n', 'stat']);
  const value = (name: string) => Number(new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(stderr)?.[1] ?? Number.NaN);
  return { seconds: value('Length \\(seconds\\)'), rms: value('RMS\\s+amplitude') };
}

describe('spoken guidance, built', () => {
  let outdir: string;
  let index: SpeechIndex;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'kiosk-speech-'));
    const built = await buildSpeech({ outdir });
    index = JSON.parse(await readFile(join(outdir, 'speech', 'index.json'), 'utf8')) as SpeechIndex;
    console.log(`speech: ${built.files} files, ${(built.bytes / 1024).toFixed(1)} KB, ${built.synthesized} made now`);
  }, 600_000);

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('lists every screen and every error code of the contract, in both languages', () => {
    for (const lang of LANGUAGES) {
      for (const screen of SCREENS) expect(index[lang], `${lang} ${screen}`).toHaveProperty([screenKey(screen)]);
      for (const code of ERROR_CODES) expect(index[lang], `${lang} ${code}`).toHaveProperty([errorKey(code)]);
      expect(Object.keys(index[lang]).sort()).toEqual(spokenKeys().sort());
    }
  });

  it('each file is speech: longer than half a second and above the noise floor', async () => {
    const files = new Set(LANGUAGES.flatMap((lang) => Object.values(index[lang])));
    for (const url of files) {
      const { seconds, rms } = await measure(join(outdir, url));
      expect(seconds, url).toBeGreaterThan(0.5);
      expect(rms, url).toBeGreaterThan(NOISE_FLOOR_RMS);
    }
  }, 120_000);

  it('the two languages are spoken by different voices', () => {
    for (const key of spokenKeys()) expect(index.en[key], key).not.toBe(index['zh-TW'][key]);
  });

  it('the UI server serves the index and the audio with the page', async () => {
    const server = await startUiServer({
      port: 0,
      distDir: outdir,
      browserConfig: () => ({ natsWsUrl: 'ws://127.0.0.1:9222', kioskId: 'kiosk-1', simulatedReader: false }),
      health: async () => ({ ok: true, parts: {} }),
    });
    try {
      const listed = await fetch(`${server.url}/speech/index.json`);
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual(index);
      const audio = await fetch(`${server.url}${index['zh-TW'][screenKey('insertCard')]}`);
      expect(audio.status).toBe(200);
      expect(audio.headers.get('content-type')).toBe('audio/ogg');
      expect(new TextDecoder().decode((await audio.arrayBuffer()).slice(0, 4))).toBe('OggS');
    } finally {
      await server.stop();
    }
  });
});

describe('the speech build refuses a spoken key without audio', () => {
  let outdir: string;
  let cacheDir: string;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'kiosk-speech-missing-'));
    cacheDir = await mkdtemp(join(tmpdir(), 'kiosk-speech-cache-'));
  });
  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  const words = { 'screen.insertCard': '請插入IC卡' };
  const english = { 'screen.insertCard': 'Please insert the card.' };

  it('a key with no words in one language fails the build, naming it', async () => {
    const build = buildSpeech({
      outdir,
      cacheDir,
      keys: ['screen.insertCard'],
      texts: { 'zh-TW': words, en: { 'screen.insertCard': '  ' } },
    });
    await expect(build).rejects.toThrow(MissingSpeechError);
    await expect(build).rejects.toThrow('en:screen.insertCard');
  });

  it('a key the contract adds (a new screen) without catalogue words fails the build', async () => {
    const build = buildSpeech({ outdir, cacheDir, keys: ['screen.insertCard', 'screen.removeCard'], texts: { 'zh-TW': words, en: english } });
    await expect(build).rejects.toThrow('zh-TW:screen.removeCard, en:screen.removeCard');
  });

  it('a text with a value only a session knows (a placeholder) fails the build: nothing of the session is spoken', async () => {
    const build = buildSpeech({ outdir, cacheDir, keys: ['screen.insertCard'], texts: { 'zh-TW': { 'screen.insertCard': 'IC卡卡號 {cardNumber}' }, en: english } });
    await expect(build).rejects.toThrow('zh-TW:screen.insertCard has a placeholder no build can fill: {cardNumber}');
  });

  it('with words for every key the same build passes', async () => {
    const built = await buildSpeech({ outdir, cacheDir, keys: ['screen.insertCard'], texts: { 'zh-TW': words, en: english } });
    expect(built.files).toBe(2);
  });
});
