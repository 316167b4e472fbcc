// The manual's terms, held in every word a user or the counter staff read: the kiosk's two
// catalogues (kiosk/src/text/*.json, each error code's words among them), and the consoles' words (staff
// console, return slip, dashboard). One term for each thing, the manual's where it has one; full-width
// punctuation in 正體中文; and the English catalogue saying the same thing as the Chinese, key by key.
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../kiosk/src/i18n.ts';
import { staffStrings } from '../../kiosk/staff/staff-strings.ts';
import { dashboardStrings } from '../../kiosk/dashboard/ka-dashboard-app.ts';

/** Both catalogues as the JSON holds them (the page's bundle carries only the default one). */
const CATALOGUES = { 'zh-TW': await loadCatalogue('zh-TW'), en: await loadCatalogue('en') };

type Leaf = [path: string, text: string];

/** Every string in `value` with its path; functions are called with sample arguments. */
function leaves(value: unknown, path = ''): Leaf[] {
  if (typeof value === 'string') return [[path, value]];
  if (typeof value === 'function') {
    const sample = (value as (...args: unknown[]) => unknown)('X', 'Y');
    return typeof sample === 'string' ? [[path, sample]] : [];
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => leaves(child, path === '' ? key : `${path}.${key}`));
  }
  return [];
}

const zhKiosk = leaves(CATALOGUES['zh-TW']);
const enKiosk = new Map(leaves(CATALOGUES.en));
const zhConsoles = [...leaves(staffStrings, 'staff'), ...leaves(dashboardStrings, 'dashboard')];
/** Everything in 正體中文 that a user or the counter staff read. */
const allZh: Leaf[] = [...zhKiosk, ...zhConsoles];
/** What the person at the kiosk reads in 正體中文. */
const userZh: Leaf[] = zhKiosk;

/** Words that are not the manual's (or not ours), with the one to use instead. */
const BANNED: ReadonlyArray<{ pattern: RegExp; use: string; where: Leaf[] }> = [
  { pattern: /解鎖/, use: '解卡 (27011, the CA) or 解除鎖定 (the self-service lock)', where: allZh },
  { pattern: /暫禁/, use: '暫時停用', where: allZh },
  { pattern: /電子郵件(?!信箱)/, use: '電子信箱 (the contact address) or 憑證內電子郵件信箱 / 電子郵件信箱 as the manual labels them', where: allZh },
  { pattern: /(?<!櫃檯)服務人員/, use: '櫃檯服務人員', where: userZh },
  { pattern: /\d\s*[~～\-－]\s*\d+\s*碼/, use: '6至10碼 / 6至8碼', where: allZh },
  { pattern: /密碼/, use: 'PIN碼', where: allZh },
  { pattern: /\.\.\.|~/, use: 'full-width punctuation: …… and 至', where: allZh },
  { pattern: /本中心|本管理中心/, use: 'the CA by name (憑證管理中心): our words never speak as the CA', where: allZh },
  { pattern: /Error:3125或/, use: 'the manual code 3125 and its RetCode, without the literal return line', where: allZh },
];

describe('the glossary of the manual', () => {
  for (const { pattern, use, where } of BANNED) {
    it(`never says ${pattern.source} (use ${use})`, () => {
      expect(where.filter(([, text]) => pattern.test(text)).map(([path, text]) => `${path}: ${text}`)).toEqual([]);
    });
  }

  it('says 解卡 and 寄回 for 27011, and 不明連接卡 for an unreadable card, as the manual does', () => {
    const zh = CATALOGUES['zh-TW'];
    expect(zh.errors['27011']).toContain('解卡');
    expect(zh.mailIn.unlock).toContain('解卡');
    expect(zh.mailIn.unlock).toContain('寄回');
    expect(zh.errors.CARD_UNREADABLE).toContain('不明連接卡');
    expect(zh.errors.SUSPENDED).toContain('暫時停用');
  });
});

/** A term of the manual and what the English catalogue calls the same thing. */
const TERMS: ReadonlyArray<{ zh: RegExp; en: RegExp }> = [
  { zh: /解卡/, en: /unblock/i },
  { zh: /用戶代碼/, en: /user code/i },
  { zh: /PIN碼/, en: /PIN/ },
  { zh: /櫃檯服務人員/, en: /counter staff/i },
  { zh: /電子信箱/, en: /e-mail/i },
  { zh: /憑證接受/, en: /accept/i },
  { zh: /身分證字號/, en: /ID/ },
  { zh: /有效期限/, en: /validity/i },
  { zh: /有誤/, en: /wrong|not valid|incorrect|error/i },
  { zh: /客服專線/, en: /customer service/i },
];

describe('the English catalogue against the Chinese', () => {
  it('has, for every Chinese text, an English one that uses the same terms', () => {
    const missing: string[] = [];
    for (const [path, zh] of zhKiosk) {
      const en = enKiosk.get(path);
      if (en === undefined) {
        missing.push(`${path}: no English`);
        continue;
      }
      for (const term of TERMS) if (term.zh.test(zh) && !term.en.test(en)) missing.push(`${path}: "${zh}" has ${term.zh.source}, "${en}" lacks ${term.en.source}`);
    }
    expect(missing).toEqual([]);
  });

  it('uses the same English for the same screen label everywhere', () => {
    expect(CATALOGUES.en.card.validity).not.toBe('Valid');
    expect(CATALOGUES.en.card.validity).toMatch(/validity period/i);
    expect(CATALOGUES.en.screens.idChecksumWarning.title).toMatch(/wrong/i);
  });
});
