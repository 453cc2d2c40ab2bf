// Runs the real dots-server on a temporary database and Debian's chromium
// for the browser tests and the screenshot script. Nothing is faked: the
// pages talk to the server over loopback exactly as in production.
//
// DOTS_SERVER: the server binary (default ../build/src/app/dots-server from
// web/); DOTS_WEB_DIR: the built app (default web/dist); CHROMIUM: the browser
// (default /usr/bin/chromium).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** web/: this file sits two levels down, both as source and when bundled. */
export const webDir = fileURLToPath(new URL('../../', import.meta.url));

export const serverBinary = resolve(webDir, process.env.DOTS_SERVER ?? '../build/src/app/dots-server');
export const distDir = resolve(webDir, process.env.DOTS_WEB_DIR ?? 'dist');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** Why the suite cannot run here, or null when it can. */
export function missingPrerequisite(): string | null {
  if (!existsSync(serverBinary)) return `no server binary at ${serverBinary} (set DOTS_SERVER)`;
  if (!existsSync(join(distDir, 'index.html'))) return `no built app at ${distDir} (run npm run build)`;
  if (!existsSync(chromiumPath)) return `no browser at ${chromiumPath} (apt-get install chromium)`;
  return null;
}

export class DotsServer {
  private proc: ChildProcess | null = null;
  private output = '';
  url = '';
  port = 0;

  private constructor(
    private readonly dataDir: string,
    private readonly extraArgs: readonly string[],
  ) {}

  /** A server on a fresh database and a free port, with `extraArgs` (such as
   * `--max-streams 1`) on every start. */
  static async create(extraArgs: readonly string[] = []): Promise<DotsServer> {
    const server = new DotsServer(await mkdtemp(join(tmpdir(), 'dots-web-test-')), extraArgs);
    await server.launch('127.0.0.1:0');
    return server;
  }

  get log(): string {
    return this.output;
  }

  /** Stops the process (SIGTERM, as an operator would) and starts it again
   * on the same database and port, so pages reconnect to the same address. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((done) => proc.once('exit', () => done()));
    this.proc = null;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Starts a stopped server again; the port may take a moment to free up. */
  async start(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await this.launch(`127.0.0.1:${this.port}`);
        return;
      } catch (e) {
        lastError = e;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    throw lastError;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private launch(listen: string): Promise<void> {
    const args = ['--listen', listen, '--db', join(this.dataDir, 'dots.db'), '--web-dir', distDir, ...this.extraArgs];
    const proc = spawn(serverBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    return new Promise((resolveStart, rejectStart) => {
      let stdout = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        rejectStart(
          new Error(`dots-server did not say it was listening within ${START_TIMEOUT_MS} ms\n${this.output}`),
        );
      }, START_TIMEOUT_MS);
      proc.stdout?.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        this.output += text;
        stdout += text;
        const m = /Dots listening on (http:\/\/\S+)/.exec(stdout);
        if (m?.[1]) {
          const url = new URL(m[1]);
          this.url = `${url.origin}/`;
          this.port = Number(url.port);
          clearTimeout(timer);
          resolveStart();
        }
      });
      proc.stderr?.on('data', (chunk: Buffer) => {
        this.output += chunk.toString();
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        rejectStart(new Error(`dots-server exited (${code ?? signal}) before listening\n${this.output}`));
        // A crash in the middle of a test shows up as page timeouts; say
        // what really happened.
        if (this.proc === proc) {
          console.error(`dots-server exited unexpectedly (${code ?? signal}); its output:\n${this.output}`);
        }
      });
      proc.once('error', (e) => {
        clearTimeout(timer);
        rejectStart(e);
      });
    });
  }
}

/** Debian's chromium, headless. Playwright gives every launch a fresh
 * temporary --user-data-dir of its own (it refuses the flag in `args`). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function newUserPage(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    viewport: { ...DESKTOP },
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { context, page };
}

/** Waits until a locator's text contains `text`. */
export async function waitForText(locator: Locator, text: string, timeout = 10_000): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout });
}

export function cell(page: Page, row: number, col: number): Locator {
  return page.locator(`.grid-cells [data-row="${row}"][data-col="${col}"]`);
}

/** Drags with the mouse through the centres of the given cells. */
export async function dragThrough(page: Page, cells: readonly (readonly [number, number])[]): Promise<void> {
  const centres = [];
  for (const [r, c] of cells) {
    const box = await cell(page, r, c).boundingBox();
    if (!box) throw new Error(`cell ${r},${c} is not on screen`);
    centres.push({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
  }
  const [first, ...rest] = centres;
  if (!first) return;
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (const p of rest) await page.mouse.move(p.x, p.y, { steps: 4 });
  await page.mouse.up();
}

export async function signUp(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/#/signup');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('form button[type="submit"]').click();
  await waitForText(page.locator('[data-testid="current-user"]'), username);
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/#/signin');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('form button[type="submit"]').click();
  await waitForText(page.locator('[data-testid="current-user"]'), username);
}

export async function connState(page: Page, state: string, timeout = 10_000): Promise<void> {
  await page.locator(`#conn[data-state="${state}"]`).waitFor({ timeout });
}

/** Widths the app is checked at: a desktop window and a phone. */
export const DESKTOP = { width: 1280, height: 860 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/**
 * Runs the axe-core audit on the page as it is and returns the serious and
 * critical violations, one line each with the elements at fault (empty when
 * there are none).
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axe.source });
  return page.evaluate(async () => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    const result = await run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** Whether two boxes on screen share any area. */
export function intersects(
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Creates a board through the API with the page's session cookie. */
export async function createBoardVia(
  page: Page,
  draft: { name: string; rows: number; cols: number; dots: { row: number; col: number; color: string }[] },
): Promise<number> {
  return page.evaluate(async (body) => {
    const res = await fetch('/api/boards', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST /api/boards: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: number }).id;
  }, draft);
}
