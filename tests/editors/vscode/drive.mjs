// Drives code-server (a real VS Code) in headless Chromium with playwright-core, for
// tests/editors/test_vscode.py. Usage: node drive.mjs CONFIG.json
//
// CONFIG: {
//   "url":        code-server's base URL, e.g. "http://127.0.0.1:PORT/"
//   "workspace":  folder opened in VS Code
//   "file":       file name inside the workspace to open and type in
//   "typeLines":  lines to type at the end of the file; Enter is pressed between them
//   "ghost":      text the ghost text must contain
//   "explanation": text the Explain Selection panel must contain
//   "question", "answer": typed into Ask a Question, and the text the answer must contain
//   "secretKey":  stored with Codestral: Set API Key; "typeAfterKey": lines typed after that
//   "profile":    a fresh folder for Chromium's profile
//   "out":        folder for screenshots and the page console log
//   "chromium":   path of the Chromium executable
//   "timeoutMs":  overall budget (default 100000)
// }
// Prints one JSON line with the result on stdout; exit 0 on success, 1 on failure.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const started = Date.now();
const budget = config.timeoutMs ?? 100000;
const result = { steps: [], ok: false };
const consoleLines = [];
const consoleLog = path.join(config.out, 'vscode-console.log');
fs.mkdirSync(config.out, { recursive: true });

function step(name) {
    const entry = { name, at: Date.now() - started };
    result.steps.push(entry);
    process.stderr.write(`[drive] ${(entry.at / 1000).toFixed(1)}s ${name}\n`);
}

function remaining(cap) {
    return Math.max(1000, Math.min(cap, budget - (Date.now() - started)));
}

