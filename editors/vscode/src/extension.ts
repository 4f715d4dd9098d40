// Codestral for VS Code: starts the codestral-ls language server over stdio and adds the
// commands around it. Ghost text itself comes from vscode-languageclient's LSP 3.18 inline
// completion support; this file owns the life cycle, keys, settings and commands.
import * as vscode from 'vscode';
import {
    DidChangeConfigurationNotification,
    ExecuteCommandRequest,
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
    State,
} from 'vscode-languageclient/node';
import { AnswerView } from './answer';
import { Launch, resolveLaunch } from './launch';
import { affectsLaunch, JsonObject, JsonValue, SECTION, serverSettings } from './settings';
import { StatusItem } from './status';

/** SecretStorage entries and the environment variables they are passed in. */
const SECRETS = {
    apiKey: { secret: 'codestral.apiKey', env: 'CODESTRAL_API_KEY', title: 'Codestral API key' },
    gatewayKey: { secret: 'codestral.gatewayKey', env: 'PORTKEY_API_KEY', title: 'Portkey gateway key' },
} as const;
type SecretName = keyof typeof SECRETS;

/** Server commands (workspace/executeCommand). */
const SERVER_COMMAND = {
    explain: 'codestral.explain',
    chat: 'codestral.chat',
    status: 'codestral.status',
} as const;

interface MarkdownResult {
    markdown: string;
}

