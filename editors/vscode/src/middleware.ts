// What the extension changes in the language client's completion traffic.
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient';
import { NextOnAccept } from './nextOnAccept';
import { PartialAccepts } from './partialAccept';

export function completionMiddleware(partial: PartialAccepts, next: NextOnAccept): Middleware {
    return {
        // The server also offers its suggestion as a completion item, for editors
        // without inline completion. VS Code shows it as ghost text already: do not
        // ask again for the suggest widget (a duplicate, and an upstream request).
        provideCompletionItem: (document, position, context, token, next) => {
            const inline = vscode.workspace.getConfiguration('editor', document).get<boolean>('inlineSuggest.enabled', true);
            return inline ? undefined : next(document, position, context, token);
        },
        // Inline items offered: remembered so that partial accepts can be reported (inside,
        // seeing the server's items as sent), and with the next suggestion asked at once on
        // an accept (outside).
        provideInlineCompletionItems: (document, position, context, token, ask) =>
            next.middleware.provideInlineCompletionItems!(document, position, context, token, (d, p, c, t) =>
                partial.middleware.provideInlineCompletionItems!(d, p, c, t, ask),
            ),
    };
}
