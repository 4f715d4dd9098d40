// "Codestral: Check Setup": runs the server's `codestral-ls check` with the same Python,
// bundled libs, settings (written to a temporary --settings file) and stored keys as the
// language server, and says what it found in plain words.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { keysEnvironment } from './keys';
import { resolveLaunch } from './launch';
import { CLIENT_FIXES } from './notifications';
import { ServerSettings } from './settings';

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

function run(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<Run> {
    return new Promise((resolve) => {
        execFile(command, args, { ...options, timeout: 60000, windowsHide: true }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && code === -1 ? error.message : '') });
        });
    });
}

/** "route: direct" lines as a record. */
function fields(stdout: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of stdout.split(/\r?\n/)) {
        const at = line.indexOf(': ');
        if (at > 0) {
            out[line.slice(0, at)] = line.slice(at + 2);
        }
    }
    return out;
}

export async function checkSetup(
    extensionPath: string,
    secrets: vscode.SecretStorage,
    settings: ServerSettings,
    output: vscode.LogOutputChannel,
): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const launch = await resolveLaunch(extensionPath, output, folder);
    if ('problem' in launch) {
        void vscode.window.showErrorMessage(launch.problem);
        return;
    }
    const keys = await keysEnvironment(secrets);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'codestral-check-'));
    const file = path.join(dir, 'settings.json');
    await fs.writeFile(file, JSON.stringify(settings.read(folder)));
    let result: Run;
    try {
        result = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: 'Codestral: checking the setup…' },
            () =>
                run(launch.command, [...launch.args, '--settings', file, 'check'], {
                    env: { ...process.env, ...launch.env, ...keys },
                    cwd: launch.cwd ?? folder?.uri.fsPath,
                }),
        );
    } finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
    output.info(`Check Setup (${launch.source}), exit ${result.code}:\n${result.stdout.trim()}`);
    const found = fields(result.stdout);
    const check = found['check'] ?? '';
    const keySource = (found['provider key'] ?? 'none').replace(
        /environment CODESTRAL_API_KEY/,
        keys.CODESTRAL_API_KEY ? 'the key stored with "Codestral: Set API Key"' : 'the environment (CODESTRAL_API_KEY)',
    );
    const where = `route ${found['route'] ?? '?'} to ${found['base URL'] ?? '?'}, model ${found['model'] ?? '?'}, key from ${keySource}`;
    if (result.code === 0 && check.startsWith('OK')) {
        const timing = check.replace(/^OK, /, '');
        void vscode.window.showInformationMessage(`Codestral works: ${timing} (${where}).`);
        return;
    }
    if (check.startsWith('FAILED: ')) {
        const reason = check.slice('FAILED: '.length);
        if (reason.includes('no Codestral API key')) {
            const choice = await vscode.window.showErrorMessage(
                `Codestral is not set up: there is no API key. Get one at https://console.mistral.ai/codestral and store it with "${CLIENT_FIXES.setKey.palette}".`,
                CLIENT_FIXES.setKey.title,
            );
            if (choice) {
                await vscode.commands.executeCommand(CLIENT_FIXES.setKey.command);
            }
            return;
        }
        void vscode.window.showErrorMessage(`Codestral check failed (${where}): ${reason}`);
        return;
    }
    const stderr = result.stderr.trim().split(/\r?\n/).filter(Boolean);
    output.error(`Check Setup could not run the server: ${result.stderr.trim()}`);
    void vscode.window.showErrorMessage(
        `Codestral: the server could not run its check (${launch.source}): ${stderr[stderr.length - 1] ?? `exit ${result.code}`}.`,
    );
}
