// What the user sees, at desktop width (1280) and phone width (390): an
// accessibility audit of every view, the grid near the top on a phone, the
// notifications panel under the header and closed by navigation, toasts
// clear of the grid and the buttons, an unread count without one's own
// actions, and a question before unsaved work is lost.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';

import {
  DESKTOP,
  DotsServer,
  PHONE,
  cell,
  connState,
  createBoardVia,
  dragThrough,
  intersects,
  launchChromium,
  missingPrerequisite,
  newUserPage,
  seriousA11yViolations,
  signUp,
  waitForText,
} from './harness';

const PASSWORD = 'correct horse battery';
const STEP = { timeout: 60_000 };
const WIDTHS = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;

const pairs = (...list: [string, [number, number], [number, number]][]) =>
  list.flatMap(([color, a, b]) => [
    { row: a[0], col: a[1], color },
    { row: b[0], col: b[1], color },
  ]);

async function box(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox();
  assert.ok(b, `${selector} is on screen`);
  return b;
}

describe('the app at desktop and phone width', () => {
  let server: DotsServer;
  let browser: Browser;
  let alice: { context: BrowserContext; page: Page };
  let bob: { context: BrowserContext; page: Page };
  let guest: { context: BrowserContext; page: Page };
  let aliceBoard = 0;
  let bobBoard = 0;
  const pageErrors: string[] = [];

  before(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(`cannot run the browser tests: ${missing}`);
    server = await DotsServer.create();
    browser = await launchChromium();
    alice = await newUserPage(browser, server.url);
    bob = await newUserPage(browser, server.url);
    guest = await newUserPage(browser, server.url);
    for (const p of [alice.page, bob.page, guest.page]) p.on('pageerror', (e) => pageErrors.push(e.message));
    await signUp(alice.page, 'alice', PASSWORD);
    await signUp(bob.page, 'bob', PASSWORD);
    aliceBoard = await createBoardVia(alice.page, {
      name: 'Garden',
      rows: 5,
      cols: 5,
      dots: pairs(['#e6194b', [0, 0], [4, 0]], ['#3cb44b', [0, 4], [4, 4]], ['#123456', [2, 1], [2, 3]]),
    });
    bobBoard = await createBoardVia(bob.page, {
      name: 'Bob’s',
      rows: 4,
      cols: 4,
      dots: pairs(['#4363d8', [0, 0], [3, 3]]),
    });
  });

  after(async () => {
    await browser?.close();
    await server?.dispose();
  });

  test('no serious or critical accessibility violation on any view, at both widths', STEP, async () => {
    const a = alice.page;
    const g = guest.page;
    const failures: string[] = [];
    const audit = async (page: Page, what: string): Promise<void> => {
      for (const v of await seriousA11yViolations(page)) failures.push(`${what}: ${v}`);
    };
    for (const [label, size] of WIDTHS) {
      for (const p of [a, g]) await p.setViewportSize(size);
      const views: [string, string, string][] = [
        ['boards', '/#/boards', 'tr[data-board-id]'],
        ['new board', '/#/new', '.grid'],
        ['edit', `/#/boards/${aliceBoard}/edit`, '#delete'],
        ['play', `/#/boards/${aliceBoard}`, '#legend li'],
        ['not the creator', `/#/boards/${bobBoard}/edit`, '.notice'],
        ['no such board', '/#/boards/999999', '.form-error'],
        ['no such page', '/#/nowhere', 'h1'],
      ];
      for (const [name, route, ready] of views) {
        await a.goto(route);
        await a.locator(ready).first().waitFor();
        await audit(a, `${label} ${name}`);
      }
      // Drawn lines, a toast and the open panel.
      await a.goto(`/#/boards/${aliceBoard}`);
      await dragThrough(a, [
        [0, 0],
        [1, 0],
        [2, 0],
      ]);
      await createBoardVia(bob.page, { name: `Toast ${label}`, rows: 2, cols: 2, dots: pairs(['#e6194b', [0, 0], [1, 1]]) });
      await a.locator('.toast').first().waitFor();
      await audit(a, `${label} play with lines and a toast`);
      await a.locator('#clear-all').click();
      await a.locator('#notif-button').click();
      await a.locator('#notif-panel').waitFor();
      await audit(a, `${label} notifications panel`);
      await a.locator('#notif-button').click();
      // Signed out, and in Polish.
      for (const [name, route, ready] of [
        ['boards, signed out', '/#/boards', 'tr[data-board-id]'],
        ['sign in', '/#/signin', '#username'],
        ['sign up', '/#/signup', '#username'],
        ['new board, signed out', '/#/new', '.notice'],
        ['play, signed out', `/#/boards/${aliceBoard}`, '#legend li'],
      ] as const) {
        await g.goto(route);
        await g.locator(ready).first().waitFor();
        await audit(g, `${label} ${name}`);
      }
      await g.locator('#lang').selectOption('pl');
      await g.goto('/#/signin');
      await g.locator('form button[type="submit"]').click();
      await g.locator('#form-error').filter({ hasText: /\S/ }).waitFor();
      await audit(g, `${label} sign in with an error, Polish`);
      await g.locator('#lang').selectOption('en');
    }
    await a.setViewportSize(DESKTOP);
    await g.setViewportSize(DESKTOP);
    assert.deepEqual(failures, []);
  });

  test('at phone width the grid is near the top, above the palette and the help', STEP, async () => {
    const a = alice.page;
    await a.setViewportSize(PHONE);
    try {
      for (const route of ['/#/new', `/#/boards/${aliceBoard}/edit`, `/#/boards/${aliceBoard}`]) {
        await a.goto(route);
        await a.locator('.grid').waitFor();
        await a.evaluate(() => window.scrollTo(0, 0));
        const grid = await box(a, '.grid');
        // The whole 5 × 5 grid is on the first screen, without scrolling.
        assert.ok(grid.y + grid.height <= PHONE.height, `${route}: grid ends at ${grid.y + grid.height}`);
        const help = await box(a, route.endsWith(`${aliceBoard}`) ? '#play-help' : '#editor-help');
        assert.ok(help.y > grid.y, `${route}: the help comes after the grid`);
        if (route !== `/#/boards/${aliceBoard}`) {
          const palette = await box(a, '.palette');
          assert.ok(palette.y > grid.y + grid.height, `${route}: the palette comes after the grid`);
        }
      }
    } finally {
      await a.setViewportSize(DESKTOP);
    }
  });

  test('the notifications panel opens under the header and closes on navigation', STEP, async () => {
    const a = alice.page;
    for (const [label, size] of WIDTHS) {
      await a.setViewportSize(size);
      await a.goto('/#/boards');
      await a.locator('#notif-button').click();
      const header = await box(a, 'header.top');
      const panel = await box(a, '#notif-panel');
      assert.ok(panel.y >= header.y + header.height, `${label}: panel at ${panel.y}, header ends ${header.y + header.height}`);
      assert.equal(await a.locator('#notif-button').getAttribute('aria-expanded'), 'true');
      // A link in the header leads elsewhere: the panel goes.
      await a.locator('header nav a', { hasText: 'New board' }).click();
      await a.waitForURL(/#\/new$/);
      assert.equal(await a.locator('#notif-panel').isHidden(), true, `${label}: closed after navigation`);
      assert.equal(await a.locator('#notif-button').getAttribute('aria-expanded'), 'false');
      // The browser's Back button too.
      await a.locator('#notif-button').click();
      await a.goBack();
      await a.waitForURL(/#\/boards$/);
      assert.equal(await a.locator('#notif-panel').isHidden(), true, `${label}: closed after Back`);
    }
    await a.setViewportSize(DESKTOP);
  });

  test('toasts cover neither the grid nor the Delete button, at both widths', STEP, async () => {
    const a = alice.page;
    let n = 0;
    for (const [label, size] of WIDTHS) {
      await a.setViewportSize(size);
      await a.goto(`/#/boards/${aliceBoard}/edit`);
      await a.locator('#delete').waitFor();
      await connState(a, 'connected');
      // Where the Delete button and the grid's bottom both show.
      await a.locator('#delete').scrollIntoViewIfNeeded();
      await a.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
      for (let i = 0; i < 2; i++)
        await createBoardVia(bob.page, {
          name: `Busy day ${++n}`,
          rows: 2,
          cols: 2,
          dots: pairs(['#e6194b', [0, 0], [1, 1]]),
        });
      await waitForText(a.locator('.toast'), `Busy day ${n}`);
      const toasts = await box(a, '.toasts');
      const del = await box(a, '#delete');
      const grid = await box(a, '.grid');
      const save = await box(a, '#save');
      assert.ok(!intersects(toasts, del), `${label}: toasts ${JSON.stringify(toasts)} cover Delete ${JSON.stringify(del)}`);
      assert.ok(!intersects(toasts, save), `${label}: toasts cover Save`);
      assert.ok(!intersects(toasts, grid), `${label}: toasts ${JSON.stringify(toasts)} cover the grid ${JSON.stringify(grid)}`);
    }
    await a.setViewportSize(DESKTOP);
  });

  test('the unread count leaves out one’s own actions', STEP, async () => {
    const a = alice.page;
    const b = bob.page;
    await a.goto('/#/boards');
    await connState(a, 'connected');
    // Opening the panel reads everything so far.
    await a.locator('#notif-button').click();
    await a.locator('#notif-button').click();
    assert.equal(await a.locator('#notif-button .badge').count(), 0);

    await createBoardVia(a, { name: 'Mine', rows: 2, cols: 2, dots: pairs(['#e6194b', [0, 0], [1, 1]]) });
    await createBoardVia(b, { name: 'Theirs', rows: 2, cols: 2, dots: pairs(['#e6194b', [0, 0], [1, 1]]) });
    await waitForText(a.locator('.toast'), 'User bob created a new board: Theirs.');
    // Both are in the panel's record; only bob's is new to alice.
    await waitForText(a.locator('#notif-button .badge'), '1');
    assert.equal((await a.locator('#notif-button .badge [aria-hidden="true"]').textContent())?.trim(), '1');
    assert.equal(await a.locator('.toast', { hasText: 'Mine' }).count(), 0);
    await a.locator('#notif-button').click();
    await waitForText(a.locator('#notif-panel li').nth(0), 'Theirs');
    await waitForText(a.locator('#notif-panel li').nth(1), 'User alice created a new board: Mine.');
    await a.locator('#notif-button').click();
  });

  test('leaving or reloading with an unsaved drawing asks first', STEP, async () => {
    const b = bob.page;
    const dialogs: Dialog[] = [];
    let answer = false;
    const onDialog = (d: Dialog): void => {
      dialogs.push(d);
      void (answer ? d.accept() : d.dismiss());
    };
    b.on('dialog', onDialog);
    try {
      await b.goto(`/#/boards/${aliceBoard}`);
      await b.locator('#legend li').first().waitFor();
      await dragThrough(b, [
        [0, 0],
        [1, 0],
        [2, 0],
      ]);
      await waitForText(b.locator('#save-state'), 'Unsaved changes.');

      // A link inside the app: asked, stays on "no".
      await b.locator('header nav a', { hasText: 'Boards' }).click();
      await waitForText(b.locator('#save-state'), 'Unsaved changes.');
      assert.equal(dialogs.length, 1);
      assert.equal(dialogs[0]?.type(), 'confirm');
      assert.equal(dialogs[0]?.message(), 'You have unsaved changes. Leave this page and lose them?');
      assert.match(b.url(), new RegExp(`#/boards/${aliceBoard}$`));
      assert.equal(await cell(b, 1, 0).getAttribute('data-line'), '#e6194b', 'the drawing is still there');

      // Signing out would throw the drawing away too.
      await b.getByRole('button', { name: 'Sign out' }).click();
      assert.equal(dialogs.length, 2);
      assert.equal(dialogs[1]?.type(), 'confirm');
      await waitForText(b.locator('[data-testid="current-user"]'), 'bob');
      assert.equal(await cell(b, 1, 0).getAttribute('data-line'), '#e6194b', 'still signed in, drawing kept');

      // A reload: the browser's own question; "no" keeps the page.
      await b.reload({ timeout: 2000 }).catch(() => undefined);
      assert.equal(dialogs.length, 3);
      assert.equal(dialogs[2]?.type(), 'beforeunload');
      assert.equal(await cell(b, 1, 0).getAttribute('data-line'), '#e6194b', 'not reloaded');

      // In Polish, and "yes" leaves.
      await b.locator('#lang').selectOption('pl');
      answer = true;
      await b.locator('header nav a', { hasText: 'Plansze' }).click();
      await b.waitForURL(/#\/boards$/);
      assert.equal(dialogs[3]?.message(), 'Masz niezapisane zmiany. Opuścić stronę i je utracić?');
      await b.locator('#lang').selectOption('en');

      // Saved work leaves without a question.
      await b.goto(`/#/boards/${aliceBoard}`);
      await b.locator('#legend li').first().waitFor();
      await dragThrough(b, [
        [0, 0],
        [1, 0],
      ]);
      await b.locator('#save-path').click();
      await waitForText(b.locator('#play-message'), 'Path saved.');
      await b.locator('header nav a', { hasText: 'Boards' }).click();
      await b.waitForURL(/#\/boards$/);
      assert.equal(dialogs.length, 4, 'no question once saved');

      // The editor: a half-made board asks too.
      answer = false;
      await b.goto('/#/new');
      await cell(b, 0, 0).click();
      await b.locator('header nav a', { hasText: 'Boards' }).click();
      assert.equal(dialogs.length, 5);
      assert.equal(dialogs[4]?.type(), 'confirm');
      assert.match(b.url(), /#\/new$/);
      assert.notEqual(await cell(b, 0, 0).getAttribute('data-dot'), null);
      answer = true;
      await b.locator('header nav a', { hasText: 'Boards' }).click();
      await b.waitForURL(/#\/boards$/);
    } finally {
      b.off('dialog', onDialog);
    }
  });

  test('no errors were thrown in the pages', () => {
    assert.deepEqual(pageErrors, []);
  });
});
