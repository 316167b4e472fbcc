import { normalizeInput } from './text.validator.ts';

const WEIGHTS = [1, 2, 1, 2, 1, 2, 4, 1] as const;

/**
 * UBN (營利事業統一編號), Ministry of Finance: eight digits weighted 1,2,1,2,1,2,4,1; each product is
 * replaced by the sum of its two digits and the results are added up. The Ministry's notice
 * 營利事業統一編號檢查碼邏輯修正說明 (free numbers were expected to run out in 2024; every checker to be
 * changed by 31 March 2023, new numbers issued from April 2023) relaxed "a multiple of 10" to "a
 * multiple of 5", which still accepts every old number. When the 7th digit is 7 its product 28 gives 10, which the rule reads as either 1 or 0: the
 * number is valid if either reading gives a multiple of 5.
 */
export function isValidUbn(raw: string): boolean {
  const ubn = normalizeInput(raw);
  if (!/^\d{8}$/.test(ubn)) return false;
  let sum = 0;
  WEIGHTS.forEach((weight, index) => {
    const product = (ubn.charCodeAt(index) - 48) * weight;
    sum += Math.floor(product / 10) + (product % 10);
  });
  // Here the 7th digit counted as 10; 10 and 0 are the same modulo 5, and 1 is one more.
  return sum % 5 === 0 || (ubn.charAt(6) === '7' && (sum + 1) % 5 === 0);
}
