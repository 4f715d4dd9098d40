// The `codestral.*` settings the server understands, read from VS Code and shaped like the
// server's settings object (see docs: the `codestral` section of the contract).
//
// The object is built key by key from this list, so that nothing else that happens to sit
// under `codestral.` in a settings file (the extension's own `server.*` settings, a stray
// `apiKey`) is ever sent to the server. Keys live in SecretStorage and reach the server
// through its environment only.
import * as vscode from 'vscode';

export const SECTION = 'codestral';

/** Settings that only concern how the extension starts the server: a change restarts it. */
const LAUNCH = 'server';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Dotted keys below `codestral.` that are forwarded to the server. */
export const SERVER_SETTING_KEYS: readonly string[] = [
    'route',
    'baseUrl',
    'model',
    'gateway.provider',
    'gateway.virtualKey',
    'gateway.config',
    'gateway.customHost',
    'gateway.metadata',
    'gateway.fimRoute',
    'completion.enable',
    'completion.debounceMs',
    'completion.timeoutMs',
    'completion.maxTokens',
    'completion.temperature',
    'completion.multiline',
    'completion.disabledLanguages',
    'completion.exclude',
    'cache.size',
    'cache.ttlSeconds',
    'chat.model',
    'chat.maxTokens',
    'chat.promptId',
    // Beyond the contract: codestral-ls' own settings (README "Settings").
    'failover',
    'gateway.baseUrl',
    'completion.popup',
    'completion.stream',
    'completion.prefixChars',
    'completion.suffixChars',
    'completion.redactSecrets',
    'context.crossFile',
    'context.crossFileChars',
];

function toJson(value: unknown): JsonValue {
    if (value === undefined || value === null) {
        return null;
    }
    if (Array.isArray(value)) {
        return value.map(toJson);
    }
    if (typeof value === 'object') {
        const out: JsonObject = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            out[k] = toJson(v);
        }
        return out;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        return value;
    }
    return null;
}

/** Reads the server's settings object from VS Code's configuration. */
export class ServerSettings {
    /** @param keys dotted keys below `codestral.` to forward (SERVER_SETTING_KEYS) */
    constructor(readonly keys: readonly string[]) {}

    /** The server's settings object (without the `codestral` wrapper) for a resource. */
    read(scope?: vscode.ConfigurationScope | null): JsonObject {
        const config = vscode.workspace.getConfiguration(SECTION, scope ?? undefined);
        const result: JsonObject = {};
        for (const key of this.keys) {
            const value = config.get<unknown>(key);
            if (value === undefined) {
                continue;
            }
            const path = key.split('.');
            let node = result;
            for (const part of path.slice(0, -1)) {
                if (!isObject(node[part])) {
                    node[part] = {};
                }
                node = node[part] as JsonObject;
            }
            node[path[path.length - 1]] = toJson(value);
        }
        return result;
    }
}

/** The value at a dotted path inside a settings object, null when absent. */
export function pick(obj: JsonObject, path: string[]): JsonValue {
    let node: JsonValue = obj;
    for (const part of path) {
        if (!isObject(node)) {
            return null;
        }
        node = node[part] ?? null;
    }
    return node;
}

/** Whether a change concerns how the server is started (`codestral.server.*`). */
export function affectsLaunch(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration(`${SECTION}.${LAUNCH}`);
}
