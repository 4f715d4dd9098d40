// Unit tests of editors/vscode/src/suggestionUpdates.ts under Node 24 (which strips the types),
// with a stub of the `vscode` module; run by tests/editors/test_vscode_next_on_accept.py.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { commands, Position, textDocument, window } from 'vscode';
import { onSuggestionUpdated } from '../../../editors/vscode/src/suggestionUpdates.ts';
import { TRIGGER } from '../../../editors/vscode/src/nextOnAccept.ts';

const URI = 'file:///a.py';
const uriOf = (document) => document.uri.toString();
const update = (line, character, uri = URI) => ({ textDocument: { uri }, position: { line, character } });

function editorAt(line, character, uri = URI) {
    const active = new Position(line, character);
    window.activeTextEditor = { document: textDocument(uri, 'x = \n'), selection: { active, isEmpty: true } };
}

beforeEach(() => {
    commands.executed.length = 0;
});

test('an update for where the cursor is asks for the suggestion again', () => {
    editorAt(0, 4);
    onSuggestionUpdated(update(0, 4), uriOf);
    assert.deepEqual(commands.executed, [[TRIGGER]]);
});

test('an update for another place, document or a selection asks nothing', () => {
    editorAt(0, 5);
    onSuggestionUpdated(update(0, 4), uriOf);
    editorAt(0, 4, 'file:///b.py');
    onSuggestionUpdated(update(0, 4), uriOf);
    editorAt(0, 4);
    window.activeTextEditor.selection.isEmpty = false;
    onSuggestionUpdated(update(0, 4), uriOf);
    window.activeTextEditor = undefined;
    onSuggestionUpdated(update(0, 4), uriOf);
    assert.deepEqual(commands.executed, []);
});

test('malformed params ask nothing and throw nothing', () => {
    editorAt(0, 4);
    for (const params of [undefined, null, {}, { textDocument: {} }, { position: { line: 0 } }]) {
        onSuggestionUpdated(params, uriOf);
    }
    assert.deepEqual(commands.executed, []);
});
