// Keystroke-to-ghost-text in real VS Code (code-server in headless Chromium), for
// tests/bench/bench_editor_vscode.py. Usage: node latency.mjs CONFIG.json
//
// CONFIG: { url, workspace, file, profile, out, chromium, timeoutMs,
//           keys: [{text, gap_ms}], accepts, acceptFiles: [{file, target, from}], wordAccepts }
// Types the keys with their human gaps at the end of the file (a key text holding "\n" is
// Enter + indentation: Enter, then the indentation inserted as text; auto-indent and
// auto-closing are off in the settings so the buffer ends up as typed). In the page, a
// MutationObserver on the editor records every change of the ghost text (the
// `.ghost-text-decoration` on the cursor line + the lines below it, `.suggest-preview-text
// .view-line` in a view zone) and a
// capture-phase keydown listener records each key, both in performance.now(): one clock, no
// mapping between processes. Then accept cycles: Tab on the suggestion shown, and the time
// until the next suggestion is visible at the new cursor (`accepts` of them, typing on through
// the true code, `target`, where nothing is shown).
// Prints one JSON line: {ok, steps: {events, key_times, accepts, typing_end_wall, text}, error}.
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

// Runs in the page: the recorder, on the editor shown now (again after opening another file,
// which may be shown in a new editor widget: the same record goes on).
function installRecorder() {
    const root = document.querySelector('.editor-instance .monaco-editor');
    const ghost = () => {
        const inline = [...root.querySelectorAll('.ghost-text-decoration, .ghost-text-decoration-preview')]
            .map((el) => el.textContent)
            .join('');
        const lines = [...root.querySelectorAll('.suggest-preview-text .view-line')].map((el) => '\n' + el.textContent);
        const text = (inline + lines.join('')).replace(/\u00a0/g, ' ');
        return text.trim() ? text : null;
    };
    const rec = window.__latency ?? { events: [], keys: [], last: null };
    const check = () => {
        const t = ghost();
        if (t !== rec.last) {
            rec.events.push([performance.now(), t]);
            rec.last = t;
        }
    };
    rec.observer?.disconnect();
    rec.observer = new MutationObserver(check);
    rec.observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['class'] });
    if (!window.__latency) {
        window.addEventListener('keydown', (e) => rec.keys.push([performance.now(), e.key]), true);
    }
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
    const openAtEnd = async (name) => {
        await page.keyboard.press('Control+P');
        const quickOpen = page.locator('.quick-input-widget input');
        await quickOpen.waitFor({ state: 'visible', timeout: remaining(10000) });
        await quickOpen.fill(name);
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first()
            .waitFor({ state: 'visible', timeout: remaining(10000) });
        await page.keyboard.press('Enter');
        await page.locator(`.tab.active[aria-label^="${name}"]`).waitFor({ state: 'visible', timeout: remaining(10000) });
        const editor = page.locator('.editor-instance .monaco-editor').first();
        await editor.waitFor({ state: 'visible', timeout: remaining(10000) });
        await editor.locator('.view-lines').click();
        await page.keyboard.press('Control+End');
    };
    await openAtEnd(config.file);
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

    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
    await sleep(500);
    result.steps.text = fs.readFileSync(path.join(config.workspace, config.file), 'utf8');

    // Accept cycles, in other files holding the start of real code (`acceptFiles`: each
    // {file, target, from}, the true code up to `from`): Tab on the suggestion shown (after
    // 300 ms of reading it), then the time from the Tab's keydown to the next suggestion in the
    // DOM, with no other key. Where none comes (the server's answer there is empty), the typist
    // types on (the next line break and indentation, or word, of the true code) until a
    // suggestion shows, and the cycles go on, `accepts` in each file or to its end.
    const accepts = [];
    const visibleGhost = async (timeout) => {
        try {
            await page.waitForFunction(() => window.__latency.ghost() !== null, null, { timeout, polling: 10 });
            return await page.evaluate(() => window.__latency.ghost());
        } catch {
            return null;
        }
    };
    for (const { file: name, target, from } of config.acceptFiles ?? []) {
        await openAtEnd(name);
        await page.evaluate(installRecorder);
        await sleep(1000); // the server has the document
        const file = path.join(config.workspace, name);
        let pos = from; // where the buffer ends in `target`
        let lastSaved = fs.readFileSync(file, 'utf8');
        const savedText = async () => {
            await page.keyboard.press('Control+S');
            const deadline = Date.now() + 2000;
            let text = lastSaved;
            let previous = null;
            // Changed, and the same twice in a row (not read in the middle of the write).
            while ((text === lastSaved || text !== previous) && Date.now() < deadline) {
                await sleep(20);
                previous = text;
                text = fs.readFileSync(file, 'utf8');
            }
            lastSaved = text;
            return text;
        };
        let done = 0;
        let typedOn = 0;
        let waitMs = 1500;
        let typeOn = false;
        while (done < (config.accepts ?? 0) && typedOn < 40) {
            const shown = typeOn ? null : await visibleGhost(waitMs);
            waitMs = 1500;
            if (typeOn || shown === null || !target.startsWith(shown, pos)) {
                typeOn = false;
                // Nothing (or not the true code) to accept here: type the next key of the code.
                const rest = target.slice(pos);
                if (!rest.trim()) {
                    break;
                }
                await page.keyboard.press('Escape');
                const key = rest.match(/^\n[ \t]*|^\s*[\w.]+|^[^\w\s]+|^\s+/)[0];
                if (key.startsWith('\n')) {
                    await page.keyboard.press('Enter');
                    if (key.length > 1) {
                        await page.keyboard.insertText(key.slice(1));
                    }
                } else {
                    await page.keyboard.type(key);
                }
                pos += key.length;
                typedOn++;
                continue;
            }
            await sleep(300); // the user reads it
            let before = shown;
            for (let w = 0; w < (config.wordAccepts ?? 0) && /\s\S/.test(before.trim()); w++) {
                // Accept the next word (the extension's Ctrl+Right): the rest stays shown.
                await page.keyboard.press('Control+ArrowRight');
                const rest = await page.waitForFunction((b) => {
                    const g = window.__latency.ghost();
                    return g !== null && g !== b && b.endsWith(g) ? g : null;
                }, before, { timeout: 1500, polling: 10 }).then((h) => h.jsonValue()).catch(() => null);
                if (rest === null) {
                    throw new Error(`after accepting a word of ${JSON.stringify(before)}, its rest was not shown`);
                }
                before = rest;
            }
            await page.keyboard.press('Tab');
            const got = await page.evaluate(async (shownText) => {
                const rec = window.__latency;
                const tAccept = rec.keys[rec.keys.length - 1][0];
                const deadline = performance.now() + 1500;
                while (performance.now() < deadline) {
                    // The next suggestion: not a part of the accepted one (VS Code removes its
                    // inline part and its lines in separate steps).
                    const hit = rec.events.find((e) => e[0] >= tAccept && e[1] !== null && !shownText.includes(e[1]));
                    if (hit) {
                        return { ms: hit[0] - tAccept, text: hit[1], tab: tAccept };
                    }
                    await new Promise((r) => setTimeout(r, 20));
                }
                return { ms: null };
            }, before);
            // What the Tab accepted (the DOM shows only the ghost lines inside the viewport):
            // the buffer, saved.
            let text = await savedText();
            if (target.startsWith(text) && text.length <= pos) {
                // Tab left the buffer as it was (seen twice in a run of the 350 ms baseline,
                // `why` says what the page showed then): not an accept; type on.
                const why = await page.evaluate(() => ({
                    active: document.activeElement?.className ?? null,
                    zones: [...document.querySelectorAll('.suggest-preview-text')].map((e) => [e.isConnected, e.offsetParent !== null, e.textContent.slice(0, 30)]),
                    inline: [...document.querySelectorAll('.ghost-text-decoration')].length,
                }));
                accepts.push({ file: name, shown, ms: null, pos, rest: target.slice(pos, pos + 60), next: null, noAccept: true, why });
                typeOn = true;
                continue;
            }
            if (!target.startsWith(text) || text.length <= pos) {
                let at = 0;
                while (at < text.length && text[at] === target[at]) {
                    at++;
                }
                const around = (t) => JSON.stringify(t.slice(Math.max(0, at - 60), at + 40));
                throw new Error(`accept ${done + 1} in ${name} left the buffer off the true code at ${at} (accepted from ${pos}, shown ${JSON.stringify(before)}): ${around(text)} instead of ${around(target)}; ${text.length} chars`);
            }
            pos = text.length;
            done++;
            if (got.ms === null) {
                waitMs = 100; // nothing came: type on
            }
            accepts.push({ file: name, shown, ms: got.ms, tab: got.tab, pos, rest: target.slice(pos, pos + 60), next: got.text ?? null });
        }
    }
    const rec = await page.evaluate(() => ({ events: window.__latency.events, keys: window.__latency.keys }));
    result.steps.events = rec.events;
    result.steps.key_times = rec.keys.slice(0, config.keys.length).map((k) => k[0]);
    result.steps.accepts = accepts;
    result.steps.time_origin = await page.evaluate(() => performance.timeOrigin); // page clock to epoch ms
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
