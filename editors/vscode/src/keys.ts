// The API keys in VS Code's SecretStorage: reading them as the server's environment, the
// "Set API Key" / "Set Gateway Key" prompts, and watching them change. Keys never go into
// settings, the LSP messages or a log: the server gets them in its environment only.
import * as vscode from 'vscode';

/** SecretStorage entries and the environment variables they are passed in. */
const SECRETS = {
    apiKey: { secret: 'codestral.apiKey', env: 'CODESTRAL_API_KEY', title: 'Codestral API key' },
    gatewayKey: { secret: 'codestral.gatewayKey', env: 'PORTKEY_API_KEY', title: 'Portkey gateway key' },
} as const;
export type SecretName = keyof typeof SECRETS;

/** The stored keys as environment variables for the server process (only those set). */
export async function keysEnvironment(secrets: vscode.SecretStorage): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const entry of Object.values(SECRETS)) {
        const value = await secrets.get(entry.secret);
        if (value) {
            env[entry.env] = value;
        }
    }
    return env;
}

/** Calls `changed` whenever one of the extension's keys is stored or removed. */
export function onKeysChanged(secrets: vscode.SecretStorage, changed: () => unknown): vscode.Disposable {
    return secrets.onDidChange((event) => {
        if (Object.values(SECRETS).some((entry) => entry.secret === event.key)) {
            changed();
        }
    });
}

/**
 * Asks for a key and stores it (an empty answer removes a stored key). `stored` runs after a
 * change, so the caller can restart the server with the new environment.
 */
export async function promptForKey(
    secrets: vscode.SecretStorage,
    name: SecretName,
    stored: () => Promise<unknown>,
): Promise<void> {
    const entry = SECRETS[name];
    const current = await secrets.get(entry.secret);
    const value = await vscode.window.showInputBox({
        title: `Codestral: Set ${entry.title}`,
        prompt:
            `Stored in VS Code's secret storage and given to the server as ${entry.env}. ` +
            (current ? 'A key is stored: leave empty to remove it.' : 'Leave empty to keep none.'),
        password: true,
        ignoreFocusOut: true,
        placeHolder: name === 'apiKey' ? 'Codestral or Mistral API key' : 'Portkey API key',
    });
    if (value === undefined) {
        return;
    }
    const key = value.trim();
    if (key) {
        await secrets.store(entry.secret, key);
        void vscode.window.setStatusBarMessage(`Codestral: ${entry.title} stored; restarting the server.`, 4000);
    } else if (current) {
        await secrets.delete(entry.secret);
        void vscode.window.setStatusBarMessage(`Codestral: ${entry.title} removed; restarting the server.`, 4000);
    } else {
        return;
    }
    await stored();
}
