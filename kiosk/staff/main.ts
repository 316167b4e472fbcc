// The staff console page's entry: defines the elements and wires each
// `<ka-staff-app config-url=…>` to NATS.
import { KaStaffApp } from './app/ka-staff-app.ts';
import { StaffController } from './staff-controller.ts';

// Passkeys belong to a host name, never an IP address: the console at 127.0.0.1 moves to localhost
// (same port, path and enrollment link), the origin the embedded staff-auth expects.
if (location.hostname === '127.0.0.1') location.replace(location.href.replace('//127.0.0.1', '//localhost'));

const enrollCode = /^#enroll=([A-Za-z0-9_-]{20,64})$/.exec(location.hash)?.[1];

for (const app of document.querySelectorAll('ka-staff-app[config-url]')) {
  if (app instanceof KaStaffApp) {
    if (enrollCode) app.enrollCode = enrollCode;
    new StaffController(app, { configUrl: app.getAttribute('config-url') ?? '/config.json' });
  }
}
