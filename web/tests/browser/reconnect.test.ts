// The page's stream against a server whose stream cap is one: after a
// restart it is refused (503) while another client holds the only slot,
// waits, and resumes from its last event id, so that the board made while
// it was away still reaches it. Math.random is pinned in the page, so the
// waits are the low end of their windows (reconnect.ts): 3 s after each
// dropped attempt, 6 s after the refusal.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';

import { DotsServer, connState, launchChromium, missingPrerequisite, newUserPage, waitForText } from './harness';

const PASSWORD = 'correct horse battery';
const STEP = { timeout: 60_000 };

describe('the live stream when the server refuses it', () => {
  let server: DotsServer;
  let browser: Browser;
  let user: { context: BrowserContext; page: Page };
  const pageErrors: string[] = [];

  before(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(`cannot run the browser tests: ${missing}`);
    server = await DotsServer.create(['--max-streams', '1']);
    browser = await launchChromium();
    user = await newUserPage(browser, server.url);
    await user.page.addInitScript(() => {
      Math.random = () => 0;
    });
    user.page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await server?.dispose();
  });

  async function token(first: boolean): Promise<string> {
    const body = JSON.stringify({ username: 'carol', password: PASSWORD });
    const headers = { 'Content-Type': 'application/json' };
    if (first) {
      const reg = await fetch(new URL('/api/auth/register', server.url), { method: 'POST', headers, body });
      assert.equal(reg.status, 201, await reg.text());
    }
    const login = await fetch(new URL('/api/auth/login', server.url), { method: 'POST', headers, body });
    assert.equal(login.status, 200);
    return ((await login.json()) as { token: string }).token;
  }

  async function createBoard(bearer: string, name: string): Promise<number> {
    const res = await fetch(new URL('/api/boards', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
      body: JSON.stringify({
        name,
        rows: 2,
        cols: 2,
        dots: [
          { row: 0, col: 0, color: '#e6194b' },
          { row: 1, col: 1, color: '#e6194b' },
        ],
      }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    return (JSON.parse(text) as { id: number }).id;
  }

  test('refused after a restart, the page waits and resumes from its last event id', STEP, async () => {
    const p = user.page;
    await p.goto('/#/boards');
    await connState(p, 'connected');
    const first = await createBoard(await token(true), 'Before');
    await waitForText(p.locator(`tr[data-board-id="${first}"]`), 'Before');

    const streams: { url: string; status: number }[] = [];
    p.on('response', (r: Response) => {
      if (new URL(r.url()).pathname === '/sse/notifications/') streams.push({ url: r.url(), status: r.status() });
    });
    // The page is kept away until another client holds the only slot.
    const sse = (url: URL): boolean => url.pathname.startsWith('/sse/');
    await p.route(sse, (route) => route.abort('connectionrefused'));
    await server.restart();
    await connState(p, 'reconnecting');
    const holder = new AbortController();
    const held = await fetch(new URL('/sse/notifications/', server.url), { signal: holder.signal });
    assert.equal(held.status, 200);
    const second = await createBoard(await token(false), 'While away');
    await p.unroute(sse);
    const refused = p.waitForResponse((r) => new URL(r.url()).pathname === '/sse/notifications/', {
      timeout: 10_000,
    });
    assert.equal((await refused).status(), 503);
    assert.equal((await refused).headers()['retry-after'] !== undefined, true);
    holder.abort();

    await connState(p, 'connected', 15_000);
    await waitForText(p.locator(`tr[data-board-id="${second}"]`), 'While away', 5000);
    // Both the refused and the resumed stream asked for what came after the
    // first (and only) event before the restart, id 1.
    assert.deepEqual(
      streams.map((s) => new URL(s.url).searchParams.get('lastEventId')),
      ['1', '1'],
    );
    assert.deepEqual(
      streams.map((s) => s.status),
      [503, 200],
      'one refusal, then the resumed stream',
    );
    assert.deepEqual(pageErrors, []);
  });
});
