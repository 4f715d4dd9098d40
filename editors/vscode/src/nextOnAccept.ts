// The next suggestion right after an accept, without VS Code's 50 ms wait.
//
// After an accept, VS Code (1.139, in code-server 4.139.1) asks the providers again with an
// automatic request, and automatic requests wait a fixed 50 ms debounce
// (`InlineCompletionsDebounce`, {min: 50, max: 50}) before the provider is called, although the
// server already holds the answer (it prefetched the continuation while the suggestion was
// shown). Explicit requests (`editor.action.inlineSuggest.trigger`) skip that wait when no other
// request is pending, and VS Code's automatic one for the same place then joins the explicit one.
// `accept()` runs the accepted item's command after its edit and before its own request, and a
// built-in command given without arguments runs there at once (one with arguments goes through
// the extension host first, too late). So each item's command becomes that trigger.
//
// The server's own command on the item counted the accept: it is sent from here instead, when
// the trigger's request arrives with the accepted item whole before the cursor. That request is
// sent to the server as automatic, what it stands for (the server lets invoked requests through
// where it holds automatic ones back).
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient';

export const TRIGGER = 'editor.action.inlineSuggest.trigger';

interface Offered {
    start: vscode.Position;
    text: string;
    command: vscode.Command; // the server's own, sent when the item is accepted
}

export class NextOnAccept {
    private readonly offered = new Map<string, Offered[]>(); // by document URI
    private readonly run: (command: vscode.Command) => Promise<unknown>;

    /** `run`: runs the server's command (no parameter property: Node's type stripping, for
     *  its unit test, does not take them). */
    constructor(run: (command: vscode.Command) => Promise<unknown>) {
        this.run = run;
    }

    readonly middleware: Pick<Middleware, 'provideInlineCompletionItems'> = {
        provideInlineCompletionItems: async (document, position, context, token, next) => {
            const key = document.uri.toString();
            const accepted = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke ? this.accepted(document, position) : undefined;
            if (accepted) {
                this.offered.delete(key);
                void this.run(accepted.command).catch(() => undefined);
            }
            const asked = accepted ? { ...context, triggerKind: vscode.InlineCompletionTriggerKind.Automatic } : context;
            const result = await next(document, position, asked, token);
            const items = Array.isArray(result) ? result : (result?.items ?? []);
            const offered: Offered[] = [];
            for (const item of items) {
                if (item.command && typeof item.insertText === 'string' && item.insertText) {
                    offered.push({ start: item.range?.start ?? position, text: item.insertText, command: item.command });
                    item.command = { title: item.command.title, command: TRIGGER };
                }
            }
            // The ones before stay too: VS Code may still show one after an empty answer.
            this.offered.set(key, [...offered, ...(this.offered.get(key) ?? [])].slice(0, 8));
            return result;
        },
    };

    /** The item lately offered that the document holds whole from its start to `position`. */
    private accepted(document: vscode.TextDocument, position: vscode.Position): Offered | undefined {
        return (this.offered.get(document.uri.toString()) ?? []).find(({ start, text }) => {
            if (start.isAfter(position)) {
                return false;
            }
            return document.getText(new vscode.Range(start, position)).replace(/\r\n/g, '\n') === text;
        });
    }
}
