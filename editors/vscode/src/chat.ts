// "Explain Selection" and "Ask a Question": send the code (and the question) to the server's
// explain / chat commands and show the Markdown answer in the answer panel.
import * as vscode from 'vscode';
import { AnswerView } from './answer';
import { SERVER_COMMAND, ServerClient } from './client';
import { reportCommandError } from './errors';

interface MarkdownResult {
    markdown: string;
}

function markdownOf(result: unknown): string {
    if (result && typeof result === 'object' && typeof (result as MarkdownResult).markdown === 'string') {
        return (result as MarkdownResult).markdown;
    }
    if (typeof result === 'string') {
        return result;
    }
    return '_Codestral returned no answer._';
}

async function withProgress<T>(title: string, work: (token: vscode.CancellationToken) => Promise<T>): Promise<T> {
    return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        (_progress, token) => work(token),
    );
}

/** Documents the language client syncs to the server (its document selector). */
function isSynced(document: vscode.TextDocument): boolean {
    return document.uri.scheme === 'file' || document.uri.scheme === 'untitled';
}

function protocolRange(range: vscode.Range): { start: { line: number; character: number }; end: { line: number; character: number } } {
    return {
        start: { line: range.start.line, character: range.start.character },
        end: { line: range.end.line, character: range.end.character },
    };
}

export async function explainSelection(server: ServerClient, answers: AnswerView, output: vscode.LogOutputChannel): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !isSynced(editor.document)) {
        void vscode.window.showWarningMessage('Codestral: open a file and select the code to explain.');
        return;
    }
    const document = editor.document;
    // No selection: explain the whole file, like `codestral-ls explain FILE`.
    const range = editor.selection.isEmpty
        ? new vscode.Range(new vscode.Position(0, 0), document.lineAt(document.lineCount - 1).range.end)
        : editor.selection;
    try {
        const result = await withProgress('Codestral: explaining…', (token) =>
            server.serverCommand<unknown>(
                SERVER_COMMAND.explain,
                [{ uri: server.protocolUri(document.uri), range: protocolRange(range), show: false }],
                token,
            ),
        );
        const name = document.uri.path.split('/').pop() ?? 'selection';
        const lines = range.start.line === range.end.line
            ? `${range.start.line + 1}`
            : `${range.start.line + 1}-${range.end.line + 1}`;
        await answers.show(`Codestral: ${name}:${lines}`, markdownOf(result));
    } catch (error) {
        reportCommandError('explain', error, output);
    }
}

export async function askQuestion(server: ServerClient, answers: AnswerView, output: vscode.LogOutputChannel): Promise<void> {
    const question = await vscode.window.showInputBox({
        title: 'Ask Codestral',
        prompt: 'Your question. The selected code, if any, is sent along with it.',
        placeHolder: 'e.g. How can I make this function faster?',
        ignoreFocusOut: true,
    });
    if (!question || !question.trim()) {
        return;
    }
    const args: Record<string, unknown> = { question: question.trim(), show: false };
    const editor = vscode.window.activeTextEditor;
    if (editor && isSynced(editor.document)) {
        args.uri = server.protocolUri(editor.document.uri);
        if (!editor.selection.isEmpty) {
            args.range = protocolRange(editor.selection);
        }
    }
    try {
        const result = await withProgress('Codestral: thinking…', (token) =>
            server.serverCommand<unknown>(SERVER_COMMAND.chat, [args], token),
        );
        const quoted = question.trim().split('\n').map((line) => `> ${line}`).join('\n');
        await answers.show('Codestral: Answer', `${quoted}\n\n${markdownOf(result)}`);
    } catch (error) {
        reportCommandError('chat', error, output);
    }
}
