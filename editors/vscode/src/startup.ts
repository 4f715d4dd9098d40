// A server that cannot start: its stderr at the right log level, the real cause kept for the
// one message the user sees (cause and fix), and no restart loop. vscode-languageclient would
// otherwise restart a dying server five times and show "couldn't create connection to server:
// Pending response rejected since connection got disposed".
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, ErrorHandler, LanguageClient, State } from 'vscode-languageclient/node';
import type { Launch } from './launch';

/** The language client, minus its own notifications: the extension tells the user itself. */
export class QuietLanguageClient extends LanguageClient {
    override error(message: string, data?: unknown, _showNotification?: boolean | 'force'): void {
        if (message.startsWith('Stopping server failed') && this.state !== State.Running) {
            return; // after a failed start: nothing was running
        }
        super.error(message, data instanceof Error ? data.message : data, false);
    }
}

// The server's log line format (cli.py): "2025-01-02 10:11:12,345 WARNING codestral_ls.x: text".
const RECORD = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$/;
const PYTHON_ERROR = /^(\w+\.)*\w*(Error|Exception)\b:|No module named|can't open file|not found|Permission denied|SyntaxError/;
type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<string, Level> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error', CRITICAL: 'error' };

/** The server's stderr: each log record at its own level; the last lines kept for a cause. */
export class ServerStderr {
    private tail: string[] = [];

    constructor(private readonly output: vscode.LogOutputChannel) {}

    /** For LanguageClientOptions.stdioOptions.stderr. */
    pipe(input: Readable): void {
        let level: Level = 'error'; // Python's own messages (a traceback, "No module named") are errors
        readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on('line', (line) => {
            const record = RECORD.exec(line);
            if (record) {
                level = LEVELS[record[1]];
                this.output[level](`[server] ${record[2]}`);
            } else {
                this.output[level](`[server] ${line}`);
            }
            if (!record || level === 'error') {
                this.tail = [...this.tail.slice(-39), record ? record[2] : line];
            }
        });
    }

    /** A new process: forget the previous one's lines. */
    reset(): void {
        this.tail = [];
    }

    /** The best one-line cause in what the server wrote before it stopped. */
    cause(): string | undefined {
        const lines = this.tail.map((l) => l.trim()).filter(Boolean);
        return [...lines].reverse().find((l) => PYTHON_ERROR.test(l)) ?? lines[lines.length - 1];
    }
}

/**
 * Never restart a server that did not get through `initialize` (it cannot start: the same
 * failure would repeat); a running server that crashes is restarted up to 3 times in 3 minutes.
 */
export function errorHandler(client: () => LanguageClient | undefined): ErrorHandler {
    const restarts: number[] = [];
    return {
        error: () => ({ action: ErrorAction.Shutdown, handled: true }),
        closed: () => {
            if (client()?.state !== State.Running) {
                return { action: CloseAction.DoNotRestart, handled: true };
            }
            const now = Date.now();
            restarts.push(now);
            while (restarts.length && restarts[0] < now - 180_000) {
                restarts.shift();
            }
            return { action: restarts.length <= 3 ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
        },
    };
}

/** The fix for a server that cannot start, by how it was chosen. */
function fixFor(launch: Launch): string {
    switch (launch.kind) {
        case 'setting':
            return 'Check codestral.server.path, or clear it to use the server bundled with the extension';
        case 'bundled':
            return (
                `The bundled server did not run with ${launch.source}: select another Python 3.10+ (Python extension), ` +
                'reinstall the Codestral extension, or set codestral.server.path to a codestral-ls you installed'
            );
        default:
            return (
                'This build of the extension has no bundled server: install the .vsix built by ' +
                'editors/vscode/scripts/build-vsix.sh, or install codestral-ls from its repository ' +
                '(pip install PATH-TO-CLONE) and set codestral.server.path'
            );
    }
}

/** The one message for a server that cannot start: what failed, why, and the fix. */
export function startFailure(launch: Launch, cause: string): string {
    return `Codestral: the server cannot start (${launch.command}, ${launch.source}): ${cause}. ${fixFor(launch)}. Then run "Codestral: Restart Server".`;
}

/** Logs the failure and shows it once, with the actions that fix it. */
export function showStartFailure(message: string, short: string, output: vscode.LogOutputChannel, restart: () => unknown): void {
    output.error(message);
    // Tests and users watching the developer console look for this line.
    console.log(`codestral: server cannot start: ${short}`);
    void vscode.window.showErrorMessage(message, 'Restart Server', 'Open Settings', 'Show Log').then((choice) => {
        if (choice === 'Restart Server') {
            void restart();
        } else if (choice === 'Open Settings') {
            void vscode.commands.executeCommand('workbench.action.openSettings', 'codestral.server');
        } else if (choice === 'Show Log') {
            output.show(true);
        }
    });
}
