// Unit tests of the extension's Python selection (editors/vscode/src/python.ts), run by
// tests/editors/test_vscode.py with Node 24, which strips the TypeScript types itself:
//   node --test tests/editors/vscode/python.test.mjs
// PYTHON_FOR_TEST: a real Python 3.10+ (the test's own interpreter).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { choosePython, isSupported, noPythonMessage, probePython, pythonCandidates } from '../../../editors/vscode/src/python.ts';

/** A prober that answers from a table: {command: [major, minor, micro] | 'missing'}. */
function table(versions) {
    const asked = [];
    const probe = async (c) => {
        asked.push(c.command);
        const v = versions[c.command];
        return v === undefined || v === 'missing' ? { error: 'not found' } : { version: v, executable: `/bin/${c.command}` };
    };
    return { probe, asked };
}

test('the Python extension interpreter comes first when it is 3.10+', async () => {
    const { probe, asked } = table({ '/venv/bin/python': [3, 12, 1], python3: [3, 11, 2] });
    const { found, rejected } = await choosePython(pythonCandidates('linux', '/venv/bin/python'), probe);
    assert.equal(found.command, '/venv/bin/python');
    assert.equal(found.version, '3.12.1');
    assert.match(found.source, /Python extension/);
    assert.deepEqual(asked, ['/venv/bin/python']);
    assert.deepEqual(rejected, []);
});

test('a too old selected interpreter falls back to python3 on PATH', async () => {
    const { probe } = table({ '/old/python': [3, 8, 10], python3: [3, 10, 0] });
    const { found, rejected } = await choosePython(pythonCandidates('linux', '/old/python'), probe);
    assert.equal(found.command, 'python3');
    assert.equal(rejected.length, 1);
    assert.match(rejected[0], /Python 3\.8\.10 is too old/);
});

test('without the Python extension: python3, then python', async () => {
    const { probe, asked } = table({ python3: 'missing', python: [3, 13, 0] });
    const { found } = await choosePython(pythonCandidates('darwin'), probe);
    assert.equal(found.command, 'python');
    assert.deepEqual(asked, ['python3', 'python']);
});

test('Windows tries python, then the py launcher with -3', async () => {
    const candidates = pythonCandidates('win32');
    assert.deepEqual(candidates.map((c) => [c.command, ...c.args].join(' ')), ['python', 'py -3']);
});

test('no Python 3.10+: one message saying what to install, per platform', async () => {
    const { probe } = table({ python3: [3, 9, 2], python: 'missing' });
    const { found, rejected } = await choosePython(pythonCandidates('linux'), probe);
    assert.equal(found, undefined);
    const linux = noPythonMessage('linux', rejected);
    assert.match(linux, /Python 3\.10 or newer/);
    assert.match(linux, /sudo apt install python3/);
    assert.match(linux, /Python 3\.9\.2 is too old/);
    assert.match(linux, /python \(PATH\): not found/);
    assert.match(noPythonMessage('darwin', rejected), /brew install python@3\.12/);
    assert.match(noPythonMessage('win32', rejected), /winget install Python\.Python\.3\.12/);
    for (const platform of ['linux', 'darwin', 'win32']) {
        assert.match(noPythonMessage(platform, rejected), /codestral\.server\.path/);
    }
});

test('isSupported draws the line at 3.10', () => {
    assert.equal(isSupported([3, 9, 18]), false);
    assert.equal(isSupported([3, 10, 0]), true);
    assert.equal(isSupported([4, 0, 0]), true);
    assert.equal(isSupported([2, 7, 18]), false);
});

test('probePython runs the interpreter: a real one, an old one, a missing one', async () => {
    const real = process.env.PYTHON_FOR_TEST;
    assert.ok(real, 'PYTHON_FOR_TEST must name a Python 3.10+');
    const ok = await probePython({ command: real, args: [], source: 'test' });
    assert.ok(ok.version && isSupported(ok.version), JSON.stringify(ok));
    assert.ok(ok.executable);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codestral-python-'));
    const old = path.join(dir, 'python3');
    fs.writeFileSync(old, '#!/bin/sh\necho "3 8 10 /usr/bin/python3.8"\n', { mode: 0o755 });
    const probe = await probePython({ command: old, args: [], source: 'test' });
    assert.deepEqual(probe.version, [3, 8, 10]);
    const { found } = await choosePython([{ command: old, args: [], source: 'PATH' }]);
    assert.equal(found, undefined);

    const missing = await probePython({ command: path.join(dir, 'nope'), args: [], source: 'test' });
    assert.equal(missing.error, 'not found');
    fs.rmSync(dir, { recursive: true });
});
