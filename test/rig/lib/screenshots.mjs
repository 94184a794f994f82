// A loopback endpoint through which a test inside the extension host asks for a picture of the workbench:
//   POST <url>?name=foo  ->  <resultsDir>/foo.png, answered with {"path": "..."}.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/**
 * @param {{ resultsDir: string, getPage: () => import('playwright-core').Page | undefined }} options
 * @returns {Promise<{ url: string, take(name: string): Promise<string>, close(): Promise<void> }>}
 */
export async function startScreenshotServer({ resultsDir, getPage }) {
  let queue = Promise.resolve();
  let count = 0;

  const take = (name) => {
    const run = async () => {
      const page = getPage();
      if (!page) {
        throw Object.assign(new Error('the workbench page is not open'), { status: 503 });
      }
      fs.mkdirSync(resultsDir, { recursive: true });
      const file = path.join(resultsDir, `${name}.png`);
      await page.screenshot({ path: file, timeout: 30_000 });
      return file;
    };
    // One at a time: Playwright serialises them anyway, and the files then appear in request order.
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    if (req.method !== 'POST' || url.pathname !== '/screenshot') {
      reply(404, { error: 'POST /screenshot?name=<name>' });
      return;
    }
    const raw = url.searchParams.get('name') || `screenshot-${++count}`;
    const name = raw.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 100) || `screenshot-${++count}`;
    take(name).then(
      (file) => reply(200, { path: file }),
      (err) => reply(err.status ?? 500, { error: String(err?.message ?? err) }),
    );
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}/screenshot`,
    take,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
