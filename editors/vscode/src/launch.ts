// How the server process is found and started.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SECTION } from './settings';

export interface Launch {
    command: string;
    args: string[];
    /** Human-readable origin of the command, for the log and the status. */
    source: string;
}

const isWindows = process.platform === 'win32';

function expandHome(p: string): string {
    if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
        return path.join(os.homedir(), p.slice(1));
    }
    return p;
}

function isExecutable(file: string): boolean {
    try {
        const stat = fs.statSync(file);
        if (!stat.isFile()) {
            return false;
        }
        if (!isWindows) {
            fs.accessSync(file, fs.constants.X_OK);
        }
        return true;
    } catch {
        return false;
    }
}

/** The first `name` on PATH (with PATHEXT on Windows), or undefined. */
export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
    const exts = isWindows ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').concat(['']) : [''];
    for (const dir of envPath.split(path.delimiter)) {
        if (!dir) {
            continue;
        }
        for (const ext of exts) {
            const candidate = path.join(dir, name + ext.toLowerCase());
            if (isExecutable(candidate)) {
                return candidate;
            }
        }
    }
    return undefined;
}

/** A Python interpreter given as the server path runs the package as a module. */
function looksLikePython(command: string): boolean {
    return /^python(\d+(\.\d+)?)?(\.exe)?$/i.test(path.basename(command));
}

/**
 * `codestral.server.path` when set (a `codestral-ls` executable, or a Python interpreter
 * that has the package installed), else `codestral-ls` on PATH, else `python3 -m codestral_ls`.
 */
export function resolveLaunch(workspaceFolder?: vscode.WorkspaceFolder): Launch {
    const config = vscode.workspace.getConfiguration(SECTION);
    const extraArgs = (config.get<string[]>('server.args') ?? []).filter((a) => typeof a === 'string');
    let configured = (config.get<string>('server.path') ?? '').trim();
    if (configured) {
        configured = expandHome(configured);
        if (!path.isAbsolute(configured) && configured.includes('/') && workspaceFolder) {
            configured = path.join(workspaceFolder.uri.fsPath, configured);
        }
        if (looksLikePython(configured)) {
            return { command: configured, args: ['-m', 'codestral_ls', ...extraArgs], source: 'codestral.server.path' };
        }
        return { command: configured, args: extraArgs, source: 'codestral.server.path' };
    }
    const onPath = findOnPath('codestral-ls');
    if (onPath) {
        return { command: onPath, args: extraArgs, source: 'PATH' };
    }
    const python = isWindows ? 'python' : 'python3';
    return { command: python, args: ['-m', 'codestral_ls', ...extraArgs], source: `${python} -m codestral_ls` };
}
