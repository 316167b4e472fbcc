// Words both consoles (staff console, inspector) show about a kiosk, in 正體中文.
export const kioskBadges = {
  needsStaff: '需要協助',
  busy: '處理中',
  silent: '無回應',
  idle: '待機中',
} as const;
