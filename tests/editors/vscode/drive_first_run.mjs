// Drives code-server in headless Chromium through what a new user meets, for
// tests/editors/test_vscode.py. Usage: node drive_first_run.mjs CONFIG.json
//
// CONFIG: {
//   "scenario":  "fresh" (no key yet: the key prompt, Set API Key, ghost text, Check Setup) or
//                "cannot-start" (no Python 3.10+, then a server that cannot start, then Restart)
//   "url", "workspace", "file", "profile", "out", "chromium", "timeoutMs": as for drive.mjs
//   fresh:        "typeLines", "ghost", "secretKey"
//   cannot-start: "machineSettings" (file to rewrite), "serverPath" (a server that cannot
//                 start), "spawnCount" (file the wrapper appends one line to per start)
// }
// Prints one JSON line with the result on stdout; exit 0 on success, 1 on failure.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const started = Date.now();
const budget = config.timeoutMs ?? 100000;
const result = { steps: [], ok: false, scenario: config.scenario };
const consoleLines = [];
const consoleLog = path.join(config.out, `vscode-console-${config.scenario}.log`);
fs.mkdirSync(config.out, { recursive: true });
fs.writeFileSync(consoleLog, '');

function step(name) {
    const entry = { name, at: Date.now() - started, epochMs: Date.now() };
    result.steps.push(entry);
    process.stderr.write(`[drive] ${(entry.at / 1000).toFixed(1)}s ${name}\n`);
}

function remaining(cap) {
    return Math.max(1000, Math.min(cap, budget - (Date.now() - started)));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function consoleCount(fragment) {
    return consoleLines.filter((line) => line.includes(fragment)).length;
}

async function waitFor(what, predicate, timeout) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
        if (await predicate()) {
            return;
        }
        await sleep(100);
    }
    throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
}

/** The text of every notification toast on screen. */
async function toasts(page) {
    return page.evaluate(() =>
        [...document.querySelectorAll('.notifications-toasts .notification-toast')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => el.innerText.replace(/\s+/g, ' ').trim()),
    );
}

async function runCommand(page, title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 10000 });
    await page.keyboard.press('Enter');
}

async function ghostText(page) {
    return page.evaluate(() =>
        [...document.querySelectorAll('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text')]
            .map((el) => el.textContent)
            .join('')
            .replace(/\u00a0/g, ' '),
    );
}

async function openFile(page, file) {
    await page.keyboard.press('Control+P');
    const quickOpen = page.locator('.quick-input-widget input');
    await quickOpen.waitFor({ state: 'visible', timeout: remaining(10000) });
    await quickOpen.fill(file);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: file }).first().waitFor({ state: 'visible', timeout: remaining(10000) });
    await page.keyboard.press('Enter');
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ state: 'visible', timeout: remaining(10000) });
    await page.locator(`.tab.active[data-resource-name="${file}"]`).first().waitFor({ timeout: remaining(10000) });
    return editor;
}

function spawns() {
    return fs.existsSync(config.spawnCount) ? fs.readFileSync(config.spawnCount, 'utf8').split('\n').filter(Boolean).length : 0;
}

