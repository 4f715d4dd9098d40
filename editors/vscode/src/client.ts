// The language client's life cycle: starts the server over stdio (stored keys in its
// environment), stops and restarts it one operation at a time, keeps the status bar item in
// step, runs the server's commands. Ghost text: vscode-languageclient's LSP 3.18 support.
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
import { completionMiddleware } from './middleware';
import { NextOnAccept } from './nextOnAccept';
import { PARTIAL_ACCEPT, PartialAccepts } from './partialAccept';
import { ServerMessages } from './notifications';
import { ServerSettings } from './settings';
import { StatusItem } from './status';
import { errorHandler, QuietLanguageClient, ServerStderr, showStartFailure, startFailure } from './startup';
import { askAgainOnUpdates } from './suggestionUpdates';

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
    /** The last start failed (cannot start, or no Python): retried only when the user acts. */
    failed = false;
    readonly messages = new ServerMessages();
    /** Partial accepts of the ghost text, reported to the server. */
    readonly partialAccepts = new PartialAccepts((id, acceptedLength) => this.serverCommand(PARTIAL_ACCEPT, [{ id, acceptedLength }]));
    /** The next suggestion asked at once after an accept, which is counted from there. */
    private readonly nextOnAccept = new NextOnAccept((command) => Promise.resolve(vscode.commands.executeCommand(command.command, ...(command.arguments ?? []))));

    constructor(
        private readonly extensionPath: string,
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
            this.messages.keyStored();
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
        this.status.set('starting');
        const launch = await resolveLaunch(this.extensionPath, this.output, folder);
        if ('problem' in launch) {
            return this.startFailed(launch.problem, 'no Python 3.10+');
        }
        const env = await keysEnvironment(this.secrets);
        this.launch = launch;
        this.startedKeys = JSON.stringify(env);
        const executable = {
            command: launch.command,
            args: launch.args,
            // stdio (no `transport`: TransportKind.stdio would append `--stdio`). `options` go to
            // child_process.spawn as they are: a complete environment. Keys are never logged.
            options: { env: { ...process.env, ...launch.env, ...env }, cwd: launch.cwd ?? folder?.uri.fsPath },
        };
        const serverOptions: ServerOptions = { run: executable, debug: executable };
        const forwarding = settingsForwarding(this.settings, folder, () => this.client);
        const stderr = new ServerStderr(this.output);
        const clientOptions: LanguageClientOptions = {
            documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
            initializationOptions: forwarding.initializationOptions,
            synchronize: forwarding.synchronize,
            outputChannel: this.output,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            stdioOptions: { stdout: () => undefined, stderr: (input) => stderr.pipe(input) },
            errorHandler: errorHandler(() => this.client),
            initializationFailedHandler: () => false,
            middleware: { ...completionMiddleware(this.partialAccepts, this.nextOnAccept), workspace: forwarding.workspace },
        };
        const client = new QuietLanguageClient('codestral', 'Codestral', serverOptions, clientOptions);
        this.client = client;
        this.messages.attach(client);
        client.onDidChangeState((event) => {
            if (event.newState === State.Starting) {
                this.status.set('starting');
            } else if (event.newState === State.Stopped && this.client === client) {
                this.status.set('stopped', 'The codestral-ls server is not running. Click for actions.');
            }
        });
        client.onNotification('codestral/status', (params: unknown) => this.status.fromServer(params));
        askAgainOnUpdates(client);
        this.output.info(`Starting ${launch.command} ${launch.args.join(' ')} (${launch.source})`);
        try {
            await client.start();
        } catch (error) {
            this.client = undefined;
            await client.dispose().catch(() => undefined);
            return this.startFailed(startFailure(launch, stderr.cause() ?? describe(error)), describe(error));
        }
        this.failed = false;
        if (this.status.state === 'starting') {
            this.status.set('ready', `Server: ${launch.source}`);
        }
        this.output.info('Client started.');
        // Tests and users watching the developer console wait for this line.
        console.log('codestral: client started');
    }

    /** One message with the cause and the fix; no retry until the user acts. */
    private startFailed(message: string, short: string): void {
        this.failed = true;
        this.status.set('stopped', message);
        showStartFailure(message, short, this.output, () => this.restart());
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

    /** Whether the server runs the interpreter selected in the Python extension. */
    get usesSelectedInterpreter(): boolean {
        return this.launch?.source.includes('Python extension') ?? false;
    }

    get launchDescription(): string {
        return this.launch ? `${this.launch.command} ${this.launch.args.join(' ')}`.trim() : 'not started';
    }
}
