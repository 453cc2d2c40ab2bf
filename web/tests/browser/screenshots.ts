// Takes the screenshots in docs/screenshots/ with the same headless chromium
// and the real server as the browser tests: the board list, the editor, the
// play view, a toast over the list and over the editor and a sign-in error
// in Polish at desktop width (boards.png, …), the same and the open
// notifications panel at phone width (boards-phone.png, …). Run with
// `npm run screenshots` from web/.

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';

import {
  createBoardVia,
  DESKTOP,
  DotsServer,
  PHONE,
  cell,
  connState,
  dragThrough,
  launchChromium,
  missingPrerequisite,
  newUserPage,
  signUp,
  waitForText,
  webDir,
} from './harness';

const out = resolve(webDir, '../docs/screenshots');
const PASSWORD = 'correct horse battery';

interface Draft {
  name: string;
  rows: number;
  cols: number;
  dots: { row: number; col: number; color: string }[];
}

function pairs(...list: [string, [number, number], [number, number]][]): Draft['dots'] {
  return list.flatMap(([color, a, b]) => [
    { row: a[0], col: a[1], color },
    { row: b[0], col: b[1], color },
  ]);
}

const BOARDS: Draft[] = [
  {
    name: 'Plansza testowa',
    rows: 5,
    cols: 5,
    dots: pairs(
      ['#e6194b', [0, 0], [4, 1]],
      ['#3cb44b', [0, 2], [3, 1]],
      ['#4363d8', [0, 4], [3, 3]],
      ['#ffe119', [1, 2], [4, 4]],
    ),
  },
  {
    name: 'Morning warm-up',
    rows: 6,
    cols: 6,
    dots: pairs(
      ['#e6194b', [0, 0], [5, 5]],
      ['#3cb44b', [0, 5], [2, 2]],
      ['#4363d8', [1, 1], [4, 4]],
      ['#f58231', [3, 0], [5, 2]],
      ['#911eb4', [1, 4], [3, 3]],
    ),
  },
  {
    name: 'Corner case',
    rows: 4,
    cols: 7,
    dots: pairs(['#42d4f4', [0, 0], [3, 6]], ['#f032e6', [0, 6], [3, 0]], ['#bfef45', [1, 2], [2, 4]]),
  },
];

/** Toasts from setting the scene would hide part of the page; only the toast
 * screenshot is about them. */
async function clearToasts(page: Page): Promise<void> {
  await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
}

/** Bob's lines on "Plansza testowa": three colours joined, yellow not yet. */
async function drawPlay(b: Page): Promise<void> {
  await dragThrough(b, [
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 0],
    [4, 0],
    [4, 1],
  ]);
  await dragThrough(b, [
    [0, 2],
    [0, 3],
    [1, 3],
    [2, 3],
    [2, 2],
    [2, 1],
    [3, 1],
  ]);
  await dragThrough(b, [
    [0, 4],
    [1, 4],
    [2, 4],
    [3, 4],
    [3, 3],
  ]);
  await dragThrough(b, [
    [1, 2],
    [1, 1],
    [2, 1],
  ]);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(out, `${name}.png`) });
  console.log(`docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  const missing = missingPrerequisite();
  if (missing) throw new Error(missing);
  await mkdir(out, { recursive: true });
  const server = await DotsServer.create();
  const browser = await launchChromium();
  try {
    const alice = await newUserPage(browser, server.url);
    const bob = await newUserPage(browser, server.url);
    await signUp(alice.page, 'autorX', PASSWORD);
    await signUp(bob.page, 'graczY', PASSWORD);
    const ids: number[] = [];
    for (const draft of BOARDS.slice(0, 2)) ids.push(await createBoardVia(alice.page, draft));
    const [first = 0, second = 0] = ids;
    ids.push(await createBoardVia(bob.page, BOARDS[2] as Draft));

    const a = alice.page;
    const b = bob.page;
    // The scenes leave drawings unsaved on purpose: leaving them is fine.
    for (const p of [a, b]) p.on('dialog', (d) => void d.accept());

    const sizes = [
      ['', DESKTOP, 'Nowa Plansza'],
      ['-phone', PHONE, 'Wieczorna'],
    ] as const;
    for (const [suffix, size, toastBoard] of sizes) {
      await a.setViewportSize(size);
      await b.setViewportSize(size);

      await b.goto('/#/boards');
      await connState(b, 'connected');
      await b.locator(`tr[data-board-id="${first}"]`).waitFor();
      await clearToasts(b);
      await shot(b, `boards${suffix}`);

      await a.goto(`/#/boards/${second}/edit`);
      await a.locator('#board-name').waitFor();
      await a.locator('#color-42d4f4').check();
      await cell(a, 5, 0).click();
      await a.locator('#board-name').focus();
      await a.evaluate(() => window.scrollTo(0, 0));
      await clearToasts(a);
      await shot(a, `editor${suffix}`);
      await cell(a, 5, 0).click(); // take the dot off again for the next size

      await b.goto(`/#/boards/${first}`);
      await waitForText(b.locator('h1'), 'Plansza testowa');
      await drawPlay(b);
      await b.evaluate(() => window.scrollTo(0, 0));
      await clearToasts(b);
      await shot(b, `play${suffix}`);

      await b.goto('/#/boards');
      await connState(b, 'connected');
      await clearToasts(b);
      await createBoardVia(a, { name: toastBoard, rows: 3, cols: 3, dots: pairs(['#e6194b', [0, 0], [2, 2]]) });
      await waitForText(b.locator('.toast'), `created a new board: ${toastBoard}.`);
      await b.waitForTimeout(400);
      await shot(b, `toast${suffix}`);

      // A toast over the editor stays clear of the grid and the buttons.
      await a.goto(`/#/boards/${second}/edit`);
      await a.locator('#delete').waitFor();
      await connState(a, 'connected');
      await a.locator('#delete').scrollIntoViewIfNeeded();
      await clearToasts(a);
      await createBoardVia(b, { name: `${toastBoard} 2`, rows: 3, cols: 3, dots: pairs(['#4363d8', [0, 0], [2, 2]]) });
      await waitForText(a.locator('.toast'), `created a new board: ${toastBoard} 2.`);
      await a.waitForTimeout(400);
      await shot(a, `toast-editor${suffix}`);

      // A mistake, in Polish: the wrong password is called that.
      const guest = await newUserPage(browser, server.url);
      await guest.page.setViewportSize(size);
      await guest.page.goto('/#/signin');
      await guest.page.locator('#lang').selectOption('pl');
      await guest.page.locator('#username').fill('graczY');
      await guest.page.locator('#password').fill('nie to hasło');
      await guest.page.locator('form button[type="submit"]').click();
      await waitForText(guest.page.locator('#form-error'), 'Nieprawidłowa nazwa użytkownika lub hasło.');
      await shot(guest.page, `signin-error-pl${suffix}`);
      await guest.context.close();

      if (suffix === '-phone') {
        await clearToasts(b);
        await b.locator('#notif-button').click();
        await b.locator('#notif-panel li').first().waitFor();
        await shot(b, `notifications${suffix}`);
        await b.locator('#notif-button').click();
      }
    }
  } finally {
    await browser.close();
    await server.dispose();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
