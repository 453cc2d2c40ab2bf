// Every mistake a user can make, and the server's refusals, say what went
// wrong in the user's language: never the server's English message, never a
// colour's hex code. The server runs with a login limit of 3 a minute and a
// single password-hashing thread without a queue, so that a rate limit (429)
// and a busy server (503) can be met for real.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import {
  DotsServer,
  cell,
  createBoardVia,
  launchChromium,
  missingPrerequisite,
  newUserPage,
  signUp,
  waitForText,
} from './harness';

const PASSWORD = 'correct horse battery';
const STEP = { timeout: 30_000 };

async function submitAuth(page: Page, route: 'signin' | 'signup', username: string, password: string): Promise<void> {
  if (!page.url().endsWith(`#/${route}`)) await page.goto(`/#/${route}`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('form button[type="submit"]').click();
}

/** The page shows no hex colour code and none of the server's English
 * messages (they start with these words). */
async function assertNoServerText(page: Page): Promise<void> {
  const text = await page.locator('main').innerText();
  assert.doesNotMatch(text, /#[0-9a-f]{6}/i);
  assert.doesNotMatch(text, /wrong username|must be|is used|too many login|only the creator|dot \d+:/i);
}

describe('errors a user can cause, in their language', () => {
  let server: DotsServer;
  let browser: Browser;
  let carol: { context: BrowserContext; page: Page };
  let other: { context: BrowserContext; page: Page };
  const pageErrors: string[] = [];

  before(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(`cannot run the browser tests: ${missing}`);
    server = await DotsServer.create(['--login-limit', '3', '--hash-threads', '1', '--hash-queue', '0']);
    browser = await launchChromium();
    carol = await newUserPage(browser, server.url);
    other = await newUserPage(browser, server.url);
    carol.page.on('pageerror', (e) => pageErrors.push(e.message));
    // Leaving a half-made board asks first (see screens.test.ts); here the
    // answer is always "leave".
    carol.page.on('dialog', (d) => void d.accept());
    other.page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await server?.dispose();
  });

  test('sign up: short password, bad name, taken name', STEP, async () => {
    const p = carol.page;
    await submitAuth(p, 'signup', 'carol', 'short');
    await waitForText(p.locator('#password-error'), 'The password is too short: it needs at least 8 characters.');
    assert.equal(await p.locator('#password').getAttribute('aria-invalid'), 'true');

    await submitAuth(p, 'signup', 'ca', PASSWORD);
    await waitForText(p.locator('#username-error'), 'A username has 3 to 32 characters.');
    await submitAuth(p, 'signup', 'car ol', PASSWORD);
    await waitForText(p.locator('#username-error'), 'A username may only contain letters A–Z, digits and _ . -');

    await signUp(p, 'carol', PASSWORD); // login attempt 1 of 3
    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByRole('link', { name: 'Sign in' }).first().waitFor();

    await p.locator('#lang').selectOption('pl');
    await submitAuth(p, 'signup', 'carol', PASSWORD);
    await waitForText(p.locator('#username-error'), 'Nazwa „carol” jest już zajęta. Wybierz inną.');
    await submitAuth(p, 'signup', 'dave', 'krótki'); // 7 bytes
    await waitForText(p.locator('#password-error'), 'Hasło jest za krótkie: musi mieć co najmniej 8 znaków.');
    await assertNoServerText(p);
    await p.locator('#lang').selectOption('en');
  });

  test('a busy server (503) says so and when to come back', STEP, async () => {
    // One hashing thread and no queue: while the other page keeps it busy
    // with registrations back to back, carol's is refused at once with
    // Retry-After.
    const p = carol.page;
    await p.goto('/#/signup');
    await p.locator('#username').fill('erin');
    await p.locator('#password').fill(PASSWORD);
    const o = other.page;
    await o.goto('/#/boards');
    await o.evaluate(() => {
      const w = window as unknown as { keepBusy: boolean; loops: Promise<unknown> };
      w.keepBusy = true;
      const loop = async (n: number): Promise<void> => {
        for (let i = 0; w.keepBusy; i++)
          await fetch('/api/auth/register', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username: `filler${n}_${i}`, password: 'correct horse battery' }),
          });
      };
      w.loops = Promise.all([0, 1, 2].map(loop));
    });
    try {
      await p.locator('form button[type="submit"]').click();
      await waitForText(p.locator('#form-error'), 'The server is busy. Try again in');
    } finally {
      // Stop, and wait for the last registrations so the next step's sign-in
      // finds the hashing thread free.
      await o.evaluate(async () => {
        const w = window as unknown as { keepBusy: boolean; loops: Promise<unknown> };
        w.keepBusy = false;
        await w.loops;
      });
    }
    assert.match((await p.locator('#form-error').textContent()) ?? '', /^The server is busy\. Try again in \d+ s\.$/);
    assert.equal(await p.locator('[data-testid="current-user"]').count(), 0, 'nobody signed in');
  });

  test('the editor in Polish: name, lone dot, long name, third dot, no hex codes', STEP, async () => {
    const p = carol.page;
    await p.goto('/#/signin');
    await p.locator('#username').fill('carol');
    await p.locator('#password').fill(PASSWORD);
    await p.locator('form button[type="submit"]').click(); // login attempt 2 of 3
    await waitForText(p.locator('[data-testid="current-user"]'), 'carol');
    await p.locator('#lang').selectOption('pl');

    await p.goto('/#/new');
    await p.locator('#board-rows').fill('3');
    await p.locator('#board-cols').fill('3');
    await p.locator('#generate').click();
    await cell(p, 0, 0).click();
    await p.locator('#save').click();
    await waitForText(p.locator('#board-name-error'), 'Nadaj planszy nazwę.');
    assert.equal(await p.locator('#board-name').getAttribute('aria-invalid'), 'true');

    await p.locator('#board-name').fill('x'.repeat(150));
    await p.locator('#save').click();
    await waitForText(p.locator('#board-name-error'), 'Nazwa planszy może mieć najwyżej 100 znaków; ta ma 150.');

    await p.locator('#board-name').fill('Samotna');
    await p.locator('#save').click();
    await waitForText(
      p.locator('#board-dots-error'),
      'Kolor czerwony ma tylko jedną kropkę; każdy kolor potrzebuje dokładnie dwóch.',
    );
    assert.equal(await cell(p, 0, 0).getAttribute('aria-invalid'), 'true');
    assert.equal(await p.locator('#board-name-error').textContent(), '');

    // A third dot of a colour is refused in the editor itself.
    await cell(p, 2, 2).click();
    await p.locator('#color-e6194b').check();
    await cell(p, 1, 1).click();
    await waitForText(p.locator('#board-dots-error'), 'Ten kolor ma już dwie kropki.');
    assert.equal(await cell(p, 1, 1).getAttribute('data-dot'), null);
    await assertNoServerText(p);

    // A board made through the API with colours outside the palette: named
    // in words in the legend, the cells and the editor.
    const id = await createBoardVia(p, {
      name: 'Spoza palety',
      rows: 3,
      cols: 3,
      dots: [
        { row: 0, col: 0, color: '#123456' },
        { row: 2, col: 2, color: '#123456' },
      ],
    });
    // Two red dots now (the third was refused): the board saves, and the
    // editor moves to it once the server answers. Waited for, so that the
    // move cannot come after the navigation below and take the page away.
    await p.locator('#save').click();
    await p.waitForURL((url) => /^#\/boards\/\d+\/edit$/.test(url.hash) && url.hash !== `#/boards/${id}/edit`);
    await p.goto(`/#/boards/${id}`);
    await waitForText(p.locator('#legend'), 'ciemnoniebieski');
    assert.match((await cell(p, 0, 0).getAttribute('aria-label')) ?? '', /kropka: ciemnoniebieski/);
    await assertNoServerText(p);
    await p.goto(`/#/boards/${id}/edit`);
    await waitForText(p.locator('.swatch.other'), 'ciemnoniebieski');
    await assertNoServerText(p);
  });

  test('the network down: the editor says the server cannot be reached', STEP, async () => {
    const p = carol.page;
    await p.goto('/#/new');
    await p.locator('#board-name').fill('Offline');
    await cell(p, 0, 0).click();
    await cell(p, 1, 1).click();
    await server.stop();
    try {
      await p.locator('#save').click();
      await waitForText(
        p.locator('#board-form-error'),
        'Brak połączenia z serwerem. Sprawdź połączenie i spróbuj ponownie.',
      );
    } finally {
      await server.start();
    }
    await p.locator('#lang').selectOption('en');
    await p.locator('#save').click();
    await p.waitForURL(/#\/boards\/\d+\/edit$/);
  });

  test('a wrong password is a wrong password, in both languages; then the rate limit', STEP, async () => {
    // The server restarted in the last step: its login limit starts afresh.
    const p = carol.page;
    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByRole('link', { name: 'Sign in' }).first().waitFor();
    await submitAuth(p, 'signin', 'carol', 'not the password'); // attempt 1 of 3
    await waitForText(p.locator('#form-error'), 'Wrong username or password.');
    assert.doesNotMatch(await p.locator('main').innerText(), /session/i);

    await p.locator('#lang').selectOption('pl');
    await submitAuth(p, 'signin', 'carol', 'nie to hasło'); // 2 of 3
    await waitForText(p.locator('#form-error'), 'Nieprawidłowa nazwa użytkownika lub hasło.');
    assert.doesNotMatch(await p.locator('main').innerText(), /sesja/i);
    await submitAuth(p, 'signin', 'carol', 'znowu nie to'); // 3 of 3
    await p.locator('form button[type="submit"]:not([disabled])').waitFor();
    await submitAuth(p, 'signin', 'carol', 'i jeszcze raz'); // over the limit
    await waitForText(p.locator('#form-error'), 'Zbyt wiele prób logowania. Spróbuj ponownie za');
    assert.match(
      (await p.locator('#form-error').textContent()) ?? '',
      /^Zbyt wiele prób logowania\. Spróbuj ponownie za \d+ s\.$/,
    );
    await assertNoServerText(p);
    await p.locator('#lang').selectOption('en');
  });

  test('no errors were thrown in the pages', () => {
    assert.deepEqual(pageErrors, []);
  });
});
