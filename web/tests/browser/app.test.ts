// The app in a real browser against the real server: two browser contexts
// are two users, alice and bob. The steps build on each other (the board
// alice makes is the one bob solves), so they run in order.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import {
  DotsServer,
  cell,
  connState,
  dragThrough,
  launchChromium,
  missingPrerequisite,
  newUserPage,
  signIn,
  signUp,
  waitForText,
  webDir,
} from './harness';

const PASSWORD = 'correct horse battery';
const RED = '#e6194b';
const GREEN = '#3cb44b';
const STEP = { timeout: 30_000 };

describe('Dots in the browser', () => {
  let server: DotsServer;
  let browser: Browser;
  let alice: { context: BrowserContext; page: Page };
  let bob: { context: BrowserContext; page: Page };
  let boardId = 0;
  const pageErrors: string[] = [];

  before(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(`cannot run the browser tests: ${missing}`);
    server = await DotsServer.create();
    browser = await launchChromium();
    alice = await newUserPage(browser, server.url);
    bob = await newUserPage(browser, server.url);
    for (const [who, p] of [
      ['alice', alice.page],
      ['bob', bob.page],
    ] as const) {
      p.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
    }
  });

  after(async () => {
    await browser?.close();
    if (server) {
      // The server's own log, for when a step fails for a reason on its side.
      await writeFile(join(webDir, 'test-results', 'server.log'), server.log);
      await server.dispose();
    }
  });

  test('sign up, sign out and sign in; the name is on every page', STEP, async () => {
    await signUp(alice.page, 'alice', PASSWORD);
    await signUp(bob.page, 'bob', PASSWORD);
    const a = alice.page;
    for (const route of ['#/boards', '#/new']) {
      await a.goto(`/${route}`);
      await waitForText(a.locator('[data-testid="current-user"]'), 'alice');
    }
    await a.getByRole('button', { name: 'Sign out' }).click();
    await a.getByRole('link', { name: 'Sign in' }).first().waitFor();
    assert.equal(await a.locator('[data-testid="current-user"]').count(), 0);
    await signIn(a, 'alice', PASSWORD);
  });

  test(
    'alice makes a board in the editor; bob gets a toast within 2 s and the row without a reload',
    STEP,
    async () => {
      const a = alice.page;
      const b = bob.page;
      await b.goto('/#/boards');
      await b.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      await connState(b, 'connected');

      await a.goto('/#/new');
      await a.locator('#board-name').fill('Sunrise');
      await a.locator('#board-rows').fill('3');
      await a.locator('#board-cols').fill('3');
      await a.locator('#generate').click();
      assert.equal(await a.locator('.grid-cells [data-row][data-col]').count(), 9);

      // Red is picked first; after its pair the editor moves on to green.
      assert.equal(await a.locator(`#color-${RED.slice(1)}`).isChecked(), true);
      await cell(a, 0, 0).click();
      await cell(a, 0, 2).click();
      assert.equal(await a.locator(`#color-${GREEN.slice(1)}`).isChecked(), true);
      await cell(a, 2, 0).click();
      await cell(a, 2, 2).click();
      // A dot can be taken off again.
      await cell(a, 1, 1).click();
      assert.notEqual(await cell(a, 1, 1).getAttribute('data-dot'), null);
      await cell(a, 1, 1).click();
      assert.equal(await cell(a, 1, 1).getAttribute('data-dot'), null);
      assert.equal(await cell(a, 0, 2).getAttribute('data-dot'), RED);
      assert.equal(await cell(a, 2, 2).getAttribute('data-dot'), GREEN);

      const saved = Date.now();
      await a.locator('#save').click();
      const toast = b.locator('.toast', { hasText: 'User alice created a new board: Sunrise.' });
      await toast.waitFor({ timeout: Math.max(100, 2000 - (Date.now() - saved)) });
      assert.ok(Date.now() - saved <= 2000, `toast after ${Date.now() - saved} ms`);
      assert.equal(await b.locator('.toasts').getAttribute('aria-live'), 'polite');
      assert.equal(await b.locator('.toasts').getAttribute('role'), 'log');

      await a.waitForURL(/#\/boards\/\d+\/edit$/);
      boardId = Number(/#\/boards\/(\d+)\/edit$/.exec(a.url())?.[1]);
      await waitForText(a.locator('#board-status'), 'Board created.');

      const row = b.locator(`tr[data-board-id="${boardId}"]`);
      await waitForText(row, 'Sunrise', 2000);
      await waitForText(row.locator('.creator'), 'alice');
      await waitForText(row, '3 × 3');
      assert.equal(await b.evaluate(() => (window as unknown as { marker?: number }).marker), 1, 'no reload');
      // Only the creator gets edit and delete.
      assert.equal(await row.getByRole('link', { name: /^Edit/ }).count(), 0);
      assert.equal(await row.getByRole('button', { name: /^Delete/ }).count(), 0);
    },
  );

  test(
    'bob opens the board from a toast, draws, breaks a rule, undoes, solves and saves; alice gets a toast',
    STEP,
    async () => {
      const a = alice.page;
      const b = bob.page;
      // The toast of the previous step is still up (toasts last six seconds).
      await b.locator('.toast a', { hasText: 'Sunrise' }).click();
      await b.waitForURL(new RegExp(`#/boards/${boardId}$`));
      await waitForText(b.locator('h1'), 'Sunrise');
      assert.equal(await b.getByRole('link', { name: 'Edit' }).count(), 0, 'bob may not edit alice’s board');

      // Red by dragging the mouse.
      await dragThrough(b, [
        [0, 0],
        [0, 1],
        [0, 2],
      ]);
      assert.equal(await cell(b, 0, 1).getAttribute('data-line'), RED);
      assert.equal(await cell(b, 0, 2).getAttribute('data-line'), RED);
      await waitForText(b.locator('#legend li[data-color="#e6194b"]'), 'connected');

      // Green tries to cross red: refused on the spot, with the cell marked.
      await dragThrough(b, [
        [2, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ]);
      await waitForText(b.locator('#play-message'), 'Paths cannot cross');
      assert.notEqual(await cell(b, 0, 1).getAttribute('data-violation'), null);
      assert.equal(await cell(b, 0, 1).getAttribute('data-line'), RED);
      assert.equal(await cell(b, 1, 1).getAttribute('data-line'), GREEN);

      // Undo a step.
      await b.locator('#undo').click();
      assert.equal(await cell(b, 1, 1).getAttribute('data-line'), null);
      assert.equal(await cell(b, 1, 0).getAttribute('data-line'), GREEN);

      // The keyboard draws from the end of the line: up into red's dot is refused.
      await b.locator('.grid-cells').focus();
      await b.keyboard.press('ArrowUp');
      await waitForText(b.locator('#play-message'), 'cannot enter another colour’s dot');
      assert.notEqual(await cell(b, 0, 0).getAttribute('data-violation'), null);
      await b.keyboard.press('Backspace'); // undo with the keyboard: green is back on its dot
      assert.equal(await cell(b, 1, 0).getAttribute('data-line'), null);
      await b.keyboard.press('ArrowRight');
      await b.keyboard.press('ArrowRight');
      await waitForText(b.locator('#solved'), 'Solved!');
      assert.equal(await b.locator('.grid.solved').count(), 1);

      // Clear a colour, then draw it again with Enter and the arrows.
      await b.getByRole('button', { name: 'Clear green' }).click();
      assert.equal(await cell(b, 2, 1).getAttribute('data-line'), null);
      assert.equal(await b.locator('#solved').textContent(), '');
      await b.locator('.grid-cells').focus();
      await b.keyboard.press('Enter'); // the cursor is still on green's right dot
      await b.keyboard.press('ArrowLeft');
      await b.keyboard.press('ArrowLeft');
      await waitForText(b.locator('#solved'), 'Solved!');

      await a.goto('/#/boards');
      await connState(a, 'connected');
      await b.locator('#save-path').click();
      await waitForText(b.locator('#play-message'), 'Path saved.');
      await waitForText(a.locator('.toast'), 'User bob saved a path on board: Sunrise.', 5000);
    },
  );

  test('bob reloads and sees his saved path', STEP, async () => {
    const b = bob.page;
    await b.reload();
    await waitForText(b.locator('h1'), 'Sunrise');
    await waitForText(b.locator('#solved'), 'Solved!');
    assert.equal(await cell(b, 0, 1).getAttribute('data-line'), RED);
    assert.equal(await cell(b, 2, 1).getAttribute('data-line'), GREEN);
    await waitForText(b.locator('#save-state'), 'All changes saved.');
  });

  test(
    'the server restarts: bob reconnects and is shown the board made while he was away (in Polish)',
    STEP,
    async () => {
      const a = alice.page;
      const b = bob.page;
      await b.goto('/#/boards');
      await b.locator('#lang').selectOption('pl');
      await waitForText(b.locator('h1'), 'Plansze');
      await connState(b, 'connected');

      await server.stop();
      await connState(b, 'reconnecting');
      // Keep bob away until alice's board exists, so that only the replay by
      // Last-Event-ID can bring it to him.
      const sse = (url: URL): boolean => url.pathname.startsWith('/sse/');
      await b.route(sse, (route) => route.abort('connectionrefused'));
      await server.start();

      await a.goto('/#/new');
      await a.locator('#board-name').fill('Night');
      await a.locator('#board-rows').fill('2');
      await a.locator('#board-cols').fill('2');
      await a.locator('#generate').click();
      await cell(a, 0, 0).click();
      await cell(a, 1, 1).click();
      await a.locator('#save').click();
      await a.waitForURL(/#\/boards\/\d+\/edit$/);
      const nightId = Number(/#\/boards\/(\d+)\/edit$/.exec(a.url())?.[1]);

      await b.waitForTimeout(300);
      assert.equal(await b.locator(`tr[data-board-id="${nightId}"]`).count(), 0, 'bob cannot know yet');
      assert.notEqual(await b.locator('#conn').getAttribute('data-state'), 'connected');

      await b.unroute(sse);
      await connState(b, 'connected', 15_000);
      await waitForText(b.locator('.toast'), 'Użytkownik alice utworzył nową planszę: Night.', 5000);
      await waitForText(b.locator(`tr[data-board-id="${nightId}"]`), 'Night', 5000);

      // The panel keeps the recent notifications, newest first.
      await b.locator('#notif-button').click();
      await waitForText(b.locator('#notif-panel li').first(), 'Night');
      await b.locator('#notif-button').click();
      assert.equal(await b.locator('#notif-panel').isHidden(), true);

      // Deleting is live too: alice deletes Night from her list, bob's row goes.
      await a.goto('/#/boards');
      const row = a.locator(`tr[data-board-id="${nightId}"]`);
      await row.getByRole('button', { name: /^Delete/ }).click();
      await row.getByRole('button', { name: 'Yes, delete' }).click();
      await row.waitFor({ state: 'detached' });
      await b.locator(`tr[data-board-id="${nightId}"]`).waitFor({ state: 'detached', timeout: 5000 });
      await b.locator('#lang').selectOption('en');
    },
  );

  test('only the creator sees edit and delete; the "mine" filter', STEP, async () => {
    const a = alice.page;
    const b = bob.page;
    await a.goto('/#/boards');
    const aliceRow = a.locator(`tr[data-board-id="${boardId}"]`);
    await aliceRow.getByRole('link', { name: /^Edit/ }).waitFor();
    await aliceRow.getByRole('button', { name: /^Delete/ }).waitFor();
    await a.goto(`/#/boards/${boardId}`);
    await a.getByRole('link', { name: 'Edit' }).waitFor();

    await b.goto('/#/boards');
    const bobRow = b.locator(`tr[data-board-id="${boardId}"]`);
    await bobRow.waitFor();
    assert.equal(await bobRow.getByRole('link', { name: /^Edit/ }).count(), 0);
    assert.equal(await bobRow.getByRole('button', { name: /^Delete/ }).count(), 0);
    await b.goto(`/#/boards/${boardId}/edit`);
    await waitForText(b.locator('.notice'), 'Only the creator of this board can edit it.');

    await b.goto('/#/boards');
    await b.locator('#mine').check();
    await waitForText(b.locator('#boards-empty'), 'You have not created any boards yet.');
    await b.locator('#mine').uncheck();
    await b.locator(`tr[data-board-id="${boardId}"]`).waitFor();
    await a.goto('/#/boards');
    await a.locator('#mine').check();
    await a.locator(`tr[data-board-id="${boardId}"]`).waitFor();
    await a.locator('#mine').uncheck();

    // A change by the creator reaches bob's list live (boardUpdated).
    await a.goto(`/#/boards/${boardId}/edit`);
    await a.locator('#board-name').fill('Sunrise II');
    await a.locator('#save').click();
    await waitForText(a.locator('#board-status'), 'Board saved.');
    await waitForText(b.locator('.toast'), 'User alice changed the board: Sunrise II.', 5000);
    await waitForText(b.locator(`tr[data-board-id="${boardId}"] .name`), 'Sunrise II', 5000);
  });

  test('an invalid board says what is wrong next to its cause', STEP, async () => {
    const a = alice.page;
    await a.goto('/#/new');
    await a.locator('#board-name').fill('   ');
    await a.locator('#board-rows').fill('3');
    await a.locator('#board-cols').fill('3');
    await a.locator('#generate').click();
    await cell(a, 0, 0).click();
    await a.locator('#save').click();
    await waitForText(a.locator('#board-name-error'), 'Give the board a name.');
    assert.equal(await a.locator('#board-name').getAttribute('aria-invalid'), 'true');

    await a.locator('#board-name').fill('Lonely');
    await a.locator('#save').click();
    // The server names dots[0].color; the app says it in words and marks the cell.
    await waitForText(
      a.locator('#board-dots-error'),
      'The red colour has only one dot; every colour needs exactly two.',
    );
    assert.equal(await a.locator('#board-name-error').textContent(), '');
    assert.equal(await cell(a, 0, 0).getAttribute('aria-invalid'), 'true');
    assert.ok(/#\/new$/.test(a.url()), 'still in the editor');
  });

  test('no errors were thrown in the pages', () => {
    assert.deepEqual(pageErrors, []);
  });
});
