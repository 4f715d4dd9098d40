// How failures are described to the user: one readable line for any thrown value, and the
// error message (with "Show Log") for a command that failed.
import * as vscode from 'vscode';

/** The message of an Error, a JSON-RPC error or anything else thrown. */
export function describe(error: unknown): string {
    if (error instanceof Error) {
        return error.message;
    }
    if (error && typeof error === 'object' && 'message' in error) {
        return String((error as { message: unknown }).message);
    }
    return String(error);
}

/** A cancelled command (by the user, or LSP's RequestCancelled -32800) is no failure. */
function isCancellation(error: unknown): boolean {
    return error instanceof vscode.CancellationError || (error as { code?: number })?.code === -32800;
}

/** Logs a failed command and tells the user, offering the log. */
export function reportCommandError(what: string, error: unknown, output: vscode.LogOutputChannel): void {
    if (isCancellation(error)) {
        return;
    }
    output.error(`${what} failed: ${describe(error)}`);
    void vscode.window.showErrorMessage(`Codestral ${what} failed: ${describe(error)}`, 'Show Log').then((choice) => {
        if (choice) {
            output.show(true);
        }
    });
}