class Controller implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private launch: Launch | undefined;
    /** The keys the running server was started with, to know whether a change needs a restart. */
    private startedKeys = '';
    private queue: Promise<unknown> = Promise.resolve();
    private readonly disposables: vscode.Disposable[] = [];
    readonly output: vscode.LogOutputChannel;
    readonly status: StatusItem;
    readonly answers: AnswerView;

    constructor(private readonly context: vscode.ExtensionContext) {
        this.output = vscode.window.createOutputChannel('Codestral', { log: true });
        this.status = new StatusItem();
        this.answers = new AnswerView();
        this.disposables.push(this.output, this.status, this.answers);
    }

    /** Runs life-cycle operations one after the other. */
    private serial<T>(work: () => Promise<T>): Promise<T> {
        const next = this.queue.then(work, work);
        this.queue = next.catch(() => undefined);
        return next;
    }

    get running(): LanguageClient | undefined {
        return this.client?.state === State.Running ? this.client : undefined;
    }

    private async readKeys(): Promise<Record<string, string>> {
        const env: Record<string, string> = {};
        for (const entry of Object.values(SECRETS)) {
            const value = await this.context.secrets.get(entry.secret);
            if (value) {
                env[entry.env] = value;
            }
        }
        return env;
    }

    start(): Promise<void> {
        return this.serial(() => this.doStart());
    }

    stop(): Promise<void> {
        return this.serial(() => this.doStop());
    }

    restart(): Promise<void> {
        return this.serial(async () => {
            await this.doStop();
            await this.doStart();
        });
    }

    /** Restarts when the stored keys differ from those the server was started with. */
    restartIfKeysChanged(): Promise<void> {
        return this.serial(async () => {
            const keys = JSON.stringify(await this.readKeys());
            if (keys !== this.startedKeys || !this.client) {
                this.output.info('Stored keys changed: restarting the server.');
                await this.doStop();
                await this.doStart();
            }
        });
    }

    private async doStart(): Promise<void> {
        if (this.client) {
            return;
        }
        const folder = vscode.workspace.workspaceFolders?.[0];
        const launch = resolveLaunch(folder);
        const env = await this.readKeys();
        this.launch = launch;
        this.startedKeys = JSON.stringify(env);
        const executable = {
            command: launch.command,
            args: launch.args,
            // stdio. No `transport` on purpose: TransportKind.stdio would append `--stdio`.
            // The client hands `options` to child_process.spawn as they are, so the
            // environment must be complete. The keys are never logged.
            options: { env: { ...process.env, ...env }, cwd: folder?.uri.fsPath },
        };
        const serverOptions: ServerOptions = { run: executable, debug: executable };
        const clientOptions: LanguageClientOptions = {
            documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
            initializationOptions: () => ({ [SECTION]: serverSettings(folder) }),
            synchronize: { configurationSection: SECTION },
            outputChannel: this.output,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            middleware: {
                // The server also offers its suggestion as a completion item, for editors
                // without inline completion. VS Code shows it as ghost text already: do not
                // ask again for the suggest widget (a duplicate, and an upstream request).
                provideCompletionItem: (document, position, context, token, next) => {
                    const inline = vscode.workspace.getConfiguration('editor', document).get<boolean>('inlineSuggest.enabled', true);
                    return inline ? undefined : next(document, position, context, token);
                },
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
                                return { ...all, [SECTION]: serverSettings(scope) };
                            }
                            if (item.section === SECTION || item.section.startsWith(`${SECTION}.`)) {
                                return pick(serverSettings(scope), item.section.split('.').slice(1));
                            }
                            return answer[i];
                        });
                    },
                    // Push the same shape on change: {"settings": {"codestral": {...}}}.
                    didChangeConfiguration: async () => {
                        const client = this.client;
                        if (client && client.state === State.Running) {
                            await client.sendNotification(DidChangeConfigurationNotification.type, {
                                settings: { [SECTION]: serverSettings(folder) },
                            });
                        }
                    },
                },
            },
        };
        const client = new LanguageClient('codestral', 'Codestral', serverOptions, clientOptions);
        this.client = client;
        client.onDidChangeState((event) => {
            if (event.newState === State.Starting) {
                this.status.set('starting');
            } else if (event.newState === State.Stopped && this.client === client) {
                this.status.set('stopped', 'The codestral-ls server is not running. Click for actions.');
            }
        });
        client.onNotification('codestral/status', (params: unknown) => this.status.fromServer(params));
        this.output.info(`Starting ${launch.command} ${launch.args.join(' ')} (from ${launch.source})`);
        this.status.set('starting');
        try {
            await client.start();
        } catch (error) {
            this.status.set('stopped', describe(error));
            this.output.error(`The server did not start: ${describe(error)}`);
            void vscode.window
                .showErrorMessage(
                    `Codestral: could not start the server "${launch.command}" (${describe(error)}). ` +
                        'Install codestral-ls (pipx install codestral-ls) or set codestral.server.path.',
                    'Open Settings',
                    'Show Log',
                )
                .then((choice) => {
                    if (choice === 'Open Settings') {
                        void vscode.commands.executeCommand('workbench.action.openSettings', 'codestral.server');
                    } else if (choice === 'Show Log') {
                        this.output.show(true);
                    }
                });
            return;
        }
        if (this.status.state === 'starting') {
            this.status.set('ready', `Server: ${launch.command}`);
        }
        this.output.info('Client started.');
        // Tests and users watching the developer console wait for this line.
        console.log('codestral: client started');
    }

    private async doStop(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (!client) {
            return;
        }
        try {
            if (client.state !== State.Stopped) {
                await client.stop(5000);
            }
        } catch (error) {
            this.output.warn(`Stopping the server: ${describe(error)}`);
        }
        try {
            await client.dispose();
        } catch {
            // already disposed
        }
        this.status.set('stopped', 'The codestral-ls server is not running.');
    }

    /** Runs a server command (workspace/executeCommand), starting the server if needed. */
    async serverCommand<T>(command: string, args: unknown[], token?: vscode.CancellationToken): Promise<T> {
        let client = this.running;
        if (!client) {
            await this.start();
            client = this.running;
        }
        if (!client) {
            throw new Error('the codestral-ls server is not running (see "Codestral: Show Server Log")');
        }
        return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token)) as T;
    }

    protocolUri(uri: vscode.Uri): string {
        return this.client ? this.client.code2ProtocolConverter.asUri(uri) : uri.toString();
    }

    protocolRange(range: vscode.Range): { start: { line: number; character: number }; end: { line: number; character: number } } {
        return {
            start: { line: range.start.line, character: range.start.character },
            end: { line: range.end.line, character: range.end.character },
        };
    }

    get launchDescription(): string {
        return this.launch ? `${this.launch.command} ${this.launch.args.join(' ')}`.trim() : 'not started';
    }

    dispose(): void {
        for (const d of this.disposables) {
            d.dispose();
        }
    }
}

function pick(obj: JsonObject, path: string[]): JsonValue {
    let node: JsonValue = obj;
    for (const part of path) {
        if (node === null || typeof node !== 'object' || Array.isArray(node)) {
            return null;
        }
        node = (node as JsonObject)[part] ?? null;
    }
    return node;
}

function describe(error: unknown): string {
    if (error instanceof Error) {
        return error.message;
    }
    if (error && typeof error === 'object' && 'message' in error) {
        return String((error as { message: unknown }).message);
    }
    return String(error);
}

