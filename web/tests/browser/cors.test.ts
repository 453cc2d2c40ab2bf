// A page of another site using Dots from Chromium: the app runs at
// 127.0.0.1, and a second page is served from 127.0.0.2, which a browser
// counts as another site. That page opens an EventSource to the app's
// stream and signs in and writes with a Bearer token (preflighted: JSON
// body, Authorization header). With its origin in --cors-origins both
// work; without it Chromium refuses both; with `*` only the stream works.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { DotsServer, connState, launchChromium, missingPrerequisite, newUserPage, waitForText } from './harness';

const PASSWORD = 'correct horse battery';
const STEP = { timeout: 60_000 };
const OTHER_SITE = '127.0.0.2';

/** A plain page on another loopback address: the other site. */
async function serveOtherSite(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>Another site</title><h1>Another site</h1></html>');
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, OTHER_SITE, () => done());
  });
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://${OTHER_SITE}:${port}` };
}

/** Registers `username` on `server`, outside the browser. */
async function register(server: DotsServer, username: string): Promise<void> {
  const res = await fetch(new URL('/api/auth/register', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 201, await res.text());
}

/** A token for `username`, outside the browser. */
async function tokenOf(server: DotsServer, username: string): Promise<string> {
  const res = await fetch(new URL('/api/auth/login', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { token: string }).token;
}

const boardBody = (name: string): string =>
  JSON.stringify({
    name,
    rows: 2,
    cols: 2,
    dots: [
      { row: 0, col: 0, color: '#ff0000' },
      { row: 1, col: 1, color: '#ff0000' },
    ],
  });

/** How an EventSource opened by the other site's page ended up: `open`, or
 * `closed` when the browser failed it (a CORS refusal closes it for good). */
async function openStream(page: Page, api: string): Promise<string> {
  return page.evaluate(async (url) => {
    const w = window as unknown as { dotsEvents: EventSource; dotsBoards: string[] };
    w.dotsBoards = [];
    const es = new EventSource(url);
    w.dotsEvents = es;
    es.addEventListener('newBoard', (e) => {
      w.dotsBoards.push((JSON.parse((e as MessageEvent<string>).data) as { board_name: string }).board_name);
    });
    return new Promise<string>((done) => {
      es.onopen = () => done('open');
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) done('closed');
      };
    });
  }, `${api}sse/notifications/`);
}

/** Waits in the page until its stream delivered a newBoard named `name`. */
async function waitForBoardEvent(page: Page, name: string): Promise<void> {
  await page.waitForFunction(
    (n) => (window as unknown as { dotsBoards: string[] }).dotsBoards.includes(n),
    name,
    { timeout: 10_000 },
  );
}

interface ApiUse {
  /** What fetch said: the statuses the page could read, or the error. */
  login: number | string;
  me: string;
  created: number | string;
  location: string | null;
}

/** The other site's page signs in and creates a board with a Bearer token,
 * as README's "Cross-origin clients" shows. A refused request rejects
 * (TypeError: Failed to fetch): its message is what comes back. */
