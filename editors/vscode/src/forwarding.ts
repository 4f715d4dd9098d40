// Settings forwarding: the server gets the `codestral` settings object (ServerSettings) in
// `initializationOptions` (next to `client`, see notifications.ts), in answers to its `workspace/configuration` requests, and pushed in
// `workspace/didChangeConfiguration` as {"settings": {"codestral": {...}}} on every change.
import * as vscode from 'vscode';
import {
    DidChangeConfigurationNotification,
    LanguageClient,
    LanguageClientOptions,
    State,
} from 'vscode-languageclient/node';
import { clientInfo } from './notifications';
import { pick, SECTION, ServerSettings } from './settings';

type Forwarding = Pick<LanguageClientOptions, 'initializationOptions' | 'synchronize'> & {
    workspace: NonNullable<NonNullable<LanguageClientOptions['middleware']>['workspace']>;
};

/**
 * The client options that forward the settings. `folder` is the scope of requests without a
 * `scopeUri`; `client` returns the language client these options belong to, once it exists.
 */
export function settingsForwarding(
    settings: ServerSettings,
    folder: vscode.WorkspaceFolder | undefined,
    client: () => LanguageClient | undefined,
): Forwarding {
    return {
        // With the fixes this client offers: the server names them in its messages (lsp/fixes.py).
        initializationOptions: () => ({ [SECTION]: settings.read(folder), client: { ...clientInfo(), suggestionUpdates: true } }),
        synchronize: { configurationSection: SECTION },
        workspace: {
            // Answer `workspace/configuration` for `codestral` with the server's settings only.
            configuration: async (params, token, next) => {
                const answer = await next(params, token);
                if (!Array.isArray(answer)) {
                    return answer;
                }
                return params.items.map((item, i) => {
                    const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : folder;
                    if (!item.section) {
                        const all = (answer[i] ?? {}) as Record<string, unknown>;
                        return { ...all, [SECTION]: settings.read(scope) };
                    }
                    if (item.section === SECTION || item.section.startsWith(`${SECTION}.`)) {
                        return pick(settings.read(scope), item.section.split('.').slice(1));
                    }
                    return answer[i];
                });
            },
            // Push the same shape on change: {"settings": {"codestral": {...}}}.
            didChangeConfiguration: async () => {
                const running = client();
                if (running && running.state === State.Running) {
                    await running.sendNotification(DidChangeConfigurationNotification.type, {
                        settings: { [SECTION]: settings.read(folder) },
                    });
                }
            },
        },
    };
}
