/** The parts of a business certificate's subject that name its holder. */
export interface CertificateHolder {
  /** The subject's O: the company or business. */
  readonly holderName: string;
  /** The subject's OU, when the certificate names a branch or unit. */
  readonly orgUnit?: string | undefined;
}

/**
 * 憑證用戶名稱 as the CA's manual prints it on the card-data screen: `C=TW,O=測試公司1,OU=測試分公司1`
 * (the OU left out when the certificate has none), so a branch's card never reads like the head
 * office's.
 */
export function certificateUserName(holder: CertificateHolder): string {
  const unit = holder.orgUnit === undefined || holder.orgUnit === '' ? '' : `,OU=${holder.orgUnit}`;
  return `C=TW,O=${holder.holderName}${unit}`;
}
