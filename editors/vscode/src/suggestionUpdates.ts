// Ghost text that grows while the answer streams. The extension declares at initialize
// (`initializationOptions.client.suggestionUpdates`) that it asks again when told: the server
// then answers with the complete first lines of a long multi-line answer as soon as they are in,
// and sends `codestral/suggestionUpdated` once the whole suggestion for that place is known.
// Asking again right away (the same explicit trigger as after an accept, nextOnAccept.ts) gets it
// from the server's cache, and VS Code replaces the shorter ghost text with the longer one.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { TRIGGER } from './nextOnAccept';

export const SUGGESTION_UPDATED = 'codestral/suggestionUpdated';

interface Updated {
    textDocument?: { uri?: unknown };
    position?: { line?: unknown; character?: unknown };
}

/** Asks for the inline suggestion again when the update is for where the cursor still is. */
export function onSuggestionUpdated(params: unknown, uriOf: (document: vscode.TextDocument) => string): void {
    const { textDocument, position } = (params ?? {}) as Updated;
    const editor = vscode.window.activeTextEditor;
    if (!editor || !editor.selection.isEmpty || !textDocument || !position) {
        return;
    }
    const cursor = editor.selection.active;
    const here = uriOf(editor.document) === textDocument.uri && cursor.line === position.line && cursor.character === position.character;
    if (here) {
        void vscode.commands.executeCommand(TRIGGER);
    }
}

/** Wires `onSuggestionUpdated` to the client's notifications. */
export function askAgainOnUpdates(client: LanguageClient): void {
    client.onNotification(SUGGESTION_UPDATED, (params: unknown) =>
        onSuggestionUpdated(params, (document) => client.code2ProtocolConverter.asUri(document.uri)),
    );
}
