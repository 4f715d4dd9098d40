// Keystroke-to-ghost-text in real VS Code (code-server in headless Chromium), for
// tests/bench/bench_editor_vscode.py. Usage: node latency.mjs CONFIG.json
//
// CONFIG: { url, workspace, file, profile, out, chromium, timeoutMs,
//           keys: [{text, gap_ms}], accepts }
// Types the keys with their human gaps at the end of the file (a key text holding "\n" is
// Enter + indentation: Enter, then the indentation inserted as text; auto-indent and
// auto-closing are off in the settings so the buffer ends up as typed). In the page, a
// MutationObserver on the editor records every change of the ghost text (the
// `.ghost-text-decoration` on the cursor line + the `.ghost-text` lines below it) and a
// capture-phase keydown listener records each key, both in performance.now(): one clock, no
// mapping between processes. Then accept cycles: Tab on the suggestion shown, and the time
// until the next suggestion is visible at the new cursor.
// Prints one JSON line: {ok, steps: {events, key_times, accepts, typing_end_wall}, error}.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const started = Date.now();
const budget = config.timeoutMs ?? 150000;
const result = { ok: false, steps: {} };
const consoleLines = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function remaining(cap) {
    return Math.max(1000, Math.min(cap, budget - (Date.now() - started)));
}

async function waitForConsole(fragment, timeout) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
        if (consoleLines.some((line) => line.includes(fragment))) {
            return;
        }
        await sleep(100);
    }
    throw new Error(`no page console line containing ${JSON.stringify(fragment)} within ${timeout} ms`);
}

// Runs in the page: the recorder.
function installRecorder() {
    const root = document.querySelector('.editor-instance .monaco-editor');
    const ghost = () => {
        const inline = [...root.querySelectorAll('.ghost-text-decoration, .ghost-text-decoration-preview')]
            .map((el) => el.textContent)
            .join('');
        const lines = [...root.querySelectorAll('.ghost-text .view-line')].map((el) => '\n' + el.textContent);
        const text = (inline + lines.join('')).replace(/\u00a0/g, ' ');
        return text.trim() ? text : null;
    };
    const rec = { events: [], keys: [], last: null };
    const check = () => {
        const t = ghost();
        if (t !== rec.last) {
            rec.events.push([performance.now(), t]);
            rec.last = t;
        }
    };
    new MutationObserver(check).observe(root, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['class'] });
    window.addEventListener('keydown', (e) => rec.keys.push([performance.now(), e.key]), true);
    rec.ghost = ghost;
    window.__latency = rec;
}

const context = await chromium.launchPersistentContext(config.profile, {
    executablePath: config.chromium ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
});
let page;
try {
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
    const url = new URL(config.url);
    url.searchParams.set('folder', config.workspace);
    await page.goto(url.toString(), { waitUntil: 'domcontentloaded', timeout: remaining(30000) });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: remaining(30000) });
    await waitForConsole('codestral: client started', remaining(40000));
    await page.keyboard.press('Control+P');
    const quickOpen = page.locator('.quick-input-widget input');
    await quickOpen.waitFor({ state: 'visible', timeout: remaining(10000) });
    await quickOpen.fill(config.file);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: config.file }).first()
        .waitFor({ state: 'visible', timeout: remaining(10000) });
    await page.keyboard.press('Enter');
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ state: 'visible', timeout: remaining(10000) });
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await sleep(1500); // the server has the document; the first call's connection is warm
    await page.evaluate(installRecorder);

    let next = Date.now();
    for (const key of config.keys) {
        next += key.gap_ms;
        const wait = next - Date.now();
        if (wait > 0) {
            await sleep(wait);
        }
        if (key.text.startsWith('\n')) {
            await page.keyboard.press('Enter');
            if (key.text.length > 1) {
                await page.keyboard.insertText(key.text.slice(1));
            }
        } else {
            await page.keyboard.type(key.text);
        }
    }
    await sleep(1500);
    result.steps.typing_end_wall = Date.now() / 1000;
    const typedKeys = await page.evaluate(() => window.__latency.keys.length);
    if (typedKeys !== config.keys.length) {
        throw new Error(`the page saw ${typedKeys} keys, ${config.keys.length} were typed`);
    }

    // Accept cycles.
    const accepts = [];
    for (let i = 0; i < (config.accepts ?? 0); i++) {
        let shown;
        try {
            await page.waitForFunction(() => window.__latency.ghost() !== null, null, { timeout: 3000, polling: 10 });
            shown = await page.evaluate(() => window.__latency.ghost());
        } catch {
            break; // nothing to accept here
        }
        await sleep(300); // the user reads it
        await page.keyboard.press('Tab');
        const got = await page.evaluate(async (shownText) => {
            const rec = window.__latency;
            const tAccept = rec.keys[rec.keys.length - 1][0];
            const deadline = performance.now() + 3000;
            while (performance.now() < deadline) {
                const hit = rec.events.find((e) => e[0] >= tAccept && e[1] !== null && e[1] !== shownText);
                if (hit) {
                    return { ms: hit[0] - tAccept };
                }
                await new Promise((r) => setTimeout(r, 20));
            }
            return { ms: null };
        }, shown);
        accepts.push({ shown, ms: got.ms });
        if (got.ms === null) {
            break;
        }
    }
    const rec = await page.evaluate(() => ({ events: window.__latency.events, keys: window.__latency.keys }));
    result.steps.events = rec.events;
    result.steps.key_times = rec.keys.slice(0, config.keys.length).map((k) => k[0]);
    result.steps.accepts = accepts;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
    await sleep(500);
    result.steps.text = fs.readFileSync(path.join(config.workspace, config.file), 'utf8');
    result.ok = true;
} catch (error) {
    result.error = String(error && error.stack ? error.stack : error);
    result.consoleTail = consoleLines.slice(-20);
    try {
        await page?.screenshot({ path: path.join(config.out, 'latency-failure.png') });
    } catch {
        // ignore
    }
} finally {
    await context.close().catch(() => undefined);
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(result.ok ? 0 : 1);