function markdownOf(result: unknown): string {
    if (result && typeof result === 'object' && typeof (result as MarkdownResult).markdown === 'string') {
        return (result as MarkdownResult).markdown;
    }
    if (typeof result === 'string') {
        return result;
    }
    return '_Codestral returned no answer._';
}

async function withProgress<T>(title: string, work: (token: vscode.CancellationToken) => Promise<T>): Promise<T> {
    return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        (_progress, token) => work(token),
    );
}

function isSynced(document: vscode.TextDocument): boolean {
    return document.uri.scheme === 'file' || document.uri.scheme === 'untitled';
}

let controller: Controller | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const ctl = new Controller(context);
    controller = ctl;
    context.subscriptions.push(ctl);

    const register = (id: string, fn: (...args: unknown[]) => unknown) =>
        context.subscriptions.push(vscode.commands.registerCommand(id, fn));

    register('codestral.explainSelection', async () => {
        const editor = vscode.window.activeTextEditor;
        if (!editor || !isSynced(editor.document)) {
            void vscode.window.showWarningMessage('Codestral: open a file and select the code to explain.');
            return;
        }
        const document = editor.document;
        // No selection: explain the whole file, like `codestral-ls explain FILE`.
        const range = editor.selection.isEmpty
            ? new vscode.Range(new vscode.Position(0, 0), document.lineAt(document.lineCount - 1).range.end)
            : editor.selection;
        try {
            const result = await withProgress('Codestral: explaining…', (token) =>
                ctl.serverCommand<unknown>(
                    SERVER_COMMAND.explain,
                    [{ uri: ctl.protocolUri(document.uri), range: ctl.protocolRange(range), show: false }],
                    token,
                ),
            );
            const name = document.uri.path.split('/').pop() ?? 'selection';
            const lines = range.start.line === range.end.line
                ? `${range.start.line + 1}`
                : `${range.start.line + 1}-${range.end.line + 1}`;
            await ctl.answers.show(`Codestral: ${name}:${lines}`, markdownOf(result));
        } catch (error) {
            reportCommandError('explain', error, ctl);
        }
    });

    register('codestral.ask', async () => {
        const question = await vscode.window.showInputBox({
            title: 'Ask Codestral',
            prompt: 'Your question. The selected code, if any, is sent along with it.',
            placeHolder: 'e.g. How can I make this function faster?',
            ignoreFocusOut: true,
        });
        if (!question || !question.trim()) {
            return;
        }
        const args: Record<string, unknown> = { question: question.trim(), show: false };
        const editor = vscode.window.activeTextEditor;
        if (editor && isSynced(editor.document)) {
            args.uri = ctl.protocolUri(editor.document.uri);
            if (!editor.selection.isEmpty) {
                args.range = ctl.protocolRange(editor.selection);
            }
        }
        try {
            const result = await withProgress('Codestral: thinking…', (token) =>
                ctl.serverCommand<unknown>(SERVER_COMMAND.chat, [args], token),
            );
            const quoted = question.trim().split('\n').map((line) => `> ${line}`).join('\n');
            await ctl.answers.show('Codestral: Answer', `${quoted}\n\n${markdownOf(result)}`);
        } catch (error) {
            reportCommandError('chat', error, ctl);
        }
    });

    register('codestral.showStatus', () => showStatus(ctl));
    register('codestral.restartServer', async () => {
        await ctl.restart();
    });
    register('codestral.toggleCompletions', () => toggleCompletions());
    register('codestral.setApiKey', () => setKey(context, ctl, 'apiKey'));
    register('codestral.setGatewayKey', () => setKey(context, ctl, 'gatewayKey'));
    register('codestral.showOutput', () => ctl.output.show(true));

    context.subscriptions.push(
        vscode.workspace.onDidChangeConfiguration((event) => {
            if (affectsLaunch(event)) {
                ctl.output.info('codestral.server.* changed: restarting the server.');
                void ctl.restart();
            }
        }),
        context.secrets.onDidChange((event) => {
            if (Object.values(SECRETS).some((entry) => entry.secret === event.key)) {
                void ctl.restartIfKeysChanged();
            }
        }),
    );

    await ctl.start();
}

export async function deactivate(): Promise<void> {
    const ctl = controller;
    controller = undefined;
    if (ctl) {
        await ctl.stop();
    }
}

