// The language client's life cycle: starts the codestral-ls server over stdio (with the
// stored keys in its environment), stops and restarts it one operation at a time, keeps the
// status bar item in step, and runs the server's commands. Ghost text itself comes from
// vscode-languageclient's LSP 3.18 inline completion support.
import * as vscode from 'vscode';
import {
    ExecuteCommandRequest,
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
    State,
} from 'vscode-languageclient/node';
import { describe } from './errors';
import { settingsForwarding } from './forwarding';
import { keysEnvironment } from './keys';
import { Launch, resolveLaunch } from './launch';
import { PARTIAL_ACCEPT, PartialAccepts } from './partialAccept';
import { ServerSettings } from './settings';
import { StatusItem } from './status';

/** Server commands (workspace/executeCommand). */
export const SERVER_COMMAND = {
    explain: 'codestral.explain',
    chat: 'codestral.chat',
    status: 'codestral.status',
} as const;

export class ServerClient {
    private client: LanguageClient | undefined;
    private launch: Launch | undefined;
    /** The keys the running server was started with, to know whether a change needs a restart. */
    private startedKeys = '';
    private queue: Promise<unknown> = Promise.resolve();
    /** Partial accepts of the ghost text, reported to the server. */
    readonly partialAccepts = new PartialAccepts((id, acceptedLength) => this.serverCommand(PARTIAL_ACCEPT, [{ id, acceptedLength }]));

    constructor(
        private readonly secrets: vscode.SecretStorage,
        private readonly settings: ServerSettings,
        private readonly output: vscode.LogOutputChannel,
        private readonly status: StatusItem,
    ) {}

    /** Runs life-cycle operations one after the other. */
    private serial<T>(work: () => Promise<T>): Promise<T> {
        const next = this.queue.then(work, work);
        this.queue = next.catch(() => undefined);
        return next;
    }

    get running(): LanguageClient | undefined {
        return this.client?.state === State.Running ? this.client : undefined;
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
            const keys = JSON.stringify(await keysEnvironment(this.secrets));
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
        const env = await keysEnvironment(this.secrets);
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
        const forwarding = settingsForwarding(this.settings, folder, () => this.client);
        const clientOptions: LanguageClientOptions = {
            documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
            initializationOptions: forwarding.initializationOptions,
            synchronize: forwarding.synchronize,
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
                workspace: forwarding.workspace,
                ...this.partialAccepts.middleware,
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
            this.startFailed(launch, error);
            return;
        }
        if (this.status.state === 'starting') {
            this.status.set('ready', `Server: ${launch.command}`);
        }
        this.output.info('Client started.');
        // Tests and users watching the developer console wait for this line.
        console.log('codestral: client started');
    }

    private startFailed(launch: Launch, error: unknown): void {
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

    get launchDescription(): string {
        return this.launch ? `${this.launch.command} ${this.launch.args.join(' ')}`.trim() : 'not started';
    }
}
