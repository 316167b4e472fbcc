// How every headless Chromium of this project is started: Debian's browser (never a downloaded
// one), with no background traffic (this machine's network is closed, and a kiosk's should be).
// Plain JavaScript so that web-test-runner's .mjs config can import it as well as the TypeScript.
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
