// The kiosk's two text catalogues (kiosk/src/text/*.json) are data a translator edits: these tests
// hold them to one another — the same keys, the same placeholders in every text — and check that
// every text the screens get is filled in.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fill, loadCatalogue, loadLanguage, strings } from '../../kiosk/src/i18n.ts';
import { ERROR_CODES, ERRORS } from '../../machines/contract/errors.ts';
import { errorText } from '../../kiosk/src/i18n.ts';
import { STAFF_ERROR_CODES, STAFF_ERRORS } from '../../machines/contract/staff.ts';
import { staffStrings } from '../../kiosk/staff/staff-strings.ts';

/** Both catalogues as the JSON holds them (the page's bundle carries only the default one). */
const CATALOGUES = { 'zh-TW': await loadCatalogue('zh-TW'), en: await loadCatalogue('en') };
await loadLanguage('en');

type Leaf = [path: string, text: string];

function leaves(value: unknown, path = ''): Leaf[] {
  if (typeof value === 'string') return [[path, value]];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => leaves(child, path === '' ? key : `${path}.${key}`));
  }
  throw new Error(`${path}: not text (${typeof value})`);
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('kiosk text catalogues', () => {
  const zh = leaves(CATALOGUES['zh-TW']);
  const en = leaves(CATALOGUES.en);

  it('have the same keys in both languages', () => {
    expect(en.map(([path]) => path).sort()).toEqual(zh.map(([path]) => path).sort());
  });

  it('use the same placeholders in both languages, text by text', () => {
    const english = new Map(en);
    for (const [path, text] of zh) expect({ path, names: placeholders(english.get(path) ?? '') }).toEqual({ path, names: placeholders(text) });
  });

  it('leave no placeholder unfilled in what the screens show', () => {
    for (const lang of ['zh-TW', 'en'] as const) {
      const s = strings(lang);
      const shown = [
        ...leaves(JSON.parse(JSON.stringify(s))).map(([, text]) => text),
        s.step(2, 5),
        s.buttons.switchPath('X'),
        s.fields.showSecret('PIN'),
        s.fields.hideSecret('PIN'),
        s.error3125('x'),
        s.customerServiceEmail,
        s.countdown.seconds(9),
        s.tray.insert('A'),
        s.attemptsLeft(1),
        s.attemptsLeft(4),
        s.forTheCall('3005', 'TT01') ?? '',
        s.forTheCall('3125', 'TT01') ?? '',
        s.retCode3125('TT01'),
      ];
      for (const text of shown) expect(text).not.toMatch(/\{\w+\}/);
    }
  });

  it("hold every error code's words (path B's where it words a code its own way); the contract holds none", () => {
    for (const lang of ['zh-TW', 'en'] as const) {
      expect(Object.keys(CATALOGUES[lang].errors).sort(), lang).toEqual([...ERROR_CODES].sort());
      for (const code of Object.keys(CATALOGUES[lang].errorsBundled)) expect(ERROR_CODES, lang).toContain(code);
    }
    expect(errorText('3005', 'zh-TW')).toContain('用戶代碼');
    expect(errorText('3005', 'zh-TW', 'registration-bundled')).toContain('身分證字號');
    expect(errorText('3005', 'en', 'self-applied')).toBe(CATALOGUES.en.errors['3005']);
    expect(errorText('LOCKED', 'en', 'registration-bundled')).toBe(CATALOGUES.en.errors.LOCKED);
    // The contract: codes, classes, remedies and flags only, no words for the user.
    for (const info of Object.values(ERRORS)) {
      expect(Object.keys(info).filter((key) => !['code', 'retryable', 'remedy', 'manualCode', 'callHelps'].includes(key)), info.code).toEqual([]);
    }
    // Nor any Chinese outside its comments (which may quote the manual's terms).
    const code = readFileSync(new URL('../../machines/contract/errors.ts', import.meta.url), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    expect(code.match(/.*\p{Script=Han}.*/gu) ?? []).toEqual([]);
  });

  it("has the staff console say every staff-only code in its own catalogue; no file of the contract holds words", () => {
    for (const code of STAFF_ERROR_CODES) expect(staffStrings.staffErrors[code], code).toMatch(/\p{Script=Han}.*。$/u);
    // The contract gives each staff code its wire class only.
    for (const [code, info] of Object.entries(STAFF_ERRORS)) expect(Object.keys(info), code).toEqual(['status']);
    const contract = new URL('../../machines/contract/', import.meta.url);
    const files = readdirSync(contract).filter((file) => file.endsWith('.ts'));
    expect(files).toContain('staff.ts');
    for (const file of files) {
      const code = readFileSync(new URL(file, contract), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect(code.match(/.*\p{Script=Han}.*/gu) ?? [], file).toEqual([]);
    }
  });

  it('says how many attempts are left in the grammar of each language', () => {
    expect(strings('en').attemptsLeft(1)).toMatch(/^1 attempt left;/);
    expect(strings('en').attemptsLeft(3)).toMatch(/^3 attempts left;/);
    expect(strings('zh-TW').attemptsLeft(1)).toMatch(/^尚可嘗試 1 次/);
  });

  it('fills the service lines from the contract and the mail-in address from the catalogue', () => {
    expect(strings('zh-TW').customerServiceLines[0]).toContain('412-1166');
    expect(strings('en').mailIn.unlock).toContain('憑證管理中心收');
    expect(strings('zh-TW').retCode3125('TT01')).toBe('執行結果：卡片未完成開卡:TT01,RetCode=10011502');
    expect(strings('zh-TW').forTheCall('3125', 'TT01')).toBe('來電時請告知：錯誤代碼 3125（RetCode=10011502）、IC卡卡號 TT01');
    expect(strings('zh-TW').customerServiceEmail).toBe('電子郵件信箱：moeaca@moeaca.nat.gov.tw');
  });

  it('asks a caller to quote only the manual codes, never ours', () => {
    for (const lang of ['zh-TW', 'en'] as const) {
      for (const code of ERROR_CODES) {
        const quoted = strings(lang).forTheCall(code, 'TT01');
        if (/^\d+$/.test(code)) expect(quoted, code).toContain(code);
        else expect(quoted, code).toBeUndefined();
      }
    }
  });

  it('keeps a placeholder nobody fills visible instead of dropping it', () => {
    expect(fill('a {nobody} b')).toBe('a {nobody} b');
    expect(fill('{n} s', { n: 0 })).toBe('0 s');
  });
});
