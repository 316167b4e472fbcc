// The staff console page's entry: defines the elements and wires each
// `<ka-staff-app config-url=…>` to NATS.
import { KaStaffApp } from './app/ka-staff-app.ts';
import { StaffController } from './staff-controller.ts';

for (const app of document.querySelectorAll('ka-staff-app[config-url]')) {
  if (app instanceof KaStaffApp) new StaffController(app, { configUrl: app.getAttribute('config-url') ?? '/config.json' });
}
