// How the server process is found and started. Precedence:
//   1. `codestral.server.path` when set: an explicit choice always wins (a `codestral-ls`
//      executable, or a Python interpreter that has the package installed);
//   2. the server bundled in the .vsix (bundled/libs), run by the first Python 3.10+ among the
//      Python extension's selected interpreter, `python3`/`python` on PATH (`py -3` on Windows);
//   3. a build without the bundle (development): `codestral-ls` on PATH, else `python3 -m codestral_ls`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { selectedInterpreter } from './interpreter';
import { choosePython, noPythonMessage, pythonCandidates } from './python';
import { SECTION } from './settings';

export interface Launch {
    command: string;
    args: string[];
    /** Human-readable origin of the command, for the log and the status. */
    source: string;
    /** How it was chosen: the fix of a server that cannot start depends on it. */
    kind: 'setting' | 'bundled' | 'installed';
    /** Added to the environment (the bundled server's PYTHONPATH). */
    env: Record<string, string>;
    /** Working directory; undefined: the workspace folder. */
    cwd?: string;
}

/** No server can be started: the one message that says what to install. */
export interface NoLaunch {
    problem: string;
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

/** The folder of the bundled server inside the installed extension, if this build has one. */
export function bundledLibs(extensionPath: string): string | undefined {
    const libs = path.join(extensionPath, 'bundled', 'libs');
    return fs.existsSync(path.join(libs, 'codestral_ls', '__main__.py')) ? libs : undefined;
}

/**
 * `--log-level debug` when the output channel is set to Debug or Trace ("Developer: Set Log
 * Level"), unless the user chose a level: otherwise the server's default (warnings), since at
 * info pygls logs every LSP message.
 */
function logArgs(extraArgs: string[], level: vscode.LogLevel): string[] {
    return !extraArgs.includes('--log-level') && level <= vscode.LogLevel.Debug ? ['--log-level', 'debug'] : [];
}

export async function resolveLaunch(
    extensionPath: string,
    log: vscode.LogOutputChannel,
    workspaceFolder?: vscode.WorkspaceFolder,
): Promise<Launch | NoLaunch> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const extraArgs = (config.get<string[]>('server.args') ?? []).filter((a) => typeof a === 'string');
    const args = [...logArgs(extraArgs, log.logLevel), ...extraArgs];
    let configured = (config.get<string>('server.path') ?? '').trim();
    if (configured) {
        configured = expandHome(configured);
        if (!path.isAbsolute(configured) && configured.includes('/') && workspaceFolder) {
            configured = path.join(workspaceFolder.uri.fsPath, configured);
        }
        const module = looksLikePython(configured) ? ['-m', 'codestral_ls'] : [];
        return { command: configured, args: [...module, ...args], source: 'codestral.server.path', kind: 'setting', env: {} };
    }
    const libs = bundledLibs(extensionPath);
    if (libs) {
        const selected = await selectedInterpreter(workspaceFolder?.uri, log);
        const { found, rejected } = await choosePython(pythonCandidates(process.platform, selected));
        if (!found) {
            return { problem: noPythonMessage(process.platform, rejected) };
        }
        return {
            command: found.command,
            args: [...found.args, '-m', 'codestral_ls', ...args],
            source: `bundled server, Python ${found.version} (${found.executable}) from ${found.source}`,
            kind: 'bundled',
            // Only the bundle on the path, and the working directory there too: `python -m`
            // puts the working directory first on sys.path, and a workspace's own modules
            // (a `pygls/` folder, this repository's `codestral_ls/`) must not shadow the bundle.
            env: { PYTHONPATH: libs, PYTHONSAFEPATH: '1', PYTHONNOUSERSITE: '1' },
            cwd: libs,
        };
    }
    const onPath = findOnPath('codestral-ls');
    if (onPath) {
        return { command: onPath, args, source: 'PATH', kind: 'installed', env: {} };
    }
    const python = isWindows ? 'python' : 'python3';
    return { command: python, args: ['-m', 'codestral_ls', ...args], source: `${python} -m codestral_ls`, kind: 'installed', env: {} };
}
