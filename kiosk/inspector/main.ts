// The inspector page's entry: defines the elements and wires each
// `<ka-inspector-app config-url=…>` to NATS.
import { KaInspectorApp } from './app/ka-inspector-app.ts';
import { InspectorController } from './inspector-controller.ts';

for (const app of document.querySelectorAll('ka-inspector-app[config-url]')) {
  if (app instanceof KaInspectorApp) new InspectorController(app, { configUrl: app.getAttribute('config-url') ?? '/config.json' });
}
