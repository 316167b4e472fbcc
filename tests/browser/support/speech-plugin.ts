// Node side of the browser tests that play the kiosk's spoken guidance: a @web/test-runner plugin
// that serves `/speech/index.json` and its audio as the UI server does, from a real build
// (kiosk/tools/speech.ts: espeak-ng and sox, through the shared cache) made on the first request.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { buildSpeech } from '../../../kiosk/tools/speech.ts';

const PREFIX = '/speech/';

export function speechPlugin() {
  let outdir: Promise<string> | undefined;
  const built = () =>
    (outdir ??= mkdtemp(join(tmpdir(), 'kiosk-wtr-speech-')).then(async (dir) => {
      await buildSpeech({ outdir: dir });
      return dir;
    }));
  return {
    name: 'kiosk-test-speech',
    async serve(context: { path: string }) {
      if (!context.path.startsWith(PREFIX)) return undefined;
      const name = normalize(context.path.slice(PREFIX.length));
      if (!/^[\w.-]+$/.test(name)) return undefined;
      const dir = await built();
      const file = join(dir, 'speech', name);
      if (name.endsWith('.json')) return { body: await readFile(file, 'utf8'), type: 'json' };
      // Audio goes out as bytes: a string body would be re-encoded as text.
      return { body: await readFile(file), type: 'audio/ogg' };
    },
    async serverStop() {
      if (outdir) await rm(await outdir, { recursive: true, force: true });
    },
  };
}