async function waitForConsole(fragment, timeout) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
        if (consoleLines.some((line) => line.includes(fragment))) {
            return;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no page console line containing ${JSON.stringify(fragment)} within ${timeout} ms`);
}

/** The concatenated ghost text currently in the DOM (non-breaking spaces normalised). */
async function ghostText(page) {
    return page.evaluate(() =>
        [...document.querySelectorAll('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text')]
            .map((el) => el.textContent)
            .join('')
            .replace(/\u00a0/g, ' '),
    );
}

/** Text of every frame (webviews are nested iframes), to find the rendered explanation. */
async function frameTexts(page) {
    const texts = [];
    for (const frame of page.frames()) {
        try {
            texts.push(await frame.evaluate(() => (document.body ? document.body.innerText : '')));
        } catch {
            // detached or not ready
        }
    }
    return texts;
}

/** The accessible label of the extension's status bar item ("Codestral: ready", ...). */
async function statusBarLabel(page) {
    return page.evaluate(() => document.querySelector('.statusbar [aria-label^="Codestral: "]')?.getAttribute('aria-label') ?? null);
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

const context = await chromium.launchPersistentContext(config.profile, {
    executablePath: config.chromium ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
    ],
});
let page;
try {
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
        const line = `[${msg.type()}] ${msg.text()}`;
        consoleLines.push(line);
        fs.appendFileSync(consoleLog, line + '\n');
    });
    page.on('pageerror', (err) => fs.appendFileSync(consoleLog, `[pageerror] ${err.message}\n`));

    const url = new URL(config.url);
    url.searchParams.set('folder', config.workspace);
    step('open workbench');
    await page.goto(url.toString(), { waitUntil: 'domcontentloaded', timeout: remaining(30000) });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: remaining(30000) });

    step('wait for the extension client');
    await waitForConsole('codestral: client started', remaining(40000));

    step(`open ${config.file}`);
    await page.keyboard.press('Control+P');
    const quickOpen = page.locator('.quick-input-widget input');
    await quickOpen.waitFor({ state: 'visible', timeout: remaining(10000) });
    await quickOpen.fill(config.file);
    await page
        .locator('.quick-input-widget .monaco-list-row', { hasText: config.file })
        .first()
        .waitFor({ state: 'visible', timeout: remaining(10000) });
    await page.keyboard.press('Enter');
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ state: 'visible', timeout: remaining(10000) });
    await page.locator(`.tab.active[data-resource-name="${config.file}"], .tab.active:has-text("${config.file}")`).first()
        .waitFor({ timeout: remaining(10000) });

    step('type');
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    for (const [i, line] of config.typeLines.entries()) {
        if (i > 0) {
            await page.keyboard.press('Enter');
        }
        await page.keyboard.type(line, { delay: 25 });
    }

    step('wait for ghost text');
    try {
        await page.waitForFunction(
            (expected) =>
                [...document.querySelectorAll('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text')]
                    .map((el) => el.textContent)
                    .join('')
                    .replace(/\u00a0/g, ' ')
                    .includes(expected),
            config.ghost,
            { timeout: remaining(30000), polling: 100 },
        );
    } catch (error) {
        result.ghostSeen = await ghostText(page);
        await page.screenshot({ path: path.join(config.out, 'ghost-text-missing.png') });
        throw new Error(`ghost text ${JSON.stringify(config.ghost)} did not appear (DOM ghost text: ${JSON.stringify(result.ghostSeen)})`);
    }
    result.ghostSeen = await ghostText(page);
    await page.screenshot({ path: path.join(config.out, 'ghost-text.png') });

    step('accept the next word with Ctrl+Right');
    // The extension's keybinding runs VS Code's accept-next-word and reports codestral.partialAccept.
    await page.keyboard.press('Control+ArrowRight');
    const wordDeadline = Date.now() + remaining(5000);
    while ((await ghostText(page)) === result.ghostSeen && Date.now() < wordDeadline) {
        await new Promise((r) => setTimeout(r, 100));
    }
    result.ghostAfterWord = await ghostText(page);
    await page.waitForTimeout(400); // the report goes out after the editor's change event

    step('accept with Tab and save');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+S');
    const file = path.join(config.workspace, config.file);
    const saveDeadline = Date.now() + remaining(10000);
    while (!fs.readFileSync(file, 'utf8').includes(config.ghost)) {
        if (Date.now() > saveDeadline) {
            throw new Error(`${file} does not hold the suggestion after Tab + Ctrl+S`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    result.saved = fs.readFileSync(file, 'utf8');
    await page.screenshot({ path: path.join(config.out, 'accepted.png') });

    if (config.closer) {
        // The server answers `print(x|)` with text that ends in `)` and an item range covering
        // the `)` VS Code auto-closed: accepting must overwrite it, not add a second one.
        step('closer after the cursor');
        const setText = (text) =>
            fetch(`${config.closer.fakeRoot}/_fake/text`, { method: 'POST', body: JSON.stringify({ text }) });
        await setText(config.closer.answer);
        await page.keyboard.press('Control+End');
        await page.keyboard.press('Enter');
        await page.keyboard.type(config.closer.typed, { delay: 25 });
        try {
            await page.waitForFunction(
                (expected) =>
                    [...document.querySelectorAll('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text')]
                        .map((el) => el.textContent)
                        .join('')
                        .replace(/\u00a0/g, ' ')
                        .includes(expected),
                config.closer.ghost,
                { timeout: remaining(30000), polling: 100 },
            );
        } finally {
            result.closerGhostSeen = await ghostText(page);
        }
        await page.screenshot({ path: path.join(config.out, 'closer-ghost-text.png') });
        await page.keyboard.press('Tab');
        await page.keyboard.press('Control+S');
        const closerFile = path.join(config.workspace, config.file);
        const closerDeadline = Date.now() + remaining(10000);
        while (!fs.readFileSync(closerFile, 'utf8').includes(config.closer.expected)) {
            if (Date.now() > closerDeadline) {
                result.closerSaved = fs.readFileSync(closerFile, 'utf8');
                throw new Error(`${closerFile} does not hold ${JSON.stringify(config.closer.expected)}`);
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        result.closerSaved = fs.readFileSync(closerFile, 'utf8');
        await setText(config.ghost);
    }

    step('explain selection');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+A');
    await runCommand(page, 'Codestral: Explain Selection');
    const explainDeadline = Date.now() + remaining(30000);
    for (;;) {
        const texts = await frameTexts(page);
        const hit = texts.find((t) => t.includes(config.explanation));
        if (hit) {
            result.explanationShown = hit.trim().slice(0, 2000);
            break;
        }
        if (Date.now() > explainDeadline) {
            await page.screenshot({ path: path.join(config.out, 'explanation-missing.png') });
            throw new Error(`explanation ${JSON.stringify(config.explanation)} not shown in any frame`);
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    // Let the webview finish painting before the screenshot.
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(config.out, 'explanation.png') });

    step('ask a question');
    await page.keyboard.press('Escape');
    await runCommand(page, 'Codestral: Ask a Question');
    await page.locator('.quick-input-widget', { hasText: 'Ask Codestral' }).waitFor({ state: 'visible', timeout: remaining(10000) });
    await page.keyboard.type(config.question);
    await page.keyboard.press('Enter');
    const askDeadline = Date.now() + remaining(30000);
    for (;;) {
        const hit = (await frameTexts(page)).find((t) => t.includes(config.answer));
        if (hit) {
            result.answerShown = hit.trim().slice(0, 2000);
            break;
        }
        if (Date.now() > askDeadline) {
            throw new Error(`answer ${JSON.stringify(config.answer)} not shown in any frame`);
        }
        await new Promise((r) => setTimeout(r, 200));
    }

    step('show status');
    result.statusBar = await statusBarLabel(page);
    await runCommand(page, 'Codestral: Show Status');
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    await rows.filter({ hasText: 'route' }).first().waitFor({ state: 'visible', timeout: remaining(10000) });
    result.statusRows = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    await page.screenshot({ path: path.join(config.out, 'status.png') });
    await page.keyboard.press('Escape');

    step('inspect last suggestions');
    await runCommand(page, 'Codestral: Inspect Last Suggestions');
    const inspectDeadline = Date.now() + remaining(15000);
    for (;;) {
        const hit = (await frameTexts(page)).find((t) => t.includes('Codestral: last suggestions'));
        if (hit && hit.includes('raw answer')) {
            result.inspectorShown = hit.trim().slice(0, 6000);
            break;
        }
        if (Date.now() > inspectDeadline) {
            await page.screenshot({ path: path.join(config.out, 'inspector-missing.png') });
            throw new Error('the inspector webview did not show the last suggestions');
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    await page.screenshot({ path: path.join(config.out, 'inspector.png') });

    step('set the API key');
    const startsBefore = consoleLines.filter((l) => l.includes('codestral: client started')).length;
    await runCommand(page, 'Codestral: Set API Key');
    await page.locator('.quick-input-widget', { hasText: 'Set Codestral API key' }).waitFor({ state: 'visible', timeout: remaining(10000) });
    await page.keyboard.type(config.secretKey);
    await page.keyboard.press('Enter');
    // Setting a key restarts the client with the key in the server's environment.
    const restartDeadline = Date.now() + remaining(20000);
    while (consoleLines.filter((l) => l.includes('codestral: client started')).length <= startsBefore) {
        if (Date.now() > restartDeadline) {
            throw new Error('the client did not restart after Set API Key');
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    step('ghost text with the stored key');
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    for (const line of config.typeAfterKey) {
        await page.keyboard.press('Enter');
        await page.keyboard.type(line, { delay: 25 });
    }
    await page.waitForFunction(
        (expected) =>
            [...document.querySelectorAll('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text')]
                .map((el) => el.textContent)
                .join('')
                .replace(/\u00a0/g, ' ')
                .includes(expected),
        config.ghost,
        { timeout: remaining(30000), polling: 100 },
    );
    await page.keyboard.press('Escape');

    step('toggle completions off');
    await runCommand(page, 'Codestral: Toggle Inline Completions');
    try {
        await page.waitForFunction(
            () => (document.querySelector('.statusbar [aria-label^="Codestral: "]')?.getAttribute('aria-label') ?? '').includes('completions off'),
            null,
            { timeout: remaining(10000), polling: 100 },
        );
    } finally {
        result.statusBarAfterToggle = await statusBarLabel(page);
    }
    step('done');
    result.ok = true;
} catch (error) {
    result.error = String(error && error.stack ? error.stack : error);
    try {
        if (page) {
            await page.screenshot({ path: path.join(config.out, 'failure.png') });
        }
    } catch {
        // ignore
    }
} finally {
    result.seconds = (Date.now() - started) / 1000;
    result.consoleTail = consoleLines.slice(-30);
    await context.close().catch(() => undefined);
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(result.ok ? 0 : 1);
