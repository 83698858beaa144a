// The start-up of the browser's end-to-end tests: the shared harness (tests/lib/harness.js) plus
// one headless Chromium for the file's tests (./browser.js), closed first after them.
//
//   const h = webHarness();
//   const srv = await h.server(['--batch-ms', '50']);
//   const { context, page } = await h.open(`${srv.url}/#x=20&y=20&z=8`);
import { before, after } from 'node:test';

import { harness } from '../../lib/harness.js';
import { launch, openClient } from './browser.js';

export function webHarness() {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); }); // before the harness's hook: pages go, then servers
  const h = harness();
  return {
    ...h,
    // A fresh context (a new guest) on url, live (openClient in ./browser.js).
    open(url, opts) {
      return openClient(browser, url, opts);
    },
  };
}
