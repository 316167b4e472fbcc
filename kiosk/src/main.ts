// The kiosk page's entry: defines the elements and wires each `<ka-kiosk-app config-url=…>` to the
// engine. Without `config-url` the app only renders what it is given (tests, screenshots). The
// view the UI server embedded in the page, if any, is the first screen (initial-view.ts).
import { initialViewOf } from './initial-view.ts';
import { KaKioskApp } from './kiosk-app.ts';
import { ViewController } from './view-controller.ts';

const initialView = initialViewOf(document);
for (const app of document.querySelectorAll('ka-kiosk-app[config-url]')) {
  if (app instanceof KaKioskApp) {
    new ViewController(app, { configUrl: app.getAttribute('config-url') ?? '/config.json', ...(initialView === undefined ? {} : { initialView }) });
  }
}