async function useApi(page: Page, api: string, username: string, boardName: string): Promise<ApiUse> {
  return page.evaluate(
    async ({ api, username, password, body }) => {
      const failed = (e: unknown): string => `${(e as Error).name}: ${(e as Error).message}`;
      const out: ApiUse = { login: 0, me: '', created: 0, location: null };
      let token = '';
      try {
        const login = await fetch(`${api}api/auth/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        out.login = login.status;
        token = ((await login.json()) as { token: string }).token;
      } catch (e) {
        out.login = failed(e);
        return out;
      }
      const auth = { Authorization: `Bearer ${token}` };
      const me = await fetch(`${api}api/auth/me`, { headers: auth });
      out.me = ((await me.json()) as { username: string }).username;
      try {
        const made = await fetch(`${api}api/boards`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body,
        });
        out.created = made.status;
        out.location = made.headers.get('Location');
      } catch (e) {
        out.created = failed(e);
      }
      return out;
    },
    { api, username, password: PASSWORD, body: boardBody(boardName) },
  );
}

describe('a page of another site (127.0.0.2) using the app at 127.0.0.1', () => {
  let otherSite: { server: Server; origin: string };
  let browser: Browser;
  const servers: DotsServer[] = [];
  const contexts: BrowserContext[] = [];

  before(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(`cannot run the browser tests: ${missing}`);
    otherSite = await serveOtherSite();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    for (const s of servers) await s.dispose();
    await new Promise((done) => otherSite?.server.close(done));
  });

  async function start(args: readonly string[]): Promise<DotsServer> {
    const server = await DotsServer.create(args);
    servers.push(server);
    return server;
  }

  /** A page of the other site, in a browser context of its own. */
  async function otherSitePage(): Promise<Page> {
    const { context, page } = await newUserPage(browser, otherSite.origin);
    contexts.push(context);
    await page.goto('/');
    await waitForText(page.locator('h1'), 'Another site');
    return page;
  }

  test('with its origin listed, its EventSource gets events and its Bearer calls work', STEP, async () => {
    const server = await start(['--cors-origins', otherSite.origin]);
    await register(server, 'carol');
    // The app itself, at 127.0.0.1, watching the same stream.
    const { context, page: app } = await newUserPage(browser, server.url);
    contexts.push(context);
    await app.goto('/#/boards');
    await connState(app, 'connected');

    const page = await otherSitePage();
    assert.equal(new URL(page.url()).host.split(':')[0], OTHER_SITE);
    assert.equal(await openStream(page, server.url), 'open');
    const used = await useApi(page, server.url, 'carol', 'From another site');
    assert.equal(used.login, 200);
    assert.equal(used.me, 'carol');
    assert.equal(used.created, 201);
    // Readable thanks to Access-Control-Expose-Headers.
    assert.match(used.location ?? '', /^\/api\/boards\/\d+$/);
    await waitForBoardEvent(page, 'From another site');
    // The app at 127.0.0.1 hears of the board the other site made.
    await waitForText(app.locator('.toast'), 'From another site');
  });

  test('without its origin listed, Chromium refuses both the stream and the API', STEP, async () => {
    const server = await start([]);
    await register(server, 'carol');
    const page = await otherSitePage();
    assert.equal(await openStream(page, server.url), 'closed');
    const used = await useApi(page, server.url, 'carol', 'Never made');
    assert.equal(used.login, 'TypeError: Failed to fetch');
    // The preflight of the login failed, so nothing was sent: the board
    // list is still empty.
    const list = await fetch(new URL('/api/boards', server.url));
    assert.deepEqual(await list.json(), { boards: [], next: null });
  });

  test('with another origin listed, it is refused the same way', STEP, async () => {
    const server = await start(['--cors-origins', `http://${OTHER_SITE}:1`]);
    await register(server, 'carol');
    const page = await otherSitePage();
    assert.equal(await openStream(page, server.url), 'closed');
    const used = await useApi(page, server.url, 'carol', 'Never made');
    assert.equal(used.login, 'TypeError: Failed to fetch');
  });

  test('with *, the stream is open to it but the API is not', STEP, async () => {
    const server = await start(['--cors-origins', '*']);
    await register(server, 'carol');
    const page = await otherSitePage();
    assert.equal(await openStream(page, server.url), 'open');
    const used = await useApi(page, server.url, 'carol', 'Never made');
    assert.equal(used.login, 'TypeError: Failed to fetch');
    // A board made elsewhere reaches the page's stream.
    const made = await fetch(new URL('/api/boards', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await tokenOf(server, 'carol')}` },
      body: boardBody('Public news'),
    });
    assert.equal(made.status, 201);
    await waitForBoardEvent(page, 'Public news');
  });
});
