// Unit tests of editors/vscode/src/nextOnAccept.ts under Node 24 (which strips the types), with
// a stub of the `vscode` module; run by tests/editors/test_vscode_next_on_accept.py:
//   node --import ./tests/editors/vscode/stub/register.mjs --test tests/editors/vscode/nextOnAccept.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InlineCompletionTriggerKind, Position, textDocument } from 'vscode';
import { NextOnAccept, TRIGGER } from '../../../editors/vscode/src/nextOnAccept.ts';

const serverCommand = (id) => ({ title: 'Accept', command: 'codestral.acceptCompletion', arguments: [{ id }] });

function setup(answers) {
    const sent = [];
    const asked = [];
    const next = new NextOnAccept(async (command) => sent.push(command));
    const provide = (doc, position, triggerKind) => {
        const ask = async (_d, _p, context) => {
            asked.push(context.triggerKind);
            return { items: answers.shift() ?? [] };
        };
        return next.middleware.provideInlineCompletionItems(doc, position, { triggerKind }, undefined, ask);
    };
    return { sent, asked, provide };
}

test('each item runs VS Code\'s trigger, without arguments, on its accept', async () => {
    const { provide, sent } = setup([[{ insertText: 'b + 1', range: undefined, command: serverCommand('c1') }]]);
    const got = await provide(textDocument('file:///a.py', 'x = '), new Position(0, 4), InlineCompletionTriggerKind.Automatic);
    assert.deepEqual(got.items[0].command, { title: 'Accept', command: TRIGGER });
    assert.equal(TRIGGER, 'editor.action.inlineSuggest.trigger');
    assert.deepEqual(sent, []);
});

test('the request the trigger makes counts the accept and goes to the server as automatic', async () => {
    const { provide, sent, asked } = setup([[{ insertText: 'b + 1', command: serverCommand('c1') }], []]);
    await provide(textDocument('file:///a.py', 'x = '), new Position(0, 4), InlineCompletionTriggerKind.Automatic);
    // Accepted: the document holds the item whole; the trigger asks (invoked) at its end.
    await provide(textDocument('file:///a.py', 'x = b + 1'), new Position(0, 9), InlineCompletionTriggerKind.Invoke);
    assert.deepEqual(sent, [serverCommand('c1')]);
    assert.deepEqual(asked, [InlineCompletionTriggerKind.Automatic, InlineCompletionTriggerKind.Automatic]);
});

test('a multi-line item over typed text, accepted, counts once', async () => {
    // The item's range starts before the cursor: it replaces the `f` typed.
    const { provide, sent } = setup([[{ insertText: 'f():\n    pass', range: { start: new Position(0, 4) }, command: serverCommand('c2') }], [], []]);
    await provide(textDocument('file:///b.py', 'def f'), new Position(0, 5), InlineCompletionTriggerKind.Automatic);
    const doc = textDocument('file:///b.py', 'def f():\n    pass');
    await provide(doc, new Position(1, 8), InlineCompletionTriggerKind.Invoke);
    await provide(doc, new Position(1, 8), InlineCompletionTriggerKind.Invoke);
    assert.deepEqual(sent, [serverCommand('c2')]);
});

test('an invoked request that is no accept stays invoked and counts nothing', async () => {
    const { provide, sent, asked } = setup([[{ insertText: 'b + 1', command: serverCommand('c1') }], []]);
    await provide(textDocument('file:///a.py', 'x = '), new Position(0, 4), InlineCompletionTriggerKind.Automatic);
    await provide(textDocument('file:///a.py', 'x = b'), new Position(0, 5), InlineCompletionTriggerKind.Invoke);
    assert.deepEqual(sent, []);
    assert.deepEqual(asked, [InlineCompletionTriggerKind.Automatic, InlineCompletionTriggerKind.Invoke]);
});
