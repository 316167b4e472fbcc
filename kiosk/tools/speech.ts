// Makes the kiosk's spoken guidance at build time (docs/ui.md, "Spoken guidance"): every text of
// kiosk/src/speech/spoken-text.ts, in each language, through Debian's espeak-ng (Mandarin `cmn`,
// English `en-us`) and sox (16 kHz mono Ogg Vorbis at its lowest quality, about 2.3 KB a second), into `<outdir>/speech/`
// with `index.json` ({"zh-TW": {"<key>": "<url>"}, "en": {…}}). Each file is named by the hash of
// what made it (voice, settings, text) and kept in a cache, so a build whose words did not change
// runs neither program. The build fails when any spoken key of any language has no audio.
//
// `npm run build:ui` and the release build run it through buildKiosk; `tsx kiosk/tools/speech.ts
// [outdir]` alone prints what it made.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LANGUAGES, type Language } from '../../machines/contract/screens.ts';
import { spokenKeys, spokenTexts } from '../src/speech/spoken-text.ts';
import { loadLanguage } from '../src/i18n.ts';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where made audio is kept between builds (outside dist/, which a release build empties). */
export const SPEECH_CACHE_DIR = join(root, '.cache', 'speech');

/** The espeak-ng voice for each language. */
export const SPEECH_VOICES: Record<Language, string> = { 'zh-TW': 'cmn', en: 'en-us' };

/** How the audio is encoded; part of every file's hash, so a change here makes everything again. */
const ENCODING = { rate: 16000, vorbisQuality: -1, normalizeDb: -3 } as const;

export type SpeechIndex = Record<Language, Record<string, string>>;

export interface BuildSpeechOptions {
  /** The page folder; the audio goes to `<outdir>/speech/`. */
  outdir: string;
  cacheDir?: string;
  /** The texts to speak by language (default: the catalogues'). */
  texts?: Record<Language, Record<string, string>>;
  /** The keys each language must have (default: every key of the contract's tables). */
  keys?: readonly string[];
}

export interface BuiltSpeech {
  index: SpeechIndex;
  /** Audio files written (one per distinct voice and text). */
  files: number;
  /** Their total size in bytes. */
  bytes: number;
  /** How many had to be made now (the rest came from the cache). */
  synthesized: number;
}

/** A text's file name: the hash of everything that shapes its sound. */
export function speechFileName(voice: string, text: string): string {
  const hash = createHash('sha256').update(JSON.stringify({ voice, text, ...ENCODING })).digest('hex');
  return `${hash.slice(0, 20)}.ogg`;
}

/** Makes one file: espeak-ng reads the text from stdin (never an argument), sox encodes. */
async function synthesize(voice: string, text: string, target: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kiosk-speech-'));
  try {
    const wav = join(work, 'speech.wav');
    const espeak = run('espeak-ng', ['-v', voice, '--stdin', '-w', wav]);
    espeak.child.stdin?.end(text);
    await espeak;
    const ogg = join(work, 'speech.ogg');
    await run('sox', [wav, '-r', String(ENCODING.rate), '-c', '1', '-C', String(ENCODING.vorbisQuality), ogg, 'norm', String(ENCODING.normalizeDb)]);
    await mkdir(dirname(target), { recursive: true });
    // Into the cache whole or not at all: a build stopped halfway leaves no broken file behind.
    await copyFile(ogg, `${target}.part`);
    await rename(`${target}.part`, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function sizeIfFile(file: string): Promise<number> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : 0;
  } catch {
    return 0;
  }
}

/** Runs `work` over `items`, at most `limit` at a time (the machine has two cores). */
async function inTurn<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A `{name}` left in a text: a value known only in a session (a card number, a count) that no build can speak. */
const UNFILLED_PLACEHOLDER = /\{\w+\}/;

export class MissingSpeechError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`spoken keys without audio: ${missing.join(', ')}`);
    this.name = 'MissingSpeechError';
  }
}

/**
 * Checks that every key has a non-empty audio file in every language, given the index and the
 * folder the index's URLs point into. Throws MissingSpeechError naming each `lang:key` missing.
 */
export async function checkSpeech(outdir: string, index: SpeechIndex, keys: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const lang of LANGUAGES) {
    for (const key of keys) {
      const url = index[lang]?.[key];
      const size = url === undefined ? 0 : await sizeIfFile(join(outdir, url.replace(/^\//, '')));
      if (size === 0) missing.push(`${lang}:${key}`);
    }
  }
  if (missing.length > 0) throw new MissingSpeechError(missing);
}

export async function buildSpeech(options: BuildSpeechOptions): Promise<BuiltSpeech> {
  const outdir = resolve(options.outdir);
  const cacheDir = options.cacheDir ?? SPEECH_CACHE_DIR;
  // Every language's words, read in Node from the catalogues themselves (the page loads all but the default one when chosen).
  for (const lang of LANGUAGES) if (!(await loadLanguage(lang))) throw new Error(`speech: the ${lang} catalogue cannot be loaded`);
  const texts = options.texts ?? { 'zh-TW': spokenTexts('zh-TW'), en: spokenTexts('en') };
  const keys = options.keys ?? spokenKeys();
  const speechDir = join(outdir, 'speech');
  await rm(speechDir, { recursive: true, force: true });
  await mkdir(speechDir, { recursive: true });

  const index = { 'zh-TW': {}, en: {} } as SpeechIndex;
  const wanted = new Map<string, { voice: string; text: string }>();
  for (const lang of LANGUAGES) {
    for (const [key, text] of Object.entries(texts[lang] ?? {})) {
      // No words, no audio: the check below names the key.
      if (text.trim() === '') continue;
      if (UNFILLED_PLACEHOLDER.test(text)) throw new Error(`${lang}:${key} has a placeholder no build can fill: ${UNFILLED_PLACEHOLDER.exec(text)?.[0]}`);
      const voice = SPEECH_VOICES[lang];
      const file = speechFileName(voice, text);
      wanted.set(file, { voice, text });
      index[lang][key] = `/speech/${file}`;
    }
  }

  let synthesized = 0;
  let bytes = 0;
  await inTurn([...wanted], 2, async ([file, { voice, text }]) => {
    const cached = join(cacheDir, file);
    if ((await sizeIfFile(cached)) === 0) {
      await synthesize(voice, text, cached);
      synthesized++;
    }
    await copyFile(cached, join(speechDir, file));
    const size = await sizeIfFile(join(speechDir, file));
    bytes += size;
  });
  await writeFile(join(speechDir, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  await checkSpeech(outdir, index, keys);
  return { index, files: wanted.size, bytes, synthesized };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? join(root, 'kiosk', 'dist');
  const started = performance.now();
  const built = await buildSpeech({ outdir });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `speech: ${join(outdir, 'speech')} ${built.files} files, ${(built.bytes / 1024).toFixed(1)} KB, ` +
      `${built.synthesized} made now, ${built.files - built.synthesized} from the cache, ${seconds} s`,
  );
}
