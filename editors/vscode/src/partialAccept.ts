// Partial accepts (the next word or line of the ghost text) reported to the server, which
// counts them and follows the accepted text's retention (`codestral.partialAccept`).
//
// VS Code tells an inline completion provider about partial accepts only through a proposed API
// (`handleDidPartiallyAcceptCompletionItem`, inlineCompletionsAdditions), which a published
// extension cannot use, and vscode-languageclient's middleware has no hook for it. So the
// extension binds the accept-next-word/line keys to its own commands, which run VS Code's
// built-in ones and then measure how much of the offered text is now in the document.
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient';

export const PARTIAL_ACCEPT = 'codestral.partialAccept';

interface Offered {
    id: string;
    start: vscode.Position;
    text: string;
    accepted: number; // UTF-16 code units of `text` accepted so far (what the server expects)
}

export class PartialAccepts {
    private readonly offered = new Map<string, Offered>(); // by document URI

    constructor(private readonly send: (id: string, acceptedLength: number) => Promise<unknown>) {}

    /** vscode-languageclient middleware: remembers the first item offered per document. */
    readonly middleware: Pick<Middleware, 'provideInlineCompletionItems'> = {
        provideInlineCompletionItems: async (document, position, context, token, next) => {
            const result = await next(document, position, context, token);
            const items = Array.isArray(result) ? result : (result?.items ?? []);
            const first = items[0];
            const id = (first?.command?.arguments?.[0] as { id?: unknown } | undefined)?.id;
            if (first && typeof id === 'string' && typeof first.insertText === 'string') {
                const start = first.range?.start ?? position;
                this.offered.set(document.uri.toString(), { id, start, text: first.insertText, accepted: 0 });
            }
            return result;
        },
    };

    /** Runs VS Code's accept-next-word/line, then reports what of the suggestion is accepted. */
    async acceptNext(kind: 'Word' | 'Line'): Promise<void> {
        const editor = vscode.window.activeTextEditor;
        const changed = editor ? nextChange(editor.document) : Promise.resolve();
        await vscode.commands.executeCommand(`editor.action.inlineSuggest.acceptNext${kind}`);
        if (!editor) {
            return;
        }
        await changed;
        const offered = this.offered.get(editor.document.uri.toString());
        if (!offered) {
            return;
        }
        const accepted = acceptedLength(editor.document, offered);
        if (accepted > offered.accepted) {
            offered.accepted = accepted;
            await this.send(offered.id, accepted).catch(() => undefined);
        }
    }
}

/** How much of the offered text (from its start) the document now holds. */
function acceptedLength(document: vscode.TextDocument, offered: Offered): number {
    const from = document.offsetAt(offered.start);
    const end = document.positionAt(from + offered.text.length * 2); // room for CRLF line ends
    const here = document.getText(new vscode.Range(offered.start, end)).replace(/\r\n/g, '\n');
    let n = 0;
    while (n < offered.text.length && n < here.length && here[n] === offered.text[n]) {
        n++;
    }
    return n;
}

/** The document's next change (or nothing after 300 ms): the accept's edit reaches the
 *  extension host as an event, not with the command's completion. */
function nextChange(document: vscode.TextDocument): Promise<void> {
    return new Promise((resolve) => {
        const timer = setTimeout(done, 300);
        const listener = vscode.workspace.onDidChangeTextDocument((event) => {
            if (event.document === document) {
                done();
            }
        });
        function done(): void {
            clearTimeout(timer);
            listener.dispose();
            resolve();
        }
    });
}
