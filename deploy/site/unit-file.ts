// Reads the production systemd units (deploy/production/systemd/*.service) the way systemd does for
// the settings the site rehearsal needs: who runs the part, what it runs, its environment and its
// credentials. The rehearsal starts every part from these, so it and the units cannot drift.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRODUCTION_DIR } from '../production/make-kiosk-config.ts';

export const SYSTEMD_DIR = join(PRODUCTION_DIR, 'systemd');

/** `Key=value` lines, continuation lines joined, comments dropped; a key may repeat, in order. */
export function unitSettings(text: string): Array<[string, string]> {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1).trim()] as [string, string];
    });
}

export interface PartUnit {
  unit: string;
  user: string;
  group: string;
  workingDirectory: string | undefined;
  /** ExecStart= split into words (the units use no quoting). */
  execStart: string[];
  /** Environment= assignments in order; `%d` is still in them (the credentials directory). */
  environment: Array<[string, string]>;
  /** EnvironmentFile= paths, in order (systemd lets them override Environment=). */
  environmentFiles: string[];
  /** LoadCredential=<name>:<source path>. */
  credentials: Array<{ name: string; source: string }>;
  stateDirectories: string[];
}

function one(settings: Array<[string, string]>, key: string, unit: string): string {
  const values = settings.filter(([k]) => k === key).map(([, v]) => v);
  if (values.length !== 1) throw new Error(`${unit}: expected one ${key}=, found ${values.length}`);
  return values[0]!;
}

export function parseUnit(unit: string, text: string): PartUnit {
  const settings = unitSettings(text);
  const all = (key: string) => settings.filter(([k]) => k === key).map(([, v]) => v);
  return {
    unit,
    user: one(settings, 'User', unit),
    group: one(settings, 'Group', unit),
    workingDirectory: all('WorkingDirectory')[0],
    execStart: one(settings, 'ExecStart', unit).split(/\s+/).filter((word) => word !== ''),
    environment: all('Environment').map((assignment) => {
      const at = assignment.indexOf('=');
      return [assignment.slice(0, at), assignment.slice(at + 1)] as [string, string];
    }),
    environmentFiles: all('EnvironmentFile').map((path) => path.replace(/^-/, '')),
    credentials: all('LoadCredential').map((value) => {
      const at = value.indexOf(':');
      return { name: value.slice(0, at), source: value.slice(at + 1) };
    }),
    stateDirectories: all('StateDirectory').flatMap((value) => value.split(/\s+/)),
  };
}

export async function readUnit(unit: string, dir = SYSTEMD_DIR): Promise<PartUnit> {
  return parseUnit(unit, await readFile(join(dir, unit), 'utf8'));
}

/**
 * `KEY=value` lines of an environment file (comments and blank lines skipped), as systemd reads
 * them: a value wholly in single or double quotes loses them; quotes inside an unquoted value stay.
 */
export function parseEnvironmentFile(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && line.includes('='))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1).replace(/^"(.*)"$|^'(.*)'$/, '$1$2')] as [string, string];
    });
}

/**
 * The part's environment as systemd gives it: Environment= first, then the files (which override),
 * `%d` replaced by the credentials directory, CREDENTIALS_DIRECTORY set.
 */
export function partEnvironment(part: PartUnit, files: Array<Array<[string, string]>>, credentialsDirectory: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of part.environment) env[key] = value.replaceAll('%d', credentialsDirectory);
  for (const file of files) for (const [key, value] of file) env[key] = value;
  if (part.credentials.length > 0) env.CREDENTIALS_DIRECTORY = credentialsDirectory;
  return env;
}
