// Which Python runs the bundled server: the first candidate that really is Python 3.10+, found
// by running it. Pure (no `vscode` import): tests/editors/vscode/python.test.mjs runs it in Node.
import { execFile } from 'node:child_process';

export const MIN_PYTHON: readonly [number, number] = [3, 10];

export interface PythonCandidate {
    command: string;
    /** Arguments before ours, e.g. ['-3'] for the Windows `py` launcher. */
    args: string[];
    /** Where it came from, for the log and the messages ("the Python extension", "PATH"). */
    source: string;
}

export interface PythonFound extends PythonCandidate {
    version: string;
    executable: string;
}

export interface PythonProbe {
    version?: [number, number, number];
    executable?: string;
    error?: string;
}

export type Prober = (candidate: PythonCandidate) => Promise<PythonProbe>;

const PROBE_CODE = 'import sys; print(*sys.version_info[:3], sys.executable)';

/** Runs a candidate and reads its version (5 s at most). */
export const probePython: Prober = (candidate) =>
    new Promise((resolve) => {
        execFile(
            candidate.command,
            [...candidate.args, '-c', PROBE_CODE],
            { timeout: 5000, windowsHide: true },
            (error, stdout) => {
                const match = /^(\d+) (\d+) (\d+) (.*)$/m.exec(String(stdout));
                if (match) {
                    resolve({ version: [+match[1], +match[2], +match[3]], executable: match[4].trim() });
                } else {
                    const code = (error as NodeJS.ErrnoException | null)?.code;
                    resolve({ error: code === 'ENOENT' ? 'not found' : String(error?.message ?? 'no version printed') });
                }
            },
        );
    });

export function isSupported(version: readonly number[]): boolean {
    return version[0] > MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] >= MIN_PYTHON[1]);
}

/** The candidates in order, each run once; `rejected` says why the others were not used. */
export async function choosePython(
    candidates: PythonCandidate[],
    probe: Prober = probePython,
): Promise<{ found?: PythonFound; rejected: string[] }> {
    const rejected: string[] = [];
    const seen = new Set<string>();
    for (const candidate of candidates) {
        const key = [candidate.command, ...candidate.args].join(' ');
        if (seen.has(key)) {
            continue;
        }
        seen.add(key);
        const result = await probe(candidate);
        if (result.version && isSupported(result.version)) {
            return {
                found: { ...candidate, version: result.version.join('.'), executable: result.executable ?? candidate.command },
                rejected,
            };
        }
        const why = result.version ? `Python ${result.version.join('.')} is too old` : result.error ?? 'unusable';
        rejected.push(`${key} (${candidate.source}): ${why}`);
    }
    return { rejected };
}

/** The usual names on PATH, after the interpreter the Python extension has selected. */
export function pythonCandidates(platform: NodeJS.Platform, selected?: string): PythonCandidate[] {
    const candidates: PythonCandidate[] = [];
    if (selected) {
        candidates.push({ command: selected, args: [], source: 'the interpreter selected in the Python extension' });
    }
    if (platform === 'win32') {
        candidates.push({ command: 'python', args: [], source: 'PATH' }, { command: 'py', args: ['-3'], source: 'the py launcher' });
    } else {
        candidates.push({ command: 'python3', args: [], source: 'PATH' }, { command: 'python', args: [], source: 'PATH' });
    }
    return candidates;
}

const INSTALL: Partial<Record<NodeJS.Platform, string>> = {
    win32:
        'Install Python 3.10 or newer from https://www.python.org/downloads/windows/ (tick "Add python.exe to PATH") ' +
        'or with "winget install Python.Python.3.12"',
    darwin: 'Install Python 3.10 or newer from https://www.python.org/downloads/macos/ or with Homebrew: "brew install python@3.12"',
    linux:
        'Install Python 3.10 or newer with your package manager, e.g. "sudo apt install python3" (Debian 12, Ubuntu 22.04 and later), ' +
        '"sudo dnf install python3" or "sudo pacman -S python"',
};

/** The one message shown when no Python 3.10+ was found: what to install, on this platform. */
export function noPythonMessage(platform: NodeJS.Platform, rejected: string[]): string {
    const install = INSTALL[platform] ?? INSTALL.linux;
    return (
        `Codestral needs Python 3.10 or newer to run its bundled server and found none (${rejected.join('; ') || 'no candidate'}). ` +
        `${install}, then run "Codestral: Restart Server". Or select a Python 3.10+ interpreter in the Python extension, ` +
        'or set codestral.server.path to a codestral-ls you installed.'
    );
}