function reportCommandError(what: string, error: unknown, ctl: Controller): void {
    if (error instanceof vscode.CancellationError || (error as { code?: number })?.code === -32800) {
        return;
    }
    ctl.output.error(`${what} failed: ${describe(error)}`);
    void vscode.window.showErrorMessage(`Codestral ${what} failed: ${describe(error)}`, 'Show Log').then((choice) => {
        if (choice) {
            ctl.output.show(true);
        }
    });
}

async function setKey(context: vscode.ExtensionContext, ctl: Controller, name: SecretName): Promise<void> {
    const entry = SECRETS[name];
    const stored = await context.secrets.get(entry.secret);
    const value = await vscode.window.showInputBox({
        title: `Codestral: Set ${entry.title}`,
        prompt:
            `Stored in VS Code's secret storage and given to the server as ${entry.env}. ` +
            (stored ? 'A key is stored: leave empty to remove it.' : 'Leave empty to keep none.'),
        password: true,
        ignoreFocusOut: true,
        placeHolder: name === 'apiKey' ? 'Codestral or Mistral API key' : 'Portkey API key',
    });
    if (value === undefined) {
        return;
    }
    const key = value.trim();
    if (key) {
        await context.secrets.store(entry.secret, key);
        void vscode.window.setStatusBarMessage(`Codestral: ${entry.title} stored; restarting the server.`, 4000);
    } else if (stored) {
        await context.secrets.delete(entry.secret);
        void vscode.window.setStatusBarMessage(`Codestral: ${entry.title} removed; restarting the server.`, 4000);
    } else {
        return;
    }
    await ctl.restartIfKeysChanged();
}

async function toggleCompletions(): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const enabled = config.get<boolean>('completion.enable', true);
    const inspected = config.inspect<boolean>('completion.enable');
    // Change it where it is set, so that the flip takes effect.
    let target = vscode.ConfigurationTarget.Global;
    if (inspected?.workspaceFolderValue !== undefined) {
        target = vscode.ConfigurationTarget.WorkspaceFolder;
    } else if (inspected?.workspaceValue !== undefined) {
        target = vscode.ConfigurationTarget.Workspace;
    }
    await config.update('completion.enable', !enabled, target);
    void vscode.window.setStatusBarMessage(`Codestral completions ${enabled ? 'off' : 'on'}`, 3000);
}

function valueText(value: unknown): string {
    if (value === null || value === undefined) {
        return '—';
    }
    if (typeof value === 'object') {
        return JSON.stringify(value);
    }
    return String(value);
}

async function showStatus(ctl: Controller): Promise<void> {
    type Item = vscode.QuickPickItem & { run?: () => unknown };
    const items: Item[] = [];
    const client = ctl.running;
    if (client) {
        try {
            const status = await ctl.serverCommand<Record<string, unknown> | null>(SERVER_COMMAND.status, []);
            for (const [key, value] of Object.entries(status ?? {})) {
                if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
                    for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
                        items.push({ label: `${key}.${sub}`, description: valueText(subValue) });
                    }
                } else {
                    items.push({ label: key, description: valueText(value) });
                }
            }
        } catch (error) {
            items.push({ label: '$(error) status unavailable', description: describe(error) });
        }
    } else {
        items.push({ label: '$(debug-disconnect) server not running', description: ctl.launchDescription });
    }
    const enabled = vscode.workspace.getConfiguration(SECTION).get<boolean>('completion.enable', true);
    items.push(
        { label: 'Actions', kind: vscode.QuickPickItemKind.Separator },
        {
            label: enabled ? '$(circle-slash) Turn completions off' : '$(sparkle) Turn completions on',
            run: () => vscode.commands.executeCommand('codestral.toggleCompletions'),
        },
        { label: '$(key) Set API Key', run: () => vscode.commands.executeCommand('codestral.setApiKey') },
        { label: '$(key) Set Gateway Key', run: () => vscode.commands.executeCommand('codestral.setGatewayKey') },
        { label: '$(debug-restart) Restart Server', run: () => vscode.commands.executeCommand('codestral.restartServer') },
        { label: '$(output) Show Server Log', run: () => ctl.output.show(true) },
        {
            label: '$(settings-gear) Open Settings',
            run: () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:codestral-ls.codestral-ls`),
        },
    );
    items.push({ label: 'server', description: ctl.launchDescription });
    const choice = await vscode.window.showQuickPick(items, {
        title: 'Codestral status',
        matchOnDescription: true,
    });
    await choice?.run?.();
}
