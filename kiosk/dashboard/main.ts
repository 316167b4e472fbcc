// The dashboard page's entry: wires each `<ka-dashboard-app config-url=…>` to NATS.
import { DashboardController } from './dashboard-controller.ts';
import { KaDashboardApp } from './ka-dashboard-app.ts';

for (const app of document.querySelectorAll('ka-dashboard-app[config-url]')) {
  if (app instanceof KaDashboardApp) new DashboardController(app, { configUrl: app.getAttribute('config-url') ?? '/config.json' });
}
