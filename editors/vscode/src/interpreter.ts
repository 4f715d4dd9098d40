// The interpreter selected in the Python extension (ms-python.python), when it is installed:
// its `environments` API (getActiveEnvironmentPath + resolveEnvironment). Without the
// extension, or when it fails or takes too long, there is no selection and PATH is used.
import * as vscode from 'vscode';

const PYTHON_EXTENSION = 'ms-python.python';

interface EnvironmentsApi {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(path: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
}

async function environments(): Promise<EnvironmentsApi | undefined> {
    const extension = vscode.extensions.getExtension<{ environments?: EnvironmentsApi }>(PYTHON_EXTENSION);
    if (!extension) {
        return undefined;
    }
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api?.environments;
}

function within<T>(ms: number, work: Promise<T>): Promise<T | undefined> {
    return Promise.race([work, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

/** The selected interpreter's executable, or undefined (no Python extension, or no answer in 10 s). */
export async function selectedInterpreter(
    resource: vscode.Uri | undefined,
    log: vscode.LogOutputChannel,
): Promise<string | undefined> {
    try {
        return await within(
            10000,
            (async () => {
                const api = await environments();
                if (!api) {
                    return undefined;
                }
                const env = await api.resolveEnvironment(api.getActiveEnvironmentPath(resource));
                return env?.executable?.uri?.fsPath;
            })(),
        );
    } catch (error) {
        log.warn(`The Python extension did not name its interpreter: ${String(error)}`);
        return undefined;
    }
}

/** Calls `changed` when the user selects another interpreter in the Python extension. */
export async function onInterpreterChanged(changed: () => unknown): Promise<vscode.Disposable | undefined> {
    try {
        const event = (await within(10000, environments()))?.onDidChangeActiveEnvironmentPath;
        return event ? event(() => changed()) : undefined;
    } catch {
        return undefined;
    }
}