async function fresh(page) {
    step('wait for the key prompt');
    await waitFor('a notification asking for the key with a "Set API Key" button', async () =>
        (await toasts(page)).some((t) => t.includes('no Codestral API key') && t.includes('Set API Key')), remaining(40000));
    result.keyPrompt = (await toasts(page)).find((t) => t.includes('no Codestral API key'));
    await page.screenshot({ path: path.join(config.out, 'first-run-key-prompt.png') });

    step('set the key through the command palette');
    const startsBefore = consoleCount('codestral: client started');
    await runCommand(page, 'Codestral: Set API Key');
    await page.locator('.quick-input-widget', { hasText: 'Set Codestral API key' }).waitFor({ state: 'visible', timeout: remaining(10000) });
    await page.keyboard.type(config.secretKey);
    await page.keyboard.press('Enter');
    await waitFor('the client to restart with the key', async () => consoleCount('codestral: client started') > startsBefore, remaining(20000));
    step('key prompt gone');
    await waitFor('the key prompt to leave the screen', async () => !(await toasts(page)).some((t) => t.includes('no Codestral API key')), remaining(10000));

    step(`open ${config.file} and type`);
    const editor = await openFile(page, config.file);
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    for (const [i, line] of config.typeLines.entries()) {
        if (i > 0) {
            await page.keyboard.press('Enter');
        }
        await page.keyboard.type(line, { delay: 25 });
    }
    try {
        await waitFor('ghost text', async () => (await ghostText(page)).includes(config.ghost), remaining(30000));
    } catch (error) {
        result.ghostSeen = await ghostText(page);
        await page.screenshot({ path: path.join(config.out, 'first-run-ghost-missing.png') });
        throw error;
    }
    step('ghost text shown');
    result.ghostAtEpochMs = Date.now();
    await page.screenshot({ path: path.join(config.out, 'first-run-ghost-text.png') });
    result.toastsWithGhost = await toasts(page);

    step('accept with Tab and save');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+S');
    const file = path.join(config.workspace, config.file);
    await waitFor('the accepted suggestion on disk', async () => fs.readFileSync(file, 'utf8').includes(config.ghost), remaining(10000));
    result.saved = fs.readFileSync(file, 'utf8');

    step('check setup');
    await page.keyboard.press('Escape');
    await runCommand(page, 'Codestral: Check Setup');
    await waitFor('the Check Setup result', async () => (await toasts(page)).some((t) => t.includes('Codestral works')), remaining(30000));
    result.checkSetup = (await toasts(page)).find((t) => t.includes('Codestral works'));
    await page.screenshot({ path: path.join(config.out, 'first-run-check-setup.png') });
}

async function cannotStart(page) {
    step('no Python 3.10+: one message');
    await waitFor('the "needs Python 3.10" message', async () => (await toasts(page)).some((t) => t.includes('needs Python 3.10 or newer')), remaining(40000));
    await sleep(3000);
    result.noPython = (await toasts(page)).filter((t) => t.includes('Python 3.10'));
    result.noPythonConsole = consoleCount('codestral: server cannot start');
    await page.screenshot({ path: path.join(config.out, 'cannot-start-no-python.png') });
    // Dismiss it, as a user would, so the next message is seen on its own.
    await page.locator('.notifications-toasts .notification-toast .codicon-notifications-clear').first().click().catch(() => undefined);

    step('a server path that cannot start (the user changes a setting)');
    const settings = JSON.parse(fs.readFileSync(config.machineSettings, 'utf8'));
    settings['codestral.server.path'] = config.serverPath;
    fs.writeFileSync(config.machineSettings, JSON.stringify(settings, null, 2));
    await waitFor('the "cannot start" message', async () => (await toasts(page)).some((t) => t.includes('cannot start')), remaining(30000));
    step('wait: no retry loop');
    await sleep(5000);
    result.spawnsAfterFailure = spawns();
    result.failureToasts = await toasts(page);
    await page.screenshot({ path: path.join(config.out, 'cannot-start.png') });

    step('Restart Server retries once');
    await runCommand(page, 'Codestral: Restart Server');
    await waitFor('a second start', async () => spawns() >= 2, remaining(15000));
    await sleep(4000);
    result.spawnsAfterRestart = spawns();
    result.toastsAfterRestart = await toasts(page);
    result.cannotStartConsole = consoleCount('codestral: server cannot start');
}

const context = await chromium.launchPersistentContext(config.profile, {
    executablePath: config.chromium ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let page;
try {
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
        const line = `[${msg.type()}] ${msg.text()}`;
        consoleLines.push(line);
        fs.appendFileSync(consoleLog, line + '\n');
    });
    const url = new URL(config.url);
    url.searchParams.set('folder', config.workspace);
    step('open workbench');
    await page.goto(url.toString(), { waitUntil: 'domcontentloaded', timeout: remaining(30000) });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: remaining(30000) });
    await (config.scenario === 'fresh' ? fresh(page) : cannotStart(page));
    step('done');
    result.ok = true;
} catch (error) {
    result.error = String(error && error.stack ? error.stack : error);
    try {
        result.toastsAtFailure = page ? await toasts(page) : [];
        if (page) {
            await page.screenshot({ path: path.join(config.out, `first-run-${config.scenario}-failure.png`) });
        }
    } catch {
        // ignore
    }
} finally {
    result.seconds = (Date.now() - started) / 1000;
    result.consoleTail = consoleLines.filter((l) => l.includes('codestral')).slice(-20);
    await context.close().catch(() => undefined);
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(result.ok ? 0 : 1);
