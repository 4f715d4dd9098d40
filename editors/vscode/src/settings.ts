// The `codestral.*` settings the server understands, read from VS Code and shaped like the
// server's settings object (see docs: the `codestral` section of the contract).
//
// Which settings those are comes from the extension's own manifest (package.json,
// `contributes.configuration`), read at activation: every `codestral.*` property except the
// extension's own (`server.*`: how the server is started; `trace.*`: the language client's
// message trace). The object is built key by key from that list, so that nothing else that
// happens to sit under `codestral.` in a settings file (a stray `apiKey`) is ever sent to the
// server. Keys live in SecretStorage and reach the server through its environment only.
import * as vscode from 'vscode';

export const SECTION = 'codestral';

/** Settings below `codestral.` that only concern the extension, never sent to the server. */
const EXTENSION_ONLY = ['server.', 'trace.'];
/** Settings that only concern how the extension starts the server: a change restarts it. */
const LAUNCH_SETTING_KEYS: readonly string[] = ['server.path', 'server.args'];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Dotted keys below `codestral.` that go to the server, in manifest order: the manifest's
 * `contributes.configuration` (one object or an array of them) minus the extension's own.
 */
export function serverSettingKeys(manifest: unknown): string[] {
    const contributes = isObject(manifest) ? manifest.contributes : undefined;
    const configuration = isObject(contributes) ? contributes.configuration : undefined;
    const sections = Array.isArray(configuration) ? configuration : [configuration];
    const keys: string[] = [];
    for (const section of sections) {
        const properties = isObject(section) && isObject(section.properties) ? section.properties : {};
        for (const name of Object.keys(properties)) {
            if (!name.startsWith(`${SECTION}.`)) {
                continue;
            }
            const key = name.slice(SECTION.length + 1);
            if (!EXTENSION_ONLY.some((prefix) => key.startsWith(prefix)) && !keys.includes(key)) {
                keys.push(key);
            }
        }
    }
    return keys;
}

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
    /** @param keys dotted keys below `codestral.` to forward (see serverSettingKeys) */
    constructor(readonly keys: readonly string[]) {}

    static fromManifest(manifest: unknown): ServerSettings {
        return new ServerSettings(serverSettingKeys(manifest));
    }

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

/** Whether a change concerns how the server is started (`codestral.server.path` / `args`). */
export function affectsLaunch(event: vscode.ConfigurationChangeEvent): boolean {
    return LAUNCH_SETTING_KEYS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`));
}
